import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../../../shared/contract/policies.js';
import { admitted, moveInQueue, type QueueCandidate } from './queue-policy.js';

const on = (s: Partial<QueueSettings>): QueueSettings => ({ ...DEFAULT_QUEUE_SETTINGS, enabled: true, ...s });
const dl = (id: string, more: Partial<QueueCandidate> = {}): QueueCandidate => ({ id, wantsToRun: true, finished: false, slow: false, ...more });
const seed = (id: string, more: Partial<QueueCandidate> = {}): QueueCandidate => dl(id, { finished: true, ...more });
const ids = (s: Set<string>): string[] => [...s].sort();

describe('admitted', () => {
  it('with the queue off, every torrent that wants to run runs', () => {
    expect(ids(admitted([dl('a'), dl('b'), seed('c'), dl('d', { wantsToRun: false })], { ...DEFAULT_QUEUE_SETTINGS, enabled: false }))).toEqual(['a', 'b', 'c']);
  });

  it('lets in downloads in queue order up to the download limit', () => {
    expect(ids(admitted([dl('c'), dl('a'), dl('b')], on({ maxActiveDownloads: 2, maxActiveTorrents: 10 })))).toEqual(['a', 'c']);
  });

  it('counts seeds against the upload limit and everything against the total', () => {
    const got = admitted([dl('d1'), dl('d2'), seed('s1'), seed('s2'), seed('s3')], on({ maxActiveDownloads: 2, maxActiveUploads: 2, maxActiveTorrents: 3 }));
    expect(ids(got)).toEqual(['d1', 'd2', 's1']);
  });

  it('a paused (not wanting) torrent takes no slot', () => {
    expect(ids(admitted([dl('a', { wantsToRun: false }), dl('b'), dl('c')], on({ maxActiveDownloads: 1 })))).toEqual(['b']);
  });

  it('slow torrents run without a slot when ignoreSlowTorrents is on, and take one when it is off', () => {
    const list = [dl('slow', { slow: true }), dl('b'), dl('c')];
    expect(ids(admitted(list, on({ maxActiveDownloads: 1, ignoreSlowTorrents: true })))).toEqual(['b', 'slow']);
    expect(ids(admitted(list, on({ maxActiveDownloads: 1, ignoreSlowTorrents: false })))).toEqual(['slow']);
  });

  it('-1 is unlimited', () => {
    expect(admitted([dl('a'), dl('b'), seed('c')], on({ maxActiveDownloads: -1, maxActiveUploads: -1, maxActiveTorrents: -1 })).size).toBe(3);
  });

  it('0 lets nothing of that kind run', () => {
    expect(ids(admitted([dl('a'), seed('b')], on({ maxActiveDownloads: 0, maxActiveUploads: 5 })))).toEqual(['b']);
  });
});

describe('moveInQueue', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];
  it('top and bottom keep the moved torrents in their order', () => {
    expect(moveInQueue(order, ['d', 'b'], 'top')).toEqual(['b', 'd', 'a', 'c', 'e']);
    expect(moveInQueue(order, ['d', 'b'], 'bottom')).toEqual(['a', 'c', 'e', 'b', 'd']);
  });

  it('up and down move each one place, a block as a block, stopping at the ends', () => {
    expect(moveInQueue(order, ['c'], 'up')).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(moveInQueue(order, ['c', 'd'], 'up')).toEqual(['a', 'c', 'd', 'b', 'e']);
    expect(moveInQueue(order, ['a', 'c'], 'up')).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(moveInQueue(order, ['c', 'd'], 'down')).toEqual(['a', 'b', 'e', 'c', 'd']);
    expect(moveInQueue(order, ['e'], 'down')).toEqual(order);
  });

  it('ignores ids not in the queue', () => {
    expect(moveInQueue(order, ['zz'], 'top')).toEqual(order);
  });
});
