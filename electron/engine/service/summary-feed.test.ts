import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionSummary, TorrentSummary } from '../../../shared/contract/index.js';
import { SummaryFeed, type Summaries } from './summary-feed.js';

const session: SessionSummary = { downloadRate: 0, uploadRate: 0, peers: 0, listenPort: 1, downloadLimit: 0, uploadLimit: 0 };

describe('SummaryFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks while started, publishes only changes, and always calls the hooks', () => {
    let rate = 0;
    const published: Summaries[] = [];
    let hooks = 0;
    let afterTicks = 0;
    const feed = new SummaryFeed({
      intervalMs: 250,
      collect: () => ({ torrents: [{ downloadRate: rate } as TorrentSummary], session }),
      publish: (s) => published.push(s),
      onSummaries: () => hooks++,
      afterTick: () => afterTicks++,
      log: () => undefined,
    });
    feed.start();
    vi.advanceTimersByTime(1000);
    expect([published.length, hooks, afterTicks]).toEqual([1, 4, 4]);
    rate = 5;
    vi.advanceTimersByTime(250);
    expect(published.map((s) => s.torrents[0]?.downloadRate)).toEqual([0, 5]);
    feed.stop();
    expect(feed.running).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(hooks).toBe(5);
    feed.start(); // a restart publishes again even when nothing changed
    vi.advanceTimersByTime(250);
    expect(published).toHaveLength(3);
  });

  it('survives a failing collect and a throwing hook', () => {
    const logs: string[] = [];
    let fail = true;
    const published: Summaries[] = [];
    const feed = new SummaryFeed({
      intervalMs: 100,
      collect: () => {
        if (fail) throw new Error('engine busy\nstack');
        return { torrents: [], session };
      },
      publish: (s) => published.push(s),
      onSummaries: () => {
        throw new Error('taskbar gone');
      },
      log: (m) => logs.push(m),
    });
    feed.tick();
    fail = false;
    feed.tick();
    expect(logs).toEqual(['summaries failed: engine busy', 'onSummaries hook failed: taskbar gone']);
    expect(published).toHaveLength(1);
  });
});
