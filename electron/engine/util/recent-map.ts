/**
 * Maps kept in recency order, bounded by forgetting the least recently used: for tables that
 * strangers fill (senders, address groups, sessions), where keys are free to make up, so the
 * table forgets rather than grows. A Map iterates in insertion order: an entry put back when
 * used moves to the end, and the first key is the one unused longest.
 */

/** The entry for `key` (made by `make` when new), now the most recently used; the table is trimmed to `max`. */
export function touchRecent<K, V>(map: Map<K, V>, key: K, max: number, make: () => V): V {
  const value = map.get(key) ?? make();
  map.delete(key);
  map.set(key, value);
  dropOldest(map, max);
  return value;
}

/** Forgets the least recently used entries until at most `max` are left. */
export function dropOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
