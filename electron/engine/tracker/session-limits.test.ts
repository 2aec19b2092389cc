/**
 * A stranger's tracker list against a real session: a .torrent with 20,000 tiers, a magnet
 * with 1,358 `tr=`, and many torrents at once, all pointing at trackers on 127.0.0.1 that
 * this test runs. It counts the announces (each one an HTTP connection) the session opens.
 */
import fs from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSession } from '../api.js';
import { encode } from '../bencode/index.js';
import { createSession } from '../index.js';
import { MAX_HTTP_ANNOUNCES, MAX_TRACKERS_PER_TORRENT } from './limits.js';

interface Announce {
  /** The path: /announce/<behaviour>/<torrent tag>/<tracker number> (loopback trackers must be on /announce: ssrf.ts). */
  path: string;
  event: string | null;
}

/**
 * An HTTP tracker on 127.0.0.1. `/refuse/…` answers with a failure reason at once; `/hold/…`
 * keeps the request open until the test answers it (a `stopped` is answered at once).
 */
class LocalTracker {
  readonly announces: Announce[] = [];
  readonly held: ServerResponse[] = [];
  /** Requests received and not yet answered, now and at most, per torrent tag. */
  private readonly open = new Map<string, number>();
  readonly maxOpen = new Map<string, number>();
  maxOpenTotal = 0;
  private openTotal = 0;
  private readonly server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tag = url.pathname.split('/')[3] ?? '';
    this.announces.push({ path: url.pathname, event: url.searchParams.get('event') });
    this.count(tag, +1);
    res.on('close', () => this.count(tag, -1));
    if (url.pathname.startsWith('/announce/refuse/')) res.end(encode({ 'failure reason': 'not here' }));
    else if (url.searchParams.get('event') === 'stopped') res.end(encode({ interval: 60, peers: Buffer.alloc(0) }));
    else this.held.push(res);
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', 1024, r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(behaviour: 'refuse' | 'hold', tag: string, n: number): string {
    return `http://127.0.0.1:${this.port}/announce/${behaviour}/${tag}/${n}`;
  }

  pathsOf(tag: string): string[] {
    return this.announces.filter((a) => a.path.split('/')[3] === tag && a.event !== 'stopped').map((a) => a.path);
  }

  answerOne(): void {
    this.held.shift()?.end(encode({ interval: 3600, peers: Buffer.alloc(0) }));
  }

  private count(tag: string, delta: number): void {
    const n = (this.open.get(tag) ?? 0) + delta;
    this.open.set(tag, n);
    this.maxOpen.set(tag, Math.max(this.maxOpen.get(tag) ?? 0, n));
    this.openTotal += delta;
    this.maxOpenTotal = Math.max(this.maxOpenTotal, this.openTotal);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** A one-piece .torrent whose info dict is unique per `name`. */
function torrentFile(name: string, tiers: string[][]): Buffer {
  const info = { length: 16384, name, 'piece length': 16384, pieces: Buffer.alloc(20, 7) };
  return encode({ announce: tiers[0]?.[0] ?? '', 'announce-list': tiers, info });
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(): Promise<{ tracker: LocalTracker; session: EngineSession; warnings: string[] }> {
  const tracker = await new LocalTracker().start();
  cleanup.push(() => tracker.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tracker-limits-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const session = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, restore: false });
  cleanup.push(() => session.close());
  const warnings: string[] = [];
  session.on('warning', (m) => warnings.push(m));
  return { tracker, session, warnings };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Tracker limits in a session', () => {
  it('a 20,000-tier .torrent and a 1,358-tr magnet: each walks its first 200 trackers in order, one announce at a time', async () => {
    const { tracker, session, warnings } = await setup();
    const tiers = range(20_000).map((i) => [tracker.url('refuse', 'a', i)]);
    const file = torrentFile('many-tiers.bin', tiers);
    expect(file.length).toBeGreaterThan(900_000);
    const big = await session.add({ kind: 'torrent', bytes: file });
    const trs = range(1358).map((i) => `tr=${encodeURIComponent(tracker.url('refuse', 'b', i))}`);
    const magnet = `magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=many-trs&${trs.join('&')}`;
    const fromMagnet = await session.add({ kind: 'magnet', uri: magnet });

    // Every tracker refuses, so each torrent goes down its list (BEP 12: next tier only when
    // the tier failed) — as far as the cap, then waits for its retry back-off.
    const firstRound = (tag: string): string[] => range(MAX_TRACKERS_PER_TORRENT).map((i) => `/announce/refuse/${tag}/${i}`);
    const roundDone = (t: typeof big): boolean => t.trackers().every((s) => s.status === 'error');
    await waitFor(() => roundDone(big) && roundDone(fromMagnet), 'a round over the first 200 trackers of each');
    expect(tracker.pathsOf('a').slice(0, MAX_TRACKERS_PER_TORRENT)).toEqual(firstRound('a'));
    expect(tracker.pathsOf('b').slice(0, MAX_TRACKERS_PER_TORRENT)).toEqual(firstRound('b'));
    expect(tracker.maxOpen.get('a')).toBe(1);
    expect(tracker.maxOpen.get('b')).toBe(1);

    // The API answers with the kept trackers only; one warning per torrent says what was dropped.
    expect(big.trackers()).toHaveLength(MAX_TRACKERS_PER_TORRENT);
    expect(fromMagnet.trackers()).toHaveLength(MAX_TRACKERS_PER_TORRENT);
    expect(big.trackers().every((t) => /not here/.test(t.message ?? ''))).toBe(true);
    expect(session.list()).toHaveLength(2);
    expect(warnings.filter((w) => w.includes('ignored'))).toEqual([
      'many-tiers.bin: 19800 more trackers ignored: at most 200 per torrent are used',
      'many-trs: 1158 more trackers ignored: at most 200 per torrent are used',
    ]);
  });

  it(`60 torrents with trackers that do not answer: at most ${MAX_HTTP_ANNOUNCES} announces open in the session, the rest get their turn`, async () => {
    const { tracker, session } = await setup();
    for (const k of range(60)) {
      await session.add({ kind: 'torrent', bytes: torrentFile(`t${k}.bin`, [[tracker.url('hold', `t${k}`, 0)]]) });
    }
    await waitFor(() => tracker.held.length >= MAX_HTTP_ANNOUNCES, `${MAX_HTTP_ANNOUNCES} held announces`);
    // Answer the held announces one by one: each answer frees a slot for a waiting torrent.
    while (new Set(tracker.announces.map((a) => a.path)).size < 60) {
      await waitFor(() => tracker.held.length > 0, 'a held announce');
      tracker.answerOne();
    }
    expect(tracker.maxOpenTotal).toBe(MAX_HTTP_ANNOUNCES);
    expect(new Set(tracker.announces.map((a) => a.path))).toEqual(new Set(range(60).map((k) => `/announce/hold/t${k}/0`)));
    expect(tracker.announces.every((a) => a.event === 'started')).toBe(true);
  });
});
