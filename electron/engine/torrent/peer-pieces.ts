/**
 * Each connected peer's pieces for the Peers tab (the contract's getPeerPieces): a seed as a
 * flag, others as a bitfield sent only when its count differs from what the renderer holds.
 * O(pieces) per peer whose bitfield is sent or who is not a seed (for `wanted`).
 */
import type { PeerPiecesResult, PeerPiecesView } from '../../../shared/contract/peer-pieces.js';
import type { ReadonlyBitfield } from '../util/bitfield.js';

export interface PiecesPeer {
  readonly id: string;
  readonly isSeed: boolean;
  readonly bitfield: ReadonlyBitfield | null;
}

export interface WantedPieces {
  readonly pieceCount: number;
  /** We have it verified. */
  has(index: number): boolean;
  isWanted(index: number): boolean;
}

export function peerPieces(peers: Iterable<PiecesPeer>, ours: WantedPieces, known: ReadonlyMap<string, number>): PeerPiecesResult {
  const n = ours.pieceCount;
  const needed = new Uint8Array(n);
  let wantedMissing = 0;
  for (let i = 0; i < n; i++) {
    if (!ours.has(i) && ours.isWanted(i)) {
      needed[i] = 1;
      wantedMissing++;
    }
  }
  const out: PeerPiecesView[] = [];
  for (const p of peers) {
    if (p.isSeed) {
      out.push({ id: p.id, count: n, seed: true, wanted: wantedMissing });
      continue;
    }
    const bits = p.bitfield && p.bitfield.length === n ? p.bitfield : null;
    const count = bits?.count ?? 0;
    let wanted = 0;
    const send = known.get(p.id) !== count;
    const bytes = send ? new Uint8Array(Math.ceil(n / 8)) : null;
    if (bits) {
      for (let i = 0; i < n; i++) {
        if (!bits.has(i)) continue;
        if (needed[i]) wanted++;
        if (bytes) bytes[i >> 3]! |= 0x80 >> (i & 7);
      }
    }
    out.push({ id: p.id, count, seed: false, wanted, ...(bytes ? { have: Buffer.from(bytes).toString('base64') } : {}) });
  }
  return { pieceCount: n, wantedMissing, peers: out };
}
