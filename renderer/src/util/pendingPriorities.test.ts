import { describe, expect, it } from 'vitest';
import type { FilePriority } from '../../../shared/contract/index.js';
import { PendingPriorities } from './pendingPriorities.js';

const list = (priorities: FilePriority[]) => priorities.map((priority, index) => ({ index, priority }));

describe('PendingPriorities', () => {
  it('keeps what was set until a file list shows it, the last change named for a file winning', () => {
    const pending = PendingPriorities.none.with([{ index: 2, priority: 0 }, { index: 0, priority: 2 }, { index: 2, priority: 1 }]);
    expect([pending.get(0), pending.get(1), pending.get(2), pending.get(99)]).toEqual([2, undefined, 1, undefined]);
    expect(pending.size).toBe(2);
    // A list from before the change: both still pending; then one that shows file 0's.
    expect(pending.notShownIn(list([1, 1, 0]))).toBe(pending);
    const rest = pending.notShownIn(list([2, 1, 0]));
    expect([rest.get(0), rest.get(2), rest.size]).toEqual([undefined, 1, 1]);
    expect(rest.notShownIn(list([2, 1, 1]))).toBe(PendingPriorities.none);
  });

  it('drops a refused change, and a file the list no longer has', () => {
    const pending = PendingPriorities.none.with([{ index: 1, priority: 0 }, { index: 5, priority: 2 }]);
    const refused = pending.without([{ index: 5 }]);
    expect([refused.get(1), refused.get(5), refused.size]).toEqual([0, undefined, 1]);
    expect(pending.notShownIn(list([1, 1])).size).toBe(1);
  });

  it('sets and checks "all files" of a 750,000-file torrent in one pass each', () => {
    const n = 750_000;
    const all = Array.from({ length: n }, (_, index) => ({ index, priority: 0 as const }));
    const pending = PendingPriorities.none.with(all);
    expect(pending.size).toBe(n);
    const before = all.map(({ index }) => ({ index, priority: 1 as FilePriority }));
    expect(pending.notShownIn(before).size).toBe(n);
    expect(pending.notShownIn(all)).toBe(PendingPriorities.none);
  });
});
