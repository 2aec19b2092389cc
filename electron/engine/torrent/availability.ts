import type { RemotePiecesView } from '../peer/remote-pieces.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import { LazyWeakMap } from '../util/lazy-collections.js';

/** A peer as availability sees it: what it has. */
export interface PiecesHolder {
  readonly pieces: RemotePiecesView;
}

/**
 * Feeds what peers have into the picker's availability counts, and takes it out again when
 * they leave. It remembers how each peer was counted — as a seed (one counter for all
 * pieces) or piece by piece — so a peer is never counted twice or taken out wrongly, in
 * whatever order its bitfield, haves and the torrent's metadata arrive.
 */
export class PeerAvailability {
  private readonly counted = new LazyWeakMap<PiecesHolder, 'seed' | 'pieces'>();

  constructor(private readonly picker: PiecePicker) {}

  /** The peer's piece set is known (bitfield, have-all/none, or a magnet's metadata arrived). */
  add(peer: PiecesHolder): void {
    if (this.counted.has(peer)) return;
    const pieces = peer.pieces;
    if (pieces.isSeed) {
      this.picker.seedJoined();
      this.counted.set(peer, 'seed');
    } else if (pieces.bitfield) {
      this.picker.peerBitfield(pieces.bitfield, 1);
      this.counted.set(peer, 'pieces');
    }
  }

  /** The peer announced piece `index` (new to it). */
  have(peer: PiecesHolder, index: number): void {
    const how = this.counted.get(peer);
    // A have before any bitfield: its set (made of haves) is counted whole.
    if (how === undefined) return this.add(peer);
    if (how === 'seed') return;
    const bits = peer.pieces.bitfield;
    if (peer.pieces.isSeed && bits) {
      this.picker.peerBecameSeed(bits, index);
      this.counted.set(peer, 'seed');
    } else {
      this.picker.peerHas(index);
    }
  }

  /** The peer left. */
  remove(peer: PiecesHolder): void {
    const how = this.counted.get(peer);
    this.counted.delete(peer);
    if (how === 'seed') this.picker.seedLeft();
    else if (how === 'pieces' && peer.pieces.bitfield) this.picker.peerBitfield(peer.pieces.bitfield, -1);
  }
}
