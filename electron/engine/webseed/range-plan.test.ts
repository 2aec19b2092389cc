import { describe, expect, it } from 'vitest';
import { contiguousRuns, planFileRanges, planPieceRanges } from './range-plan.js';

const files = [
  { offset: 0, length: 100, pad: false },
  { offset: 100, length: 0, pad: false },
  { offset: 100, length: 28, pad: true },
  { offset: 128, length: 50, pad: false },
  { offset: 178, length: 1000, pad: false },
];

describe('planFileRanges', () => {
  it('splits a run at file boundaries, skips empty files and fills pad files with zeros', () => {
    expect(planFileRanges(files, 90, 100)).toEqual([
      { runOffset: 0, length: 10, target: 0, targetOffset: 90, zeros: false },
      { runOffset: 10, length: 28, target: 2, targetOffset: 0, zeros: true },
      { runOffset: 38, length: 50, target: 3, targetOffset: 0, zeros: false },
      { runOffset: 88, length: 12, target: 4, targetOffset: 0, zeros: false },
    ]);
  });

  it('keeps a run inside one file as one range at the right offset', () => {
    expect(planFileRanges(files, 200, 300)).toEqual([{ runOffset: 0, length: 300, target: 4, targetOffset: 22, zeros: false }]);
  });

  it('refuses bytes past the end of the torrent', () => {
    expect(() => planFileRanges(files, 1100, 100)).toThrow(RangeError);
  });
});

describe('planPieceRanges', () => {
  it('splits a run at piece boundaries (BEP 17 asks one piece at a time)', () => {
    expect(planPieceRanges(64, 200, 60, 80)).toEqual([
      { runOffset: 0, length: 4, target: 0, targetOffset: 60, zeros: false },
      { runOffset: 4, length: 64, target: 1, targetOffset: 0, zeros: false },
      { runOffset: 68, length: 12, target: 2, targetOffset: 0, zeros: false },
    ]);
    expect(() => planPieceRanges(64, 200, 150, 60)).toThrow(RangeError);
  });
});

describe('contiguousRuns', () => {
  it('groups adjacent ranges in order and caps a run at its byte limit', () => {
    const items = [
      { s: 32, n: 16 },
      { s: 0, n: 16 },
      { s: 16, n: 16 },
      { s: 100, n: 16 },
    ];
    const runs = contiguousRuns(items, (i) => i.s, (i) => i.n, 32);
    expect(runs.map((r) => [r.start, r.length, r.items.length])).toEqual([
      [0, 32, 2],
      [32, 16, 1],
      [100, 16, 1],
    ]);
  });
});
