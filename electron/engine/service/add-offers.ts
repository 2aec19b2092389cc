/**
 * Offers waiting for the user's answer (see shared/contract/add-offer.ts). Bounded: at most
 * MAX_PENDING_OFFERS offers and MAX_OFFER_BYTES of .torrent bytes are kept; beyond either,
 * the oldest offers are dropped, so a web page that fires magnet links (or a folder of huge
 * .torrent files) costs a bounded amount of memory and never adds anything by itself.
 */
import { randomBytes } from 'node:crypto';
import { MAX_PENDING_OFFERS, type AddOffer, type AddPreview } from '../../../shared/contract/index.js';
import type { TorrentSource } from '../api.js';

/** .torrent bytes kept across all pending offers. */
export const MAX_OFFER_BYTES = 64 * 1024 * 1024;

export interface PendingOffer {
  readonly offer: AddOffer;
  readonly source: TorrentSource;
  /** Opened by the OS (file association, magnet: handler): every UI shows it, and so does the snapshot. */
  readonly fromShell: boolean;
}

function sourceBytes(source: TorrentSource): number {
  return source.kind === 'torrent' ? source.bytes.byteLength : source.uri.length;
}

export class AddOffers {
  /** Insertion order = age. */
  private readonly pending = new Map<string, PendingOffer>();
  private bytes = 0;

  constructor(
    private readonly limits: { maxOffers: number; maxBytes: number } = { maxOffers: MAX_PENDING_OFFERS, maxBytes: MAX_OFFER_BYTES },
  ) {}

  /**
   * Keeps a new offer. Returns it and the offers dropped to make room (their dialogs must close).
   * A shell offer for a torrent that already waits from the shell returns that one instead.
   */
  open(source: TorrentSource, preview: AddPreview, fromShell: boolean): { offer: PendingOffer; dropped: PendingOffer[]; reused: boolean } {
    if (fromShell) {
      for (const p of this.pending.values()) {
        if (p.fromShell && p.offer.preview.infoHash === preview.infoHash) return { offer: p, dropped: [], reused: true };
      }
    }
    const offer: PendingOffer = { offer: { id: randomBytes(12).toString('base64url'), preview }, source, fromShell };
    const size = sourceBytes(source);
    const dropped: PendingOffer[] = [];
    for (const [id, old] of this.pending) {
      if (this.pending.size < this.limits.maxOffers && this.bytes + size <= this.limits.maxBytes) break;
      this.remove(id);
      dropped.push(old);
    }
    this.pending.set(offer.offer.id, offer);
    this.bytes += size;
    return { offer, dropped, reused: false };
  }

  /** Removes and returns the offer (answering it), or undefined for an unknown or dropped id. */
  take(id: string): PendingOffer | undefined {
    const offer = this.pending.get(id);
    if (offer) this.remove(id);
    return offer;
  }

  /** Shell offers still waiting, oldest first (a UI that subscribes later shows them). */
  shellOffers(): AddOffer[] {
    return [...this.pending.values()].filter((p) => p.fromShell).map((p) => p.offer);
  }

  get size(): number {
    return this.pending.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  private remove(id: string): void {
    const offer = this.pending.get(id);
    if (!offer) return;
    this.pending.delete(id);
    this.bytes -= sourceBytes(offer.source);
  }
}
