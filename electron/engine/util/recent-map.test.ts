import { describe, expect, it } from 'vitest';
import { dropOldest, touchRecent } from './recent-map.js';

describe('recent maps', () => {
  it('makes an entry once, moves a used one to the most recent end, and forgets the least recently used past the bound', () => {
    const map = new Map<string, { n: number }>();
    let made = 0;
    const make = (): { n: number } => ({ n: ++made });
    const a = touchRecent(map, 'a', 2, make);
    touchRecent(map, 'b', 2, make);
    expect(touchRecent(map, 'a', 2, make)).toBe(a);
    expect([...map.keys()]).toEqual(['b', 'a']);
    touchRecent(map, 'c', 2, make);
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(made).toBe(3);
  });

  it('keeps a falsy value as an entry (0 is a count, not a miss)', () => {
    const map = new Map<string, number>([['x', 0]]);
    expect(touchRecent(map, 'x', 4, () => 7)).toBe(0);
  });

  it('trims to the bound from the oldest end', () => {
    const map = new Map([1, 2, 3, 4, 5].map((k) => [k, k]));
    dropOldest(map, 2);
    expect([...map.keys()]).toEqual([4, 5]);
    dropOldest(map, 0);
    expect(map.size).toBe(0);
  });
});
