/**
 * Map, Set, WeakMap and WeakSet that allocate their table on the first insertion.
 *
 * A torrent holds a few dozen collections (peers, requests in flight, staged pieces, PEX and
 * v2 hash state, …) that stay empty while it idles, and most torrents of a big session idle.
 * An empty V8 Map costs about 184 bytes (the object and its first hash table), a Set 152, a
 * WeakMap 136; one of these wrappers costs 32 until something is put in it. At 10,000 torrents
 * that was ~8 KiB of heap per torrent, nothing in it.
 *
 * They behave exactly as the built-ins (they implement the same interfaces, and every
 * operation past the first insertion is the built-in's own, iteration order included): a
 * field declared as `Map<K, V>` takes one unchanged. Reads of an empty one allocate nothing.
 * Once made, the table stays (clear() empties it as Map.clear does, so a live iterator sees
 * what is added after, as with a Map).
 */

/** What an empty lazy collection iterates (never written to). */
const EMPTY_MAP: ReadonlyMap<unknown, unknown> = new Map();
const EMPTY_SET: ReadonlySet<unknown> = new Set();

export class LazyMap<K, V> implements Map<K, V> {
  private map: Map<K, V> | undefined = undefined;

  get size(): number {
    return this.map === undefined ? 0 : this.map.size;
  }

  get(key: K): V | undefined {
    return this.map?.get(key);
  }

  has(key: K): boolean {
    return this.map !== undefined && this.map.has(key);
  }

  set(key: K, value: V): this {
    (this.map ??= new Map()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.map !== undefined && this.map.delete(key);
  }

  clear(): void {
    this.map?.clear();
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.map?.forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): MapIterator<[K, V]> {
    return (this.map ?? (EMPTY_MAP as ReadonlyMap<K, V>)).entries();
  }

  keys(): MapIterator<K> {
    return (this.map ?? (EMPTY_MAP as ReadonlyMap<K, V>)).keys();
  }

  values(): MapIterator<V> {
    return (this.map ?? (EMPTY_MAP as ReadonlyMap<K, V>)).values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  /** A getter on the prototype, not a field: a field would cost every instance a slot. */
  get [Symbol.toStringTag](): string {
    return 'LazyMap';
  }
}

export class LazySet<T> implements Set<T> {
  private set: Set<T> | undefined = undefined;

  get size(): number {
    return this.set === undefined ? 0 : this.set.size;
  }

  has(value: T): boolean {
    return this.set !== undefined && this.set.has(value);
  }

  add(value: T): this {
    (this.set ??= new Set()).add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.set !== undefined && this.set.delete(value);
  }

  clear(): void {
    this.set?.clear();
  }

  forEach(callback: (value: T, value2: T, set: Set<T>) => void, thisArg?: unknown): void {
    this.set?.forEach((value) => callback.call(thisArg, value, value, this));
  }

  entries(): SetIterator<[T, T]> {
    return (this.set ?? (EMPTY_SET as ReadonlySet<T>)).entries();
  }

  keys(): SetIterator<T> {
    return (this.set ?? (EMPTY_SET as ReadonlySet<T>)).keys();
  }

  values(): SetIterator<T> {
    return (this.set ?? (EMPTY_SET as ReadonlySet<T>)).values();
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return 'LazySet';
  }
}

export class LazyWeakMap<K extends WeakKey, V> implements WeakMap<K, V> {
  private map: WeakMap<K, V> | undefined = undefined;

  get(key: K): V | undefined {
    return this.map?.get(key);
  }

  has(key: K): boolean {
    return this.map !== undefined && this.map.has(key);
  }

  set(key: K, value: V): this {
    (this.map ??= new WeakMap()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.map !== undefined && this.map.delete(key);
  }

  get [Symbol.toStringTag](): string {
    return 'LazyWeakMap';
  }
}

export class LazyWeakSet<T extends WeakKey> implements WeakSet<T> {
  private set: WeakSet<T> | undefined = undefined;

  has(value: T): boolean {
    return this.set !== undefined && this.set.has(value);
  }

  add(value: T): this {
    (this.set ??= new WeakSet()).add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.set !== undefined && this.set.delete(value);
  }

  get [Symbol.toStringTag](): string {
    return 'LazyWeakSet';
  }
}
