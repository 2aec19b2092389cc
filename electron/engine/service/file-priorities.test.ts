import { describe, expect, it } from 'vitest';
import type { FilePriority, FilePriorityRun } from '../../../shared/contract/index.js';
import type { FileStats } from '../api.js';
import { CommandFailure } from './failure.js';
import { setFilePriorities } from './file-priorities.js';

/** A torrent of `count` files at `priority`, recording the engine calls. */
function torrent(count: number, priority: FilePriority = 1) {
  const priorities: FilePriority[] = new Array<FilePriority>(count).fill(priority);
  const calls: Array<[number, FilePriority]> = [];
  return {
    priorities,
    calls,
    files: (): FileStats[] => priorities.map((p, index) => ({ index, path: `f${index}`, size: 1, completedBytes: 0, priority: p, pad: false })),
    setFilePriority(index: number, p: FilePriority): void {
      calls.push([index, p]);
      priorities[index] = p;
    },
  };
}

describe('setFilePriorities (service)', () => {
  it('sets all 750,000 files of a torrent from one run', () => {
    const t = torrent(750_000);
    setFilePriorities(t, [{ first: 0, count: 750_000, priority: 2 }]);
    expect(t.calls).toHaveLength(750_000);
    expect(t.priorities.every((p) => p === 2)).toBe(true);
  });

  it('leaves alone the files already at their priority', () => {
    const t = torrent(6);
    t.priorities[2] = 0;
    t.priorities[4] = 2;
    setFilePriorities(t, [{ first: 0, count: 6, priority: 0 }]);
    expect(t.calls).toEqual([[0, 0], [1, 0], [3, 0], [4, 0], [5, 0]]);
  });

  it('gives a file named twice the last priority named for it (the list form, as older callers send it)', () => {
    const t = torrent(3);
    const runs: FilePriorityRun[] = [
      { first: 1, count: 1, priority: 0 },
      { first: 0, count: 1, priority: 2 },
      { first: 1, count: 1, priority: 2 },
    ];
    setFilePriorities(t, runs);
    expect(t.priorities).toEqual([2, 2, 1]);
  });

  it('changes nothing when a file past the torrent is named, and says which', () => {
    const t = torrent(10);
    const refuse = (): void => setFilePriorities(t, [{ first: 0, count: 5, priority: 0 }, { first: 8, count: 3, priority: 0 }]);
    expect(refuse).toThrow(CommandFailure);
    expect(refuse).toThrow('file index 10 out of range (torrent has 10 files)');
    expect(t.calls).toEqual([]);
  });
});
