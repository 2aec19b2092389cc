import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionSummary, TorrentSummary } from '../../../shared/contract/index.js';
import { SummaryFeed, type SummaryChanges } from './summary-feed.js';

const session: SessionSummary = { downloadRate: 0, uploadRate: 0, peers: 0, listenPort: 1, downloadLimit: 0, uploadLimit: 0 };
const row = (hash: string, fields: Partial<TorrentSummary> = {}): TorrentSummary => ({ infoHash: hash.repeat(40), downloadRate: 0, name: hash, ...fields }) as TorrentSummary;

describe('SummaryFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks while started and publishes only the changed fields of the changed torrents', () => {
    let rate = 0;
    let totals = session;
    const published: SummaryChanges[] = [];
    let hooks = 0;
    let afterTicks = 0;
    const feed = new SummaryFeed({
      intervalMs: 250,
      collect: () => ({ torrents: [row('a', { downloadRate: rate }), row('b')], session: totals }),
      publish: (c) => published.push(c),
      onSummaries: () => hooks++,
      afterTick: () => afterTicks++,
      log: () => undefined,
    });
    feed.start();
    vi.advanceTimersByTime(1000);
    expect([published.length, hooks, afterTicks]).toEqual([1, 4, 4]);
    expect(published[0]).toEqual({ torrents: [row('a'), row('b')], session }); // first tick: everything, whole
    rate = 5;
    vi.advanceTimersByTime(250);
    expect(published[1]).toEqual({ torrents: [{ infoHash: 'a'.repeat(40), downloadRate: 5 }] });
    totals = { ...session, peers: 2 };
    vi.advanceTimersByTime(250);
    expect(published[2]).toEqual({ torrents: [], session: totals });
    feed.stop();
    expect(feed.running).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(hooks).toBe(6);
    feed.start(); // after a stop nobody holds anything: everything goes again
    vi.advanceTimersByTime(250);
    expect(published[3]?.torrents).toHaveLength(2);
  });

  it('sync publishes pending changes at once and returns the state subscribers now share', () => {
    let rate = 1;
    const published: SummaryChanges[] = [];
    const feed = new SummaryFeed({
      intervalMs: 250,
      collect: () => ({ torrents: [row('a', { downloadRate: rate })], session }),
      publish: (c) => published.push(c),
      log: () => undefined,
    });
    expect(feed.sync()?.torrents).toEqual([row('a', { downloadRate: 1 })]);
    rate = 2;
    expect(feed.sync()?.torrents[0]?.downloadRate).toBe(2);
    expect(published.at(-1)).toEqual({ torrents: [{ infoHash: 'a'.repeat(40), downloadRate: 2 }] });
    expect(feed.sync()).not.toBeNull();
    expect(published).toHaveLength(2); // nothing changed: nothing published
  });

  it('survives a failing collect and a throwing hook', () => {
    const logs: string[] = [];
    let fail = true;
    const published: SummaryChanges[] = [];
    const feed = new SummaryFeed({
      intervalMs: 100,
      collect: () => {
        if (fail) throw new Error('engine busy\nstack');
        return { torrents: [], session };
      },
      publish: (c) => published.push(c),
      onSummaries: () => {
        throw new Error('taskbar gone');
      },
      log: (m) => logs.push(m),
    });
    expect(feed.tick()).toBeNull();
    fail = false;
    feed.tick();
    expect(logs).toEqual(['summaries failed: engine busy', 'onSummaries hook failed: taskbar gone']);
    expect(published).toHaveLength(1);
  });
});
