import type { PeerConnection } from '../peer/peer-connection.js';
import { chooseUnchoked, nextOptimistic } from './choker.js';

/** Regular upload slots (plus one optimistic unchoke). */
export const UPLOAD_SLOTS = 8;
/** The optimistic unchoke rotates every this many rechokes (every 30 s at one per 10 s). */
const OPTIMISTIC_EVERY = 3;

/**
 * Who we upload to: an interested peer is unchoked at once while a slot is free, and a peer
 * that loses interest is choked; every rechoke (the torrent calls it every 10 s) applies the
 * choker's choice, rotating the optimistic unchoke every third time.
 */
export class UploadSlots {
  private optimistic: string | null = null;
  private rounds = 0;

  constructor(
    private readonly peers: () => Iterable<PeerConnection>,
    private readonly seeding: () => boolean,
  ) {}

  interest(peer: PeerConnection, interested: boolean): void {
    if (interested && peer.amChoking && this.unchokedCount() < UPLOAD_SLOTS) peer.setChoking(false);
    if (!interested && !peer.amChoking) peer.setChoking(true);
  }

  rechoke(): void {
    const peers = [...this.peers()];
    const candidates = peers.map((p) => ({
      id: p.id,
      peerInterested: p.peerInterested,
      downloadRate: p.downloadMeter.rate(),
      uploadRate: p.uploadMeter.rate(),
      isSeed: p.isSeed,
    }));
    if (++this.rounds % OPTIMISTIC_EVERY === 0) this.optimistic = nextOptimistic(candidates, new Set());
    const chosen = chooseUnchoked(candidates, this.seeding(), UPLOAD_SLOTS, this.optimistic);
    for (const p of peers) p.setChoking(!chosen.has(p.id));
  }

  private unchokedCount(): number {
    let n = 0;
    for (const p of this.peers()) if (!p.amChoking) n++;
    return n;
  }
}
