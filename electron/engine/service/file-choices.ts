/**
 * Magnets waiting for their files to be chosen (see shared/contract/add-offer.ts): a magnet
 * accepted with `chooseFiles` stops once its metadata is verified, and becomes an offer with
 * `fileChoice: true` that every UI shows (as a shell offer is), filled with its file list.
 * At most one offer per torrent. Not bounded by count: each stands for a torrent the user
 * added, and goes when it is answered or the torrent is removed.
 */
import { randomBytes } from 'node:crypto';
import { MAX_PREVIEW_FILES, type AddOffer } from '../../../shared/contract/index.js';
import type { EngineTorrent } from '../api.js';
import { previewView } from './views.js';

export class FileChoices {
  /** Offer id → offer; insertion order = age. */
  private readonly byId = new Map<string, { offer: AddOffer; infoHash: string }>();

  /**
   * The offer for `t` if it waits for its file choice and has none yet (null otherwise).
   * `saveDir` is where its files go.
   */
  open(t: EngineTorrent, saveDir: string): AddOffer | null {
    if (this.idOf(t.infoHash) !== undefined) return null;
    const facts = t.fileChoice?.(MAX_PREVIEW_FILES);
    if (!facts) return null;
    const offer: AddOffer = {
      id: randomBytes(12).toString('base64url'),
      preview: previewView('magnet', facts, saveDir, false),
      fileChoice: true,
    };
    this.byId.set(offer.id, { offer, infoHash: t.infoHash });
    return offer;
  }

  /** Removes and returns the torrent an offer id chooses for (answering it); undefined for an unknown id. */
  take(id: string): string | undefined {
    const entry = this.byId.get(id);
    if (entry) this.byId.delete(id);
    return entry?.infoHash;
  }

  /** Forgets the offer for a torrent (removed, or chosen some other way); returns its id if there was one. */
  closeFor(infoHash: string): string | undefined {
    const id = this.idOf(infoHash);
    if (id !== undefined) this.byId.delete(id);
    return id;
  }

  /** Every waiting offer, oldest first. */
  offers(): AddOffer[] {
    return [...this.byId.values()].map((e) => e.offer);
  }

  private idOf(infoHash: string): string | undefined {
    for (const [id, e] of this.byId) if (e.infoHash === infoHash) return id;
    return undefined;
  }
}
