import { describe, expect, it } from 'vitest';
import { mulberry32 as prng } from '../../../e2e/support/test-utils.js';
import { ChurnMap } from './churn-map.js';

describe('ChurnMap', () => {
  it('allocates nothing until the first insertion', () => {
    const m = new ChurnMap<string>();
    expect(m.capacity).toBe(0);
    expect(m.size).toBe(0);
    expect(m.get(3)).toBeUndefined();
    expect(m.has(3)).toBe(false);
    expect(m.delete(3)).toBe(false);
    expect([...m]).toEqual([]);
    m.clear();
    expect(m.capacity).toBe(0);
  });

  it('gets, sets, deletes and keeps insertion order; setting a key again keeps its place', () => {
    const m = new ChurnMap<string>();
    m.set(5, 'a').set(1, 'b').set(9, 'c');
    m.set(1, 'B');
    expect([...m.entries()]).toEqual([[5, 'a'], [1, 'B'], [9, 'c']]);
    expect(m.delete(5)).toBe(true);
    expect(m.delete(5)).toBe(false);
    m.set(5, 'a2');
    expect([...m.keys()]).toEqual([1, 9, 5]);
    expect([...m.values()]).toEqual(['B', 'c', 'a2']);
    expect(m.size).toBe(3);
    const seen: Array<[number, string]> = [];
    m.forEach((v, k, map) => {
      expect(map).toBe(m);
      seen.push([k, v]);
    });
    expect(seen).toEqual([[1, 'B'], [9, 'c'], [5, 'a2']]);
  });

  it('takes keys past 2^32 (request keys: piece index × 2^15 + block)', () => {
    const m = new ChurnMap<number>();
    const keys = [262143 * 32768 + 3, 2 ** 32, 2 ** 32 + 1, 0, 2 ** 53 - 1];
    keys.forEach((k, i) => m.set(k, i));
    keys.forEach((k, i) => expect(m.get(k)).toBe(i));
    expect(m.has(2 ** 32 + 2)).toBe(false);
  });

  it('behaves as a Map under random insertions, deletions and clears', () => {
    const random = prng(11);
    const m = new ChurnMap<number>();
    const ref = new Map<number, number>();
    for (let op = 0; op < 50_000; op++) {
      const r = random();
      // Few distinct keys: plenty of hits, misses and probe chains across deletions.
      const key = Math.floor(random() * 300) * (random() < 0.5 ? 1 : 4_294_967_311);
      if (r < 0.5) {
        m.set(key, op);
        ref.set(key, op);
      } else if (r < 0.9995) {
        expect(m.delete(key)).toBe(ref.delete(key));
      } else {
        m.clear();
        ref.clear();
      }
      expect(m.get(key)).toBe(ref.get(key));
      expect(m.size).toBe(ref.size);
      if (op % 997 === 0) expect([...m]).toEqual([...ref]);
    }
    expect([...m]).toEqual([...ref]);
  });

  it('does not grow under churn: its arrays are reused, not replaced (no garbage for the old generation)', () => {
    const m = new ChurnMap<object>();
    const churn = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        m.set(i, {});
        m.delete(i - 1000);
      }
    };
    for (let i = 0; i < 1000; i++) m.set(i, {});
    churn(1000, 2000);
    const capacity = m.capacity;
    // A steady 1000 entries while 1,000,000 come and go (a peer's pipeline, the pieces in flight).
    churn(2000, 1_001_000);
    expect(m.size).toBe(1000);
    expect(m.capacity).toBe(capacity);
    expect(capacity).toBeLessThanOrEqual(2048);
    expect([...m.keys()]).toEqual(Array.from({ length: 1000 }, (_, i) => 1_000_000 + i));
  });

  it('iterates as a Map while entries are deleted and added, compaction and growth included', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = prng(seed);
      const m = new ChurnMap<number>();
      const ref = new Map<number, number>();
      let next = 0;
      for (let i = 0; i < 40; i++) {
        m.set(next, next);
        ref.set(next, next);
        next++;
      }
      const got: number[] = [];
      const want: number[] = [];
      const it1 = m.keys();
      const it2 = ref.keys();
      for (let step = 0; step < 400; step++) {
        const a = it1.next();
        const b = it2.next();
        expect(a.done).toBe(b.done);
        if (a.done || b.done) break;
        got.push(a.value);
        want.push(b.value);
        // Delete some entries (visited or not, the current one included), add some: enough to
        // make the map compact its slots and grow while the iterator is in the middle.
        const deletions = Math.floor(random() * 4);
        for (let d = 0; d < deletions; d++) {
          const key = random() < 0.3 ? a.value : Math.floor(random() * next);
          m.delete(key);
          ref.delete(key);
        }
        const additions = Math.floor(random() * 4);
        for (let d = 0; d < additions && next < 300; d++) {
          m.set(next, next);
          ref.set(next, next);
          next++;
        }
      }
      expect(got).toEqual(want);
    }
  });

  it('an iterator in progress sees what is added after the map was emptied or cleared', () => {
    const m = new ChurnMap<string>();
    m.set(1, 'a').set(2, 'b');
    const it = m.values();
    expect(it.next().value).toBe('a');
    m.delete(1);
    m.delete(2);
    m.set(3, 'c');
    expect(it.next().value).toBe('c');
    m.clear();
    m.set(4, 'd');
    expect(it.next().value).toBe('d');
    expect(it.next().done).toBe(true);
  });
});
