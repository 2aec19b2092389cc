import { describe, expect, it } from 'vitest';
import { LazyMap, LazySet, LazyWeakMap, LazyWeakSet } from './lazy-collections.js';

/** The built-in table behind a lazy collection (undefined until the first insertion). */
function table(lazy: object): unknown {
  return Object.hasOwn(lazy, 'map') ? Reflect.get(lazy, 'map') : Reflect.get(lazy, 'set');
}

describe('lazy collections', () => {
  it('allocate no table until something is put in them, reads and removals included', () => {
    const map = new LazyMap<string, number>();
    const set = new LazySet<string>();
    const weak = new LazyWeakMap<object, number>();
    const weakSet = new LazyWeakSet<object>();
    expect(map.get('a')).toBeUndefined();
    expect(map.has('a')).toBe(false);
    expect(map.delete('a')).toBe(false);
    map.clear();
    expect([...map]).toEqual([]);
    expect([...map.keys(), ...map.values(), ...map.entries()]).toEqual([]);
    map.forEach(() => expect.unreachable());
    expect(map.size).toBe(0);
    expect(set.has('a')).toBe(false);
    expect(set.delete('a')).toBe(false);
    expect([...set, ...set.entries()]).toEqual([]);
    set.forEach(() => expect.unreachable());
    expect(set.size).toBe(0);
    expect(weak.get({})).toBeUndefined();
    expect(weak.has({})).toBe(false);
    expect(weak.delete({})).toBe(false);
    expect(table(map)).toBeUndefined();
    expect(table(set)).toBeUndefined();
    expect(table(weak)).toBeUndefined();
    expect(weakSet.has({})).toBe(false);
    expect(weakSet.delete({})).toBe(false);
    expect(table(weakSet)).toBeUndefined();
    map.set('a', 1);
    set.add('a');
    weak.set({}, 1);
    expect(table(map)).toBeInstanceOf(Map);
    expect(table(set)).toBeInstanceOf(Set);
    expect(table(weak)).toBeInstanceOf(WeakMap);
    const key = {};
    expect(weakSet.add(key)).toBe(weakSet);
    expect(weakSet.has(key)).toBe(true);
    expect(table(weakSet)).toBeInstanceOf(WeakSet);
    expect(weakSet.delete(key)).toBe(true);
    expect(weakSet.has(key)).toBe(false);
  });

  it('behave as a Map: insertion order, re-insertion after delete moves to the end, forEach gets the lazy map', () => {
    const lazy = new LazyMap<string, number>();
    const real = new Map<string, number>();
    for (const m of [lazy, real] as Map<string, number>[]) {
      expect(m.set('a', 1).set('b', 2).set('c', 3)).toBe(m);
      m.delete('a');
      m.set('a', 4);
      m.set('b', 5);
    }
    expect([...lazy]).toEqual([...real]);
    expect([...lazy.keys()]).toEqual(['b', 'c', 'a']);
    expect([...lazy.values()]).toEqual([5, 3, 4]);
    expect(lazy.size).toBe(3);
    const seen: Array<[string, number]> = [];
    lazy.forEach(function (this: unknown, v, k, m) {
      expect(m).toBe(lazy);
      expect(this).toBe(seen);
      seen.push([k, v]);
    }, seen);
    expect(seen).toEqual([...real]);
    // Deleting while iterating, as a Map allows.
    for (const [k] of lazy) if (k !== 'a') lazy.delete(k);
    expect([...lazy]).toEqual([['a', 4]]);
    lazy.clear();
    expect(lazy.size).toBe(0);
    expect(lazy.get('a')).toBeUndefined();
    expect(Object.prototype.toString.call(lazy)).toBe('[object LazyMap]');
  });

  it('behave as a Set and a WeakMap', () => {
    const set = new LazySet<number>();
    expect(set.add(3).add(1).add(3)).toBe(set);
    expect([...set]).toEqual([3, 1]);
    expect([...set.entries()]).toEqual([
      [3, 3],
      [1, 1],
    ]);
    set.forEach((v, v2, s) => {
      expect(v2).toBe(v);
      expect(s).toBe(set);
    });
    expect(set.delete(3)).toBe(true);
    expect(set.has(1)).toBe(true);
    set.clear();
    expect(set.size).toBe(0);
    const weak = new LazyWeakMap<object, string>();
    const key = {};
    expect(weak.set(key, 'x')).toBe(weak);
    expect(weak.get(key)).toBe('x');
    expect(weak.has(key)).toBe(true);
    expect(weak.delete(key)).toBe(true);
    expect(weak.has(key)).toBe(false);
  });
});
