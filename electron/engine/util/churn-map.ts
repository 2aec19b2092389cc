/**
 * A Map from non-negative integer keys (up to 2^53) that allocates nothing while entries come
 * and go: only growing past its capacity allocates. For the collections every 16 KiB block or
 * piece goes through (a peer's requests in flight, the pieces in flight, the pieces a peer
 * owns), which see tens of thousands of insertions and deletions a second.
 *
 * Why not a Map: V8 replaces a Map's hash table every time deletions and insertions fill it
 * (a same-size "rehash" under churn, every ~capacity operations), and the table it leaves
 * keeps a pointer to its successor and the entries it held. Once one such table has lived
 * through two scavenges (a quiet moment is enough) it is in the old generation, and from then
 * on every table after it, and every value any of them held, is kept by its dead predecessor
 * through the write barrier's remembered set: each scavenge promotes them, and only the next
 * full GC frees the chain. Downloading in 16 KiB pieces, that promoted ~20 MB per GiB (the
 * pieces, their requests and the tables), filling the old generation in proportion to the
 * torrent's size. Here the slots live in arrays that are only replaced when they grow, and a
 * replaced one is cleared, so it holds nothing.
 *
 * Behaves as a Map for what the engine uses: insertion order (setting an existing key keeps
 * its place), deleting during iteration (a deleted entry not yet visited is not visited),
 * adding during iteration (visited). Values must not be `undefined`. Like LazyMap, an empty one
 * allocates nothing until the first insertion (an idle torrent keeps a few of them).
 */
export class ChurnMap<V> implements ReadonlyMap<number, V> {
  /** Values by slot, in insertion order; `undefined` is a deleted slot. */
  private values_: (V | undefined)[];
  private keys_: Float64Array;
  /** Insertion number of each slot: increasing along the slots, so iterators find their place again after a compaction. */
  private order: Float64Array;
  /** Open-addressing index: slot + 1 for a key, 0 for empty (linear probing, deletion by backward shift). */
  private index: Int32Array;
  /** Slots used so far (live or deleted); new entries go at `end`. */
  private end = 0;
  private count = 0;
  private inserted = 0;
  /** Bumped when slots move (compaction, growth), for iterators in progress. */
  private epoch = 0;

  constructor() {
    this.values_ = EMPTY_VALUES as (V | undefined)[];
    this.keys_ = EMPTY_NUMBERS;
    this.order = EMPTY_NUMBERS;
    this.index = EMPTY_INDEX;
  }

  get size(): number {
    return this.count;
  }

  /** Slots allocated (for tests and memory figures). */
  get capacity(): number {
    return this.values_.length;
  }

  get(key: number): V | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : this.values_[slot];
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  set(key: number, value: V): this {
    const found = this.find(key);
    if (found >= 0) {
      this.values_[found] = value;
      return this;
    }
    if (this.end === this.values_.length) this.makeRoom();
    const slot = this.end++;
    this.values_[slot] = value;
    this.keys_[slot] = key;
    this.order[slot] = this.inserted++;
    this.indexInsert(key, slot);
    this.count++;
    return this;
  }

  delete(key: number): boolean {
    if (this.count === 0) return false;
    const mask = this.index.length - 1;
    let i = hash(key) & mask;
    for (;;) {
      const s = this.index[i]!;
      if (s === 0) return false;
      if (this.keys_[s - 1] === key) break;
      i = (i + 1) & mask;
    }
    const slot = this.index[i]! - 1;
    this.values_[slot] = undefined;
    this.count--;
    this.indexRemoveAt(i);
    // Empty: start again at slot 0 (a new epoch: an iterator in progress finds what comes next by order).
    if (this.count === 0) {
      this.end = 0;
      this.epoch++;
    }
    return true;
  }

  clear(): void {
    this.values_.fill(undefined, 0, this.end);
    this.index.fill(0);
    this.end = 0;
    this.count = 0;
    this.epoch++;
  }

  forEach(callback: (value: V, key: number, map: ReadonlyMap<number, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[number, V]> {
    for (let slot = this.nextLive(0); slot >= 0; ) {
      const seen = this.order[slot]!;
      const epoch = this.epoch;
      yield [this.keys_[slot]!, this.values_[slot]!];
      slot = this.nextLive(epoch === this.epoch ? slot + 1 : this.slotAfter(seen));
    }
  }

  // keys() and values() repeat the walk rather than map entries(): no pair array per entry.
  *keys(): MapIterator<number> {
    for (let slot = this.nextLive(0); slot >= 0; ) {
      const seen = this.order[slot]!;
      const epoch = this.epoch;
      yield this.keys_[slot]!;
      slot = this.nextLive(epoch === this.epoch ? slot + 1 : this.slotAfter(seen));
    }
  }

  *values(): MapIterator<V> {
    for (let slot = this.nextLive(0); slot >= 0; ) {
      const seen = this.order[slot]!;
      const epoch = this.epoch;
      yield this.values_[slot]!;
      slot = this.nextLive(epoch === this.epoch ? slot + 1 : this.slotAfter(seen));
    }
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }

  /** The first live slot from `slot` on, or -1. */
  private nextLive(slot: number): number {
    for (let s = slot; s < this.end; s++) if (this.values_[s] !== undefined) return s;
    return -1;
  }

  /** The first slot inserted after insertion number `seen` (slots are in insertion order). */
  private slotAfter(seen: number): number {
    let lo = 0;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]! <= seen) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** No slot left at the end: close the gaps in place when half are deleted, otherwise grow. */
  private makeRoom(): void {
    this.epoch++;
    const cap = this.values_.length;
    if (cap === 0) {
      this.values_ = new Array<V | undefined>(FIRST_CAPACITY).fill(undefined);
      this.keys_ = new Float64Array(FIRST_CAPACITY);
      this.order = new Float64Array(FIRST_CAPACITY);
      this.index = new Int32Array(indexSize(FIRST_CAPACITY));
      return;
    }
    if (this.count * 2 <= cap) {
      this.compactInto(this.values_, this.keys_, this.order);
      return;
    }
    const values = new Array<V | undefined>(cap * 2).fill(undefined);
    const keys = new Float64Array(cap * 2);
    const order = new Float64Array(cap * 2);
    this.compactInto(values, keys, order);
    // The old array may be in the old generation: cleared, it keeps no value alive.
    if (values !== this.values_) this.values_.fill(undefined);
    this.values_ = values;
    this.keys_ = keys;
    this.order = order;
    this.index = new Int32Array(indexSize(cap * 2));
    this.reindex();
  }

  /** Copies the live slots, in order, to the start of the given arrays (which may be the current ones). */
  private compactInto(values: (V | undefined)[], keys: Float64Array, order: Float64Array): void {
    let to = 0;
    for (let from = 0; from < this.end; from++) {
      const value = this.values_[from];
      if (value === undefined) continue;
      keys[to] = this.keys_[from]!;
      order[to] = this.order[from]!;
      values[to++] = value;
    }
    if (values === this.values_) {
      values.fill(undefined, to, this.end);
      this.end = to;
      this.reindex();
    } else {
      this.end = to;
    }
  }

  private reindex(): void {
    this.index.fill(0);
    for (let slot = 0; slot < this.end; slot++) this.indexInsert(this.keys_[slot]!, slot);
  }

  private find(key: number): number {
    if (this.count === 0) return -1;
    const mask = this.index.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const s = this.index[i]!;
      if (s === 0) return -1;
      if (this.keys_[s - 1] === key) return s - 1;
    }
  }

  private indexInsert(key: number, slot: number): void {
    const mask = this.index.length - 1;
    let i = hash(key) & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = slot + 1;
  }

  /** Empties index position `hole` and shifts back the entries after it that probed past it. */
  private indexRemoveAt(hole: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let i = hole;
    for (;;) {
      index[i] = 0;
      let j = i;
      for (;;) {
        j = (j + 1) & mask;
        const s = index[j]!;
        if (s === 0) return;
        const home = hash(this.keys_[s - 1]!) & mask;
        // Stays if its home lies cyclically in (i, j]; otherwise it moves into the hole.
        if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
        index[i] = s;
        i = j;
        break;
      }
    }
  }
}

/** Slots of a map's first arrays. */
const FIRST_CAPACITY = 8;
/** What an empty map points to (never written: the first insertion allocates). */
const EMPTY_VALUES: readonly unknown[] = [];
const EMPTY_NUMBERS = new Float64Array(0);
const EMPTY_INDEX = new Int32Array(0);

/** Index positions for `capacity` slots: a power of two at least twice as many (probes stay short). */
function indexSize(capacity: number): number {
  let n = 8;
  while (n < capacity * 2) n *= 2;
  return n;
}

/** Mixes both halves of an integer key up to 2^53 (request keys pass 2^32). */
function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return h >>> 0;
}
