/** Capacity an IndexStack never shrinks below. */
const MIN_CAPACITY = 16;

/**
 * A stack of piece indices in an Int32Array that doubles as it grows: the picker's
 * availability buckets. A plain array of numbers would sit in V8's heap at 8 bytes per piece
 * (3 MiB for the first bucket of a 262,144-piece torrent, with growth slack), and V8 sizes
 * the old generation as a multiple of what lives there, so per-piece arrays in the heap raise
 * the garbage peak of a big torrent several times over. A typed array's bytes live outside the
 * heap, at 4 bytes per piece.
 *
 * It halves once no more than a quarter of it is used. Pieces move through the buckets as
 * peers come and go: each peer that has nearly every piece but is no seed moves them all one
 * bucket up, so a bucket that never shrank kept room for every piece after they had moved on
 * (40 such peers held 41 MiB for a 262,144-piece torrent, until it was removed), and the first
 * bucket kept 4 bytes per piece for a complete torrent. Halving at a quarter, not at a half,
 * leaves room for as many again: a bucket going up and down around a size is not copied each time.
 */
export class IndexStack {
  private items: Int32Array;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.count;
  }

  /** Indices it has room for without growing. */
  get capacity(): number {
    return this.items.length;
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
    if (this.count === 0) return -1;
    const index = this.items[--this.count]!;
    if (this.items.length > MIN_CAPACITY && this.count <= this.items.length >> 2) {
      this.items = this.items.slice(0, Math.max(MIN_CAPACITY, this.items.length >> 1));
    }
    return index;
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
