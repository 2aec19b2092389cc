import { describe, expect, it } from 'vitest';
import { ALL_TABS_QUEUE_BYTES, MAX_TAB_QUEUE_BYTES, MIN_TAB_QUEUE_BYTES, TabQueues } from './tab-queue.js';
import { MAX_WS_CLIENTS } from './server.js';

const MiB = 1024 * 1024;

describe('TabQueues', () => {
  it('splits one total among the open tabs, so 32 tabs that never read hold the total, not 32 × 64 MiB', () => {
    const queues = new TabQueues();
    const tabs = Array.from({ length: MAX_WS_CLIENTS }, () => queues.open());
    expect(queues.part * tabs.length).toBeLessThanOrEqual(ALL_TABS_QUEUE_BYTES);
    // A tab over its part (no reply pending) is over; at its part it is not.
    expect(tabs[0]!.over(queues.part + 1)).toBe(true);
    expect(tabs[0]!.over(queues.part)).toBe(false);
    expect(tabs[0]!.over(64 * MiB)).toBe(true);
  });

  it('gives a tab more when the others close, and never less than the floor', () => {
    const queues = new TabQueues(100 * MiB, 10 * MiB, 100 * MiB);
    const a = queues.open();
    expect(queues.part).toBe(100 * MiB);
    const others = Array.from({ length: 19 }, () => queues.open());
    expect(queues.part).toBe(10 * MiB);
    for (const o of others) o.close();
    others[0]!.close(); // closing twice counts once
    expect(queues.count).toBe(1);
    expect(a.over(90 * MiB)).toBe(false);
  });

  it('lets a tab hold its largest pending reply on top of its part, until that reply has left', () => {
    const queues = new TabQueues(64 * MiB, 8 * MiB);
    for (let i = 0; i < 7; i++) queues.open();
    const tab = queues.open();
    expect(queues.part).toBe(8 * MiB);
    // A getFiles answer on a huge torrent, bigger than any part, being read while events arrive.
    const sent = tab.reply(100 * MiB);
    const small = tab.reply(1 * MiB);
    expect(tab.over(100 * MiB + 1 * MiB + 4 * MiB)).toBe(false);
    expect(tab.over(100 * MiB + 9 * MiB)).toBe(true);
    sent();
    sent(); // a second call frees nothing more
    expect(tab.over(1 * MiB + 4 * MiB)).toBe(false);
    expect(tab.over(10 * MiB)).toBe(true);
    small();
    expect(tab.over(8 * MiB + 1)).toBe(true);
  });

  it('gives a tab alone a modest part, not the whole total a tab that stopped reading would hold', () => {
    const queues = new TabQueues();
    const tab = queues.open();
    expect(queues.part).toBe(MAX_TAB_QUEUE_BYTES);
    expect(MAX_TAB_QUEUE_BYTES).toBeLessThanOrEqual(32 * MiB);
    expect(tab.over(MAX_TAB_QUEUE_BYTES + 1)).toBe(true);
    // Its largest pending reply still comes on top (a getFiles answer on a huge torrent).
    tab.reply(100 * MiB);
    expect(tab.over(100 * MiB + MAX_TAB_QUEUE_BYTES)).toBe(false);
    // With enough tabs open the equal split is below the ceiling, and rules.
    for (let i = 0; i < 15; i++) queues.open();
    expect(queues.part).toBe(ALL_TABS_QUEUE_BYTES / 16);
  });

  it('defaults to a floor no larger than the total shared by the host\'s tab limit', () => {
    expect(MIN_TAB_QUEUE_BYTES * MAX_WS_CLIENTS).toBeLessThanOrEqual(ALL_TABS_QUEUE_BYTES);
  });
});
