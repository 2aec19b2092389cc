import { doubledSlots } from '../util/slot-array.js';
import type { PieceDownload } from './piece-download.js';

/** Slots made with the first piece; they double when full with more than half of them live. */
const INITIAL_SLOTS = 16;

/**
 * The pieces being downloaded, by index and in the order they were started.
 *
 * Not a Map (see util/slot-array.ts): a torrent of 16 KiB pieces puts one piece in and takes
 * one out per 16 KiB, and with a Map nearly every piece of a long download (and its block
 * array) was promoted into the old generation. A slot is cleared at once when its piece leaves;
 * when the array is full its live pieces move down over the cleared slots, and only when more
 * than half is live is it replaced by one twice as long. The index → slot table is a typed
 * array made with the first piece; the picker drops it (`dropIndex`) once nothing is left to
 * fetch, not each time the set empties: a peer that has one new piece at a time would have it
 * made again for each.
 */
export class InFlightPieces {
  /** Pieces in start order in [0, end); null where one left, and from `end` on. */
  private slots: (PieceDownload | null)[] = [];
  private end = 0;
  /** Piece index → slot + 1 (0: not in flight). Null until the first piece, and after dropIndex. */
  private slotOf: Int32Array | null = null;
  private live = 0;

  constructor(private readonly pieceCount: number) {}

  get size(): number {
    return this.live;
  }

  /** Bytes of the index → slot table (4 a piece while it exists). */
  get indexBytes(): number {
    return this.slotOf === null ? 0 : this.slotOf.byteLength;
  }

  get(index: number): PieceDownload | undefined {
    const slot = this.slotOf === null ? 0 : this.slotOf[index]!;
    return slot === 0 ? undefined : this.slots[slot - 1]!;
  }

  has(index: number): boolean {
    return this.slotOf !== null && this.slotOf[index]! !== 0;
  }

  /** Adds a piece that is not in flight (its index must be free here). */
  add(piece: PieceDownload): void {
    this.slotOf ??= new Int32Array(this.pieceCount);
    if (this.slotOf[piece.index] !== 0) throw new Error(`piece ${piece.index} is already in flight`);
    if (this.end === this.slots.length) this.makeRoom();
    this.slots[this.end++] = piece;
    this.slotOf[piece.index] = this.end;
    this.live++;
  }

  /** Removes the piece at `index`; false when none is in flight there. */
  delete(index: number): boolean {
    const slotOf = this.slotOf;
    const slot = slotOf === null ? 0 : slotOf[index]!;
    if (slot === 0) return false;
    this.slots[slot - 1] = null;
    slotOf![index] = 0;
    while (this.end > 0 && this.slots[this.end - 1] === null) this.end--;
    this.live--;
    return true;
  }

  /** Drops the index → slot table (4 bytes a piece) while nothing is in flight; the next add makes it again. */
  dropIndex(): void {
    if (this.live === 0) this.slotOf = null;
  }

  /** How many slots `at` may be asked for: iterate `for (let s = 0; s < span; s++)`, skipping nulls. */
  get span(): number {
    return this.end;
  }

  /** The piece in a slot (null: one left it). Adding or deleting moves slots: not during a walk. */
  at(slot: number): PieceDownload | null {
    return this.slots[slot]!;
  }

  *values(): IterableIterator<PieceDownload> {
    for (let s = 0; s < this.end; s++) {
      const piece = this.slots[s]!;
      if (piece !== null) yield piece;
    }
  }

  *keys(): IterableIterator<number> {
    for (const piece of this.values()) yield piece.index;
  }

  /** Room for one more at `end`: the live pieces moved down over cleared slots, or twice the slots. */
  private makeRoom(): void {
    const slots = this.slots;
    const slotOf = this.slotOf!;
    // Compacting when at most half is live makes each move pay for as many adds.
    if (slots.length > 0 && this.live * 2 <= slots.length) {
      let to = 0;
      for (let from = 0; from < this.end; from++) {
        const piece = slots[from]!;
        if (piece === null) continue;
        slots[to] = piece;
        slotOf[piece.index] = ++to;
      }
      slots.fill(null, to, this.end);
      this.end = to;
      return;
    }
    this.slots = doubledSlots(slots, 0, this.end, INITIAL_SLOTS);
  }
}
