import { doubledSlots } from '../util/slot-array.js';
import type { PieceDownload } from './piece-download.js';

const INITIAL_SLOTS = 8;

/**
 * The pieces one peer was handed first (PieceDownload.owner): added as the peer starts them,
 * removed as they complete, fail or are abandoned, in no particular order.
 *
 * Not a Set (see util/slot-array.ts): with 16 KiB pieces a peer's set gains and loses a piece
 * per 16 KiB. A piece leaving takes the last one's slot (each piece knows its slot), and the
 * freed slot is cleared at once.
 */
export class OwnedPieces {
  private slots: (PieceDownload | null)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(piece: PieceDownload): boolean {
    return piece.ownedSlot >= 0 && this.slots[piece.ownedSlot] === piece;
  }

  add(piece: PieceDownload): void {
    if (this.has(piece)) return;
    if (this.count === this.slots.length) this.slots = doubledSlots(this.slots, 0, this.count, INITIAL_SLOTS);
    piece.ownedSlot = this.count;
    this.slots[this.count++] = piece;
  }

  delete(piece: PieceDownload): boolean {
    if (!this.has(piece)) return false;
    const slot = piece.ownedSlot;
    const last = this.slots[--this.count]!;
    this.slots[slot] = last;
    last.ownedSlot = slot;
    this.slots[this.count] = null;
    piece.ownedSlot = -1;
    return true;
  }

  clear(): void {
    for (let s = 0; s < this.count; s++) this.slots[s]!.ownedSlot = -1;
    this.slots.fill(null, 0, this.count);
    this.count = 0;
  }

  /** The piece in slot `s` < size. Adding or deleting moves pieces: not during a walk. */
  at(s: number): PieceDownload {
    return this.slots[s]!;
  }

  *[Symbol.iterator](): IterableIterator<PieceDownload> {
    for (let s = 0; s < this.count; s++) yield this.slots[s]!;
  }

}
