import dgram from 'node:dgram';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import type { PeerAddress, TrackerStats } from '../api.js';
import { encode } from '../bencode/index.js';
import { Announcer, type AnnounceClient, type AnnouncerOptions, type AnnouncerTorrent } from './announcer.js';
import { TrackerClient, type TrackerCallOptions } from './client.js';
import { encodeCompactPeers4 } from './compact.js';
import { decodeRequest, encodeAnnounceResponse, encodeConnectResponse } from './udp-codec.js';
import { TrackerError, type AnnounceEvent, type AnnounceParams, type AnnounceResult } from './types.js';

interface Call {
  url: string;
  event: AnnounceEvent;
  left: number;
  numwant: number;
  trackerId: string | null | undefined;
  at: number;
  deadlineMs: number | undefined;
  timeoutMs: number | undefined;
}

type Reply = Partial<AnnounceResult> | Error | 'hang';

/** A fake TrackerClient: per-URL replies (a function of the call number), every call recorded. */
class FakeClient implements AnnounceClient {
  readonly calls: Call[] = [];
  readonly replies = new Map<string, (n: number, p: AnnounceParams) => Reply>();
  closed = false;
  inFlight = 0;
  maxInFlight = 0;
  private held: Array<() => void> | null = null;

  /** From now on every announce waits until the test lets it through. */
  gate(): { readonly waiting: number; releaseOne(): void; open(): void } {
    const held: Array<() => void> = [];
    this.held = held;
    return {
      get waiting() {
        return held.length;
      },
      releaseOne: () => held.shift()?.(),
      open: () => {
        this.held = null;
        for (const go of held.splice(0)) go();
      },
    };
  }

  on(url: string, reply: (n: number, p: AnnounceParams) => Reply): this {
    this.replies.set(url, reply);
    return this;
  }

  callsTo(url: string): Call[] {
    return this.calls.filter((c) => c.url === url);
  }

  async announce(url: string, p: AnnounceParams, call: TrackerCallOptions = {}): Promise<AnnounceResult> {
    const n = this.callsTo(url).length;
    this.calls.push({ url, event: p.event, left: p.left, numwant: p.numwant, trackerId: p.trackerId, at: Date.now(), deadlineMs: call.deadlineMs, timeoutMs: call.timeoutMs });
    const r = (this.replies.get(url) ?? (() => ({})))(n, p);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((res) => setTimeout(res, 1));
      const held = this.held;
      if (held) await new Promise<void>((go) => held.push(go));
    } finally {
      this.inFlight--;
    }
    if (r === 'hang') {
      return new Promise<AnnounceResult>((_, reject) => {
        const fail = (): void => reject(new TrackerError(call.signal?.aborted ? 'aborted' : 'timeout', 'hung'));
        if (call.signal) call.signal.addEventListener('abort', fail, { once: true });
        if (call.deadlineMs !== undefined) setTimeout(fail, call.deadlineMs);
      });
    }
    if (r instanceof Error) throw r;
    return { interval: 1800, minInterval: null, peers: [], complete: null, incomplete: null, warning: null, trackerId: null, ...r };
  }

  close(): void {
    this.closed = true;
  }
}

class FakeTorrent implements AnnouncerTorrent {
  infoHash = Buffer.alloc(20, 1);
  peerId = Buffer.alloc(20, 2);
  port = 6881;
  left = 1000;
  getStats(): { uploaded: number; downloaded: number; left: number } {
    return { uploaded: 0, downloaded: 1000 - this.left, left: this.left };
  }
}

const live: Announcer[] = [];
afterEach(() => {
  for (const a of live.splice(0)) a.destroy();
});

function make(client: AnnounceClient, tiers: string[][], extra: Partial<AnnouncerOptions> = {}, torrent = new FakeTorrent()): Announcer {
  const a = new Announcer(torrent, { tiers, client, minAnnounceIntervalSec: 0, retryBaseMs: 40, retryMaxMs: 200, stopTimeoutMs: 200, ...extra });
  live.push(a);
  return a;
}

/**
 * Moves the fake clock forward in 5 ms steps until `cond` holds. The deadline is fake time
 * too: how busy the machine is cannot change what these tests see.
 */
async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await vi.advanceTimersByTimeAsync(5);
  }
}

/** Moves the fake clock forward until `work` settles. */
async function settle<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const tracked = work.finally(() => {
    done = true;
  });
  await waitFor(() => done, 'the call to finish', 60_000);
  return tracked;
}

const status = (a: Announcer, url: string): TrackerStats | undefined => a.trackers().find((t) => t.url === url);

describe('Announcer', () => {
  // Fake timers and Date: intervals, back-off and deadlines run on a clock only the test moves.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const a of live.splice(0)) a.destroy();
    vi.useRealTimers();
  });

  it('announces started first, then re-announces at the interval with event none', async () => {
    const c = new FakeClient().on('http://a/announce', () => ({ interval: 0.05, peers: [{ host: '10.0.0.1', port: 1 }], complete: 2, incomplete: 3 }));
    const a = make(c, [['http://a/announce']]);
    const peers: Array<[PeerAddress[], string]> = [];
    const updates: TrackerStats[] = [];
    a.on('peers', (p, url) => peers.push([p, url]));
    a.on('update', (u) => updates.push(u));
    a.start();
    await waitFor(() => c.calls.length >= 3, 'three announces');
    expect(c.calls.slice(0, 3).map((x) => x.event)).toEqual(['started', 'none', 'none']);
    expect(c.calls[0]).toMatchObject({ left: 1000, numwant: 50 });
    expect(c.calls[1] && c.calls[0] ? c.calls[1].at - c.calls[0].at : 0).toBeGreaterThanOrEqual(40);
    expect(peers[0]).toEqual([[{ host: '10.0.0.1', port: 1 }], 'http://a/announce']);
    const working = updates.find((t) => t.status === 'working');
    expect(working).toMatchObject({ url: 'http://a/announce', tier: 0, peers: 1, seeders: 2, leechers: 3, message: null });
    expect(working?.lastAnnounce).toBeTypeOf('number');
    expect(updates.some((t) => t.status === 'announcing')).toBe(true);
  });

  it('never re-announces faster than minAnnounceIntervalSec, whatever the tracker says', async () => {
    const c = new FakeClient().on('http://a/announce', () => ({ interval: 0 }));
    const a = make(c, [['http://a/announce']], { minAnnounceIntervalSec: 0.2 });
    a.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(c.calls.length).toBe(2);
  });

  it('tries a tier in shuffled order and promotes the tracker that answered (BEP 12)', async () => {
    const urls = ['http://t1/a', 'http://t2/a', 'http://t3/a', 'http://t4/a'];
    const c = new FakeClient();
    for (const u of urls) c.on(u, () => new TrackerError('network', 'ECONNREFUSED'));
    // The shuffle with random() = 0 gives t2, t3, t4, t1; let t4 be the one that works.
    c.on('http://t4/a', () => ({ interval: 0.05 }));
    const a = make(c, [urls], { random: () => 0 });
    a.start();
    await waitFor(() => c.calls.length >= 4, 'first round');
    expect(c.calls.slice(0, 3).map((x) => x.url)).toEqual(['http://t2/a', 'http://t3/a', 'http://t4/a']);
    await waitFor(() => c.calls.length >= 5, 'second round');
    // Round two starts with the promoted tracker and stops there.
    expect(c.calls[3]?.url).toBe('http://t4/a');
    expect(c.calls[3]?.event).toBe('none');
    expect(c.calls[4]?.url).toBe('http://t4/a');
    expect(c.callsTo('http://t1/a')).toHaveLength(0);
    // Status keeps the given order; failed trackers show why.
    expect(a.trackers().map((t) => t.url)).toEqual(urls);
    expect(status(a, 'http://t2/a')).toMatchObject({ status: 'error', message: 'ECONNREFUSED' });
    await waitFor(() => status(a, 'http://t4/a')?.status === 'working', 't4 working');
  });

  it('shuffles differently with different randomness', () => {
    const urls = Array.from({ length: 8 }, (_, i) => `http://t${i}/a`);
    const firstTried = (r: () => number): string[] => {
      const c = new FakeClient();
      const a = make(c, [urls], { random: r });
      return (a as unknown as { tierOrder: Array<Array<{ url: string }>> }).tierOrder[0]?.map((e) => e.url) ?? [];
    };
    const x = firstTried(() => 0);
    const y = firstTried(() => 0.99);
    expect([...x].sort()).toEqual([...urls].sort());
    expect(x).not.toEqual(y);
  });

  it('strict BEP 12 by default stops at the first tier that answers; announceToAllTiers=true announces every tier', async () => {
    const c = new FakeClient();
    const a = make(c, [['http://a/1'], ['http://b/1']], { announceToAllTiers: true });
    a.start();
    await waitFor(() => c.calls.length >= 2, 'both tiers');
    expect(c.calls.map((x) => x.url).sort()).toEqual(['http://a/1', 'http://b/1']);

    const c2 = new FakeClient();
    const b = make(c2, [['http://a/1'], ['http://b/1']]);
    b.start();
    await waitFor(() => c2.calls.length >= 1, 'first tier');
    await vi.advanceTimersByTimeAsync(50);
    expect(c2.calls.map((x) => x.url)).toEqual(['http://a/1']);

    const c3 = new FakeClient().on('http://a/1', () => new TrackerError('timeout', 'no reply'));
    const d = make(c3, [['http://a/1'], ['http://b/1']]);
    d.start();
    await waitFor(() => c3.calls.length >= 2, 'fail-over to tier 2');
    expect(c3.calls.map((x) => x.url)).toEqual(['http://a/1', 'http://b/1']);
    await waitFor(() => status(d, 'http://b/1')?.status === 'working', 'tier 2 working');
    expect(status(d, 'http://b/1')?.tier).toBe(1);
  });

  it('BEP 12: tier 1 first, one tracker at a time, next tier only when the whole tier failed, the tracker that answers promoted', async () => {
    const c = new FakeClient();
    for (const u of ['http://a1/a', 'http://a2/a', 'http://b1/a']) c.on(u, () => new TrackerError('network', 'ECONNREFUSED'));
    c.on('http://b2/a', () => ({ interval: 0.05 }));
    // random() just under 1 leaves every tier in the order given (Fisher-Yates picks j = i).
    const a = make(c, [['http://a1/a', 'http://a2/a'], ['http://b1/a', 'http://b2/a'], ['http://c1/a']], { random: () => 0.999 });
    a.start();
    await waitFor(() => c.calls.length >= 7, 'two rounds');
    // Round 1 walks tier 1, then tier 2 until b2 answers; tier 3 is never needed. Round 2 starts
    // at tier 1 again and, in tier 2, asks the promoted b2 first.
    expect(c.calls.slice(0, 7).map((x) => x.url)).toEqual(['http://a1/a', 'http://a2/a', 'http://b1/a', 'http://b2/a', 'http://a1/a', 'http://a2/a', 'http://b2/a']);
    expect(c.maxInFlight).toBe(1);
    // A dead tracker holds up its tier for at most libtorrent's tracker_completion_timeout.
    expect(c.calls.every((x) => x.timeoutMs === 30_000 && x.deadlineMs === undefined)).toBe(true);
    expect(c.callsTo('http://c1/a')).toHaveLength(0);
    expect(status(a, 'http://c1/a')).toMatchObject({ status: 'idle', tier: 2 });
  });

  it('uses at most 200 trackers of a 2,000-tier list (duplicates dropped, not counted), warns once, announces them one at a time', async () => {
    const urls = Array.from({ length: 2000 }, (_, i) => `http://t${i}/announce`);
    const tiers = [...urls.map((u) => [u, ` ${u} `]), ...urls.slice(0, 50).map((u) => [u])];
    const c = new FakeClient();
    for (const u of urls) c.on(u, () => new TrackerError('network', 'ECONNREFUSED'));
    const a = make(c, tiers, { retryBaseMs: 60_000 });
    const warnings: string[] = [];
    a.on('warning', (url, m) => url === '' && warnings.push(m));
    a.start();
    await waitFor(() => c.calls.length >= 200 && a.trackers().every((t) => t.status === 'error'), 'a round over every kept tracker', 10_000);
    expect(a.trackers().map((t) => t.url)).toEqual(urls.slice(0, 200));
    expect(c.calls.map((x) => x.url)).toEqual(urls.slice(0, 200));
    expect(c.maxInFlight).toBe(1);
    expect(warnings).toEqual(['1800 more trackers ignored: at most 200 per torrent are used']);
    await a.stop();
    a.start();
    expect(warnings).toHaveLength(1);
  });

  it('announceToAllTiers: at most maxConcurrentAnnounces on the wire (stopped included), the rest queued', async () => {
    const urls = Array.from({ length: 10 }, (_, i) => `http://t${i}/announce`);
    const c = new FakeClient();
    const gate = c.gate();
    const a = make(c, urls.map((u) => [u]), { announceToAllTiers: true, maxConcurrentAnnounces: 3 });
    a.start();
    // Let the announces through one by one as they arrive; every tracker gets its turn.
    while (c.calls.length < urls.length) {
      await waitFor(() => gate.waiting > 0, 'an announce on the wire');
      gate.releaseOne();
    }
    gate.open();
    await waitFor(() => a.trackers().every((t) => t.status === 'working'), 'all started');
    expect(new Set(c.calls.map((x) => x.url))).toEqual(new Set(urls));
    expect(c.maxInFlight).toBe(3);
    c.maxInFlight = 0;
    await settle(a.stop());
    expect(c.calls.filter((x) => x.event === 'stopped')).toHaveLength(10);
    expect(c.maxInFlight).toBeLessThanOrEqual(3);
  });

  it("emits one tracker per 'update' event, so a status change costs the same with 2 or 200 trackers", async () => {
    const urls = Array.from({ length: 200 }, (_, i) => `http://t${i}/announce`);
    const c = new FakeClient();
    for (const u of urls.slice(0, 199)) c.on(u, () => new TrackerError('network', 'down'));
    const a = make(c, urls.map((u) => [u]), { random: () => 0.999 });
    const updates: unknown[] = [];
    a.on('update', (t) => updates.push(t));
    a.start();
    await waitFor(() => status(a, urls[199] ?? '')?.status === 'working', 'the last tier answers');
    // Each tracker: announcing, then error or working — one small object per change.
    expect(updates).toHaveLength(400);
    expect(updates.every((u) => !Array.isArray(u) && typeof (u as TrackerStats).url === 'string')).toBe(true);
    expect(updates.at(-1)).toMatchObject({ url: urls[199], status: 'working', tier: 199 });
  });

  it('sends completed once, only after a download finished while running', async () => {
    const torrent = new FakeTorrent();
    const c = new FakeClient().on('http://a/1', () => ({ interval: 0.05 }));
    const a = make(c, [['http://a/1']], {}, torrent);
    a.start();
    await waitFor(() => c.calls.length >= 1, 'started');
    torrent.left = 0;
    a.completed();
    a.completed();
    await waitFor(() => c.calls.length >= 5, 'more announces');
    const events = c.calls.map((x) => x.event);
    expect(events[0]).toBe('started');
    expect(events.filter((e) => e === 'completed')).toHaveLength(1);
    expect(c.calls.find((x) => x.event === 'completed')?.left).toBe(0);

    // Already complete at start: no completed event ever.
    const seedTorrent = new FakeTorrent();
    seedTorrent.left = 0;
    const c2 = new FakeClient().on('http://a/1', () => ({ interval: 0.03 }));
    const s = make(c2, [['http://a/1']], {}, seedTorrent);
    s.start();
    s.completed();
    await waitFor(() => c2.calls.length >= 3, 'seed announces');
    expect(c2.calls.map((x) => x.event)).not.toContain('completed');
  });

  it('stop() sends stopped (numwant 0, short deadline) to trackers told started; start() begins again with started', async () => {
    const c = new FakeClient()
      .on('http://a/1', (_n, p) => (p.event === 'stopped' ? 'hang' : { interval: 60 }))
      .on('http://b/1', () => ({ interval: 60, trackerId: 'T1' }))
      .on('http://dead/1', () => new TrackerError('network', 'ECONNREFUSED'));
    const a = make(c, [['http://a/1'], ['http://b/1'], ['http://dead/1']], { announceToAllTiers: true });
    a.start();
    await waitFor(() => a.trackers().every((t) => t.status !== 'announcing' && t.status !== 'idle'), 'started to all');
    const t0 = Date.now();
    await settle(a.stop());
    expect(Date.now() - t0).toBeLessThan(1000);
    const stopped = c.calls.filter((x) => x.event === 'stopped');
    expect(stopped.map((x) => x.url).sort()).toEqual(['http://a/1', 'http://b/1']);
    expect(stopped.every((x) => x.numwant === 0 && x.deadlineMs === 200)).toBe(true);
    expect(stopped.find((x) => x.url === 'http://b/1')?.trackerId).toBe('T1');
    expect(status(a, 'http://b/1')?.status).toBe('idle');
    expect(status(a, 'http://a/1')).toMatchObject({ status: 'error', message: 'stopped: hung' });
    expect(a.isRunning).toBe(false);
    const n = c.calls.length;
    await vi.advanceTimersByTimeAsync(60);
    expect(c.calls.length).toBe(n);
    a.start();
    await waitFor(() => c.calls.length >= n + 3, 'restart');
    expect(c.calls.slice(n).every((x) => x.event === 'started')).toBe(true);
  });

  it('stop() right after completed() still delivers completed, before stopped', async () => {
    // A slow tracker: the scheduled `completed` is still on the wire when stop() aborts it.
    const c = new FakeClient().on('http://a/1', (n, p) => (p.event === 'completed' && n === 1 ? 'hang' : { interval: 60 }));
    const torrent = new FakeTorrent();
    const a = make(c, [['http://a/1']], {}, torrent);
    a.start();
    await waitFor(() => status(a, 'http://a/1')?.status === 'working', 'started');
    a.completed();
    await waitFor(() => c.calls.some((x) => x.event === 'completed'), 'completed in flight');
    await settle(a.stop());
    // The aborted `completed` is sent again, answered, and only then `stopped`.
    expect(c.calls.map((x) => x.event)).toEqual(['started', 'completed', 'completed', 'stopped']);
  });

  it('stop() also covers an announce that was still in flight', async () => {
    const c = new FakeClient().on('http://a/1', (_n, p) => (p.event === 'stopped' ? {} : 'hang'));
    const a = make(c, [['http://a/1']]);
    a.start();
    await waitFor(() => c.calls.length >= 1, 'started in flight');
    await settle(a.stop());
    expect(c.calls.map((x) => x.event)).toEqual(['started', 'stopped']);
  });

  it('backs off exponentially while every tracker fails, and recovers', async () => {
    const c = new FakeClient().on('http://a/1', (n) => (n < 4 ? new TrackerError('network', 'down') : { interval: 60 }));
    const a = make(c, [['http://a/1']], { retryBaseMs: 30, retryMaxMs: 10_000, random: () => 0 });
    a.start();
    await waitFor(() => c.calls.length >= 5, 'recovery', 5000);
    const gaps = c.calls.slice(1, 5).map((x, i) => x.at - (c.calls[i]?.at ?? 0));
    // 30, 60, 120, 240 ms (+ scheduling slack)
    expect(gaps[0]).toBeGreaterThanOrEqual(28);
    expect(gaps[1]).toBeGreaterThanOrEqual(58);
    expect(gaps[2]).toBeGreaterThanOrEqual(118);
    expect(gaps[3]).toBeGreaterThanOrEqual(238);
    expect(c.calls.map((x) => x.event)).toEqual(['started', 'started', 'started', 'started', 'started']);
    await waitFor(() => status(a, 'http://a/1')?.status === 'working', 'working');
  });

  it('announceNow() waits out min interval', async () => {
    const c = new FakeClient().on('http://a/1', () => ({ interval: 60, minInterval: 0.25 }));
    const a = make(c, [['http://a/1']]);
    a.start();
    await waitFor(() => c.calls.length >= 1, 'first');
    a.announceNow();
    await vi.advanceTimersByTimeAsync(120);
    expect(c.calls.length).toBe(1);
    await waitFor(() => c.calls.length >= 2, 'forced announce after min interval');
    expect((c.calls[1]?.at ?? 0) - (c.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(230);
  });

  it('shows unsupported URLs as errors and never announces to them', async () => {
    const c = new FakeClient();
    const a = make(c, [['wss://tracker.example/ws', 'udp://noport/announce', 'not a url'], ['http://ok/1', 'http://ok/1']]);
    a.start();
    await waitFor(() => status(a, 'http://ok/1')?.status === 'working', 'the usable tracker');
    expect(c.calls.map((x) => x.url)).toEqual(['http://ok/1']);
    expect(a.trackers().map((t) => [t.url, t.status, t.message])).toEqual([
      ['wss://tracker.example/ws', 'error', 'unsupported tracker protocol "wss:"'],
      ['udp://noport/announce', 'error', 'UDP tracker URL has no port'],
      ['not a url', 'error', 'bad tracker URL "not a url"'],
      ['http://ok/1', 'working', null],
    ]);
  });

  it('survives a client that throws non-TrackerErrors and listeners that throw', async () => {
    const c = new FakeClient().on('http://a/1', (n) => (n === 0 ? new TypeError('boom') : { interval: 0.03, peers: [{ host: '1.2.3.4', port: 5 }] }));
    const a = make(c, [['http://a/1']]);
    const warnings: string[] = [];
    a.on('warning', (url, msg) => warnings.push(`${url}: ${msg}`));
    a.on('peers', () => {
      throw new Error('listener bug');
    });
    a.start();
    await waitFor(() => c.calls.length >= 4, 'keeps going');
    expect(warnings[0]).toBe('http://a/1: internal error handling the reply: boom');
    expect(warnings.some((w) => w.includes('listener for "peers" threw: listener bug'))).toBe(true);
    await waitFor(() => status(a, 'http://a/1')?.status === 'working', 'working');
  });

  it('echoes the tracker id and reports tracker warnings', async () => {
    const c = new FakeClient().on('http://a/1', (n) => (n === 0 ? { interval: 0.03, trackerId: 'xyz', warning: 'be nice' } : { interval: 0.03 }));
    const a = make(c, [['http://a/1']]);
    const warnings: string[] = [];
    a.on('warning', (_u, m) => warnings.push(m));
    a.start();
    await waitFor(() => c.calls.length >= 3, 'announces');
    expect(c.calls.map((x) => x.trackerId)).toEqual([null, 'xyz', 'xyz', ...c.calls.slice(3).map(() => 'xyz')]);
    expect(warnings).toContain('tracker warning: be nice');
  });

  it('destroy() closes a client it created itself, not a shared one', () => {
    const shared = new FakeClient();
    make(shared, [['http://a/1']]).destroy();
    expect(shared.closed).toBe(false);
    const own = new Announcer(new FakeTorrent(), { tiers: [['http://a/1']] });
    own.destroy();
  });
});

describe('Announcer with real HTTP/UDP trackers sending garbage (127.0.0.1)', () => {
  it('marks each bad tracker as error with a reason, keeps announcing, and still gets peers from the good one', async () => {
    const http = createServer((req, res) => {
      if (req.url?.startsWith('/announce/good')) res.end(encode({ interval: 1, peers: encodeCompactPeers4([{ host: '127.0.0.9', port: 9999 }]) }));
      else if (req.url?.startsWith('/announce/types')) res.end(encode({ interval: 'x', peers: 1 }));
      else res.end('<html>oops</html>');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const hp = (http.address() as AddressInfo).port;
    // UDP: one socket answering the announce with a truncated packet, one always using the wrong transaction id.
    const truncating = dgram.createSocket('udp4');
    const wrongTid = dgram.createSocket('udp4');
    for (const [sock, bad] of [
      [truncating, 'truncate'],
      [wrongTid, 'tid'],
    ] as const) {
      sock.on('message', (msg, rinfo) => {
        const q = decodeRequest(msg);
        if (q.action === 'invalid') return;
        const tid = bad === 'tid' ? (q.transactionId ^ 1) >>> 0 : q.transactionId;
        const out = q.action === 'connect' ? encodeConnectResponse(tid, 77n) : encodeAnnounceResponse(tid, { interval: 1, leechers: 0, seeders: 0, peers: [] }).subarray(0, 10);
        sock.send(out, rinfo.port, rinfo.address);
      });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    }
    // A generous retransmission timeout: on a busy machine a late (but sent) reply must still
    // count as the reply, not turn into "no reply". Only the wrong-tid tracker waits it out.
    const client = new TrackerClient({ udp: { baseTimeoutMs: 1000, bindAddress4: '127.0.0.1' } });
    const urls = {
      good: `http://127.0.0.1:${hp}/announce/good`,
      html: `http://127.0.0.1:${hp}/announce/html`,
      types: `http://127.0.0.1:${hp}/announce/types`,
      truncated: `udp://127.0.0.1:${truncating.address().port}/announce`,
      tid: `udp://127.0.0.1:${wrongTid.address().port}/announce`,
    };
    const a = make(client, [[urls.html], [urls.types], [urls.truncated], [urls.tid], [urls.good]], { udpMaxRetransmits: 1, retryBaseMs: 100 });
    const peers: PeerAddress[] = [];
    a.on('peers', (p) => peers.push(...p));
    // The last settled (not 'announcing') status of each tracker, from the update events.
    const settled = new Map<string, TrackerStats>();
    a.on('update', (t) => {
      if (t.status === 'error' || t.status === 'working') settled.set(t.url, t);
    });
    try {
      a.start();
      await waitUntil('all trackers settled', () => settled.size === 5 && peers.length > 0);
      const by = (u: string): TrackerStats | undefined => settled.get(u);
      expect(by(urls.good)).toMatchObject({ status: 'working', peers: 1 });
      expect(peers[0]).toEqual({ host: '127.0.0.9', port: 9999 });
      expect(by(urls.html)?.message).toMatch(/^announce reply is not bencode .*"<html>oops<\/html>"$/);
      expect(by(urls.types)?.message).toBe('announce reply: "interval" is not an integer');
      expect(by(urls.truncated)?.message).toBe('garbage reply: truncated announce response (10 bytes)');
      await waitUntil('wrong-tid tracker to time out', () => /transaction id/.test(by(urls.tid)?.message ?? ''));
      expect(by(urls.tid)?.message).toMatch(/^no reply from 127\.0\.0\.1:\d+ after 2 packets \(ignored: 2 × reply with a wrong transaction id\)$/);
      // Still running: the bad trackers are retried (back-off), the good one re-announced.
      const before = by(urls.good)?.lastAnnounce ?? 0;
      await waitUntil('re-announce', () => (by(urls.good)?.lastAnnounce ?? 0) > before);
      await a.stop();
    } finally {
      a.destroy();
      client.close();
      truncating.close();
      wrongTid.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
