import type { PieceDownload } from './piece-download.js';

const INITIAL_SLOTS = 8;

/**
 * The pieces one peer was handed first (PieceDownload.owner): added as the peer starts them,
 * removed as they complete, fail or are abandoned, in no particular order.
 *
 * Not a Set, for the reason InFlightPieces gives: with 16 KiB pieces a peer's set gains and
 * loses a piece per 16 KiB, and the tables a Set abandons as it rehashes kept those pieces alive
 * into the old generation. Here the pieces sit in one array of fixed length: a piece leaving
 * takes the last one's slot (each piece knows its slot), the freed slot is cleared at once, and
 * the array is replaced only to double, emptied before it is dropped.
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
    if (this.count === this.slots.length) this.grow();
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

  private grow(): void {
    const old = this.slots;
    const grown = new Array<PieceDownload | null>(Math.max(INITIAL_SLOTS, old.length * 2)).fill(null);
    for (let s = 0; s < this.count; s++) grown[s] = old[s]!;
    old.fill(null);
    this.slots = grown;
  }
}
