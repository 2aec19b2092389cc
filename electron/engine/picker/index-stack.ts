/**
 * A stack of piece indices in an Int32Array that doubles as it grows: the picker's
 * availability buckets. A plain array of numbers would sit in V8's heap at 8 bytes per piece
 * (3 MiB for the first bucket of a 262,144-piece torrent, with growth slack), and V8 sizes
 * the old generation as a multiple of what lives there, so per-piece arrays in the heap raise
 * the garbage peak of a big torrent several times over. A typed array's bytes live outside the
 * heap, at 4 bytes per piece.
 */
export class IndexStack {
  private items: Int32Array;
  private count = 0;

  constructor(capacity = 16) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.count;
  }

  /** Adds `index` on top; returns its position. */
  push(index: number): number {
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count] = index;
    return this.count++;
  }

  /** Removes and returns the top index; -1 when empty. */
  pop(): number {
    return this.count === 0 ? -1 : this.items[--this.count]!;
  }

  /** The index at `position` (0 ≤ position < length). */
  at(position: number): number {
    if (position < 0 || position >= this.count) throw new RangeError(`position ${position} outside a stack of ${this.count}`);
    return this.items[position]!;
  }

  /** Puts `index` at `position` (0 ≤ position < length). */
  set(position: number, index: number): void {
    if (position < 0 || position >= this.count) throw new RangeError(`position ${position} outside a stack of ${this.count}`);
    this.items[position] = index;
  }
}
