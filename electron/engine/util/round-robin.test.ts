import { describe, expect, it } from 'vitest';
import { roundRobinTurn } from './round-robin.js';

describe('roundRobinTurn', () => {
  it('answers every item when there are at most `size`', () => {
    const items = [1, 2, 3];
    expect(roundRobinTurn(items, 2, 3)).toEqual({ turn: [1, 2, 3], next: 0 });
  });

  it('visits every item exactly once per ceil(n / size) turns, wrapping around', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    const seen = new Map<number, number>();
    let start = 0;
    for (let round = 0; round < 5; round++) {
      const { turn, next } = roundRobinTurn(items, start, 10);
      expect(turn).toHaveLength(10);
      for (const i of turn) seen.set(i, (seen.get(i) ?? 0) + 1);
      start = next;
    }
    // 5 turns of 10 over 25 items: each seen exactly twice.
    expect([...seen.values()].every((n) => n === 2)).toBe(true);
    expect(seen.size).toBe(25);
  });

  it('starts within the list when items were removed since the last turn', () => {
    const { turn } = roundRobinTurn([1, 2, 3, 4], 9, 2);
    expect(turn).toEqual([2, 3]);
  });
});
