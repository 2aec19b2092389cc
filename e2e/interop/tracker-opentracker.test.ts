/**
 * Issue 4, trackers against real software on 127.0.0.1:
 *
 *   O  opentracker (Debian build: whitelist-only; the test writes the whitelist), HTTP + UDP on one port
 *   S  a libtorrent seeder announcing to O over both HTTP and UDP (announce_to_all_trackers)
 *   T  Tessera's Announcer, once with only O's HTTP URL and once with only its UDP URL
 *
 * Checks: T gets S's 127.0.0.1:port over HTTP and over UDP (opentracker reports the source
 * IP of S's announce, 127.0.0.1), the tracker status shows 'working' with S counted as a
 * seeder, scrape works over both protocols, `stopped` really removes T from O's swarm, and a
 * non-whitelisted info-hash gets opentracker's failure reason as status 'error'.
 * A missing opentracker or python3-libtorrent FAILS with the install command (never skips).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAddress, TrackerStats } from '../../electron/engine/api.js';
import { Announcer, type AnnouncerTorrent } from '../../electron/engine/tracker/announcer.js';
import { TrackerClient } from '../../electron/engine/tracker/client.js';
import type { AnnounceParams } from '../../electron/engine/tracker/types.js';
import {
  Cleanup,
  createTorrent,
  requireTool,
  startLtSeeder,
  startOpentracker,
  writeRandomFile,
  type LtSeeder,
  type Opentracker,
  type TorrentInfo,
} from '../support/index.js';

const cleanup = new Cleanup();
let tracker: Opentracker;
let seeder: LtSeeder;
let torrent: TorrentInfo;
let client: TrackerClient;

function peerId(): Buffer {
  return Buffer.concat([Buffer.from('-TS0001-'), randomBytes(12)]);
}

/** A torrent as the announcer sees it: a leecher listening on `port` (nothing needs to listen there). */
function fakeTorrent(infoHashHex: string, port: number, left: number): AnnouncerTorrent {
  return {
    infoHash: Buffer.from(infoHashHex, 'hex'),
    peerId: peerId(),
    port,
    getStats: () => ({ uploaded: 0, downloaded: 0, left }),
  };
}

/** Starts an announcer and resolves with the first peer list that contains `want`, plus the 'working' status. */
async function announceUntilPeer(a: Announcer, want: PeerAddress, timeoutMs: number): Promise<{ peers: PeerAddress[]; status: TrackerStats }> {
  const errors: string[] = [];
  a.on('warning', (url, msg) => errors.push(`${url}: ${msg}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no peer list containing ${want.host}:${want.port} within ${timeoutMs} ms; tracker status ${JSON.stringify(a.trackers())}; warnings: ${errors.join(' | ')}`)),
      timeoutMs,
    );
    let peers: PeerAddress[] | null = null;
    const check = (): void => {
      const status = a.trackers()[0];
      if (peers && status?.status === 'working') {
        clearTimeout(timer);
        resolve({ peers, status });
      }
    };
    a.on('peers', (list) => {
      if (list.some((p) => p.host === want.host && p.port === want.port)) peers = list;
      check();
    });
    a.on('update', check);
    a.start();
  });
}

/** One raw announce (not through an Announcer) to see who is in the swarm. */
async function probe(url: string, infoHashHex: string): Promise<PeerAddress[]> {
  const params: AnnounceParams = {
    infoHash: Buffer.from(infoHashHex, 'hex'),
    peerId: peerId(),
    port: 1,
    uploaded: 0,
    downloaded: 0,
    left: 1,
    event: 'none',
    numwant: 200,
    key: 1,
  };
  return (await client.announce(url, params)).peers;
}

beforeAll(async () => {
  // Missing tools must fail loudly with the install command: these throw, they never skip.
  requireTool('opentracker');
  requireTool('libtorrent');
  const dir = await cleanup.tempDir('tracker-opentracker');
  await writeRandomFile(join(dir, 'data', 'payload.bin'), 3 * 1024 * 1024 + 12345, 'tracker-opentracker');
  torrent = await createTorrent({ path: join(dir, 'data', 'payload.bin'), out: join(dir, 'payload.torrent'), pieceLength: 256 * 1024 });
  tracker = await startOpentracker(cleanup, { infoHashes: [torrent.infoHash], dir: join(dir, 'opentracker') });
  seeder = await startLtSeeder(cleanup, {
    torrents: [torrent.torrentPath],
    save: join(dir, 'data'),
    trackers: [tracker.httpUrl, tracker.udpUrl],
    logAlerts: true,
    settings: { announce_to_all_trackers: true, announce_to_all_tiers: true, allow_multiple_connections_per_ip: true },
  });
  // The seeder must be in opentracker's swarm before we ask: wait for its replies over both protocols.
  const escaped = (u: string): RegExp => new RegExp(`"type":"tracker_reply_alert".*${u.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`);
  await seeder.proc.waitForLine(escaped(tracker.httpUrl), 60_000);
  await seeder.proc.waitForLine(escaped(tracker.udpUrl), 60_000);
  client = new TrackerClient({ httpTimeoutMs: 10_000, udp: { baseTimeoutMs: 2_000 } });
  cleanup.add(() => client.close());
});

afterAll(async () => {
  await cleanup.run();
});

describe('Announcer against opentracker', () => {
  for (const proto of ['http', 'udp'] as const) {
    it(`finds the libtorrent seeder over ${proto.toUpperCase()}, then leaves the swarm with stopped`, async () => {
      const url = proto === 'http' ? tracker.httpUrl : tracker.udpUrl;
      const ourPort = proto === 'http' ? 40001 : 40002;
      const a = new Announcer(fakeTorrent(torrent.infoHash, ourPort, torrent.totalSize), { tiers: [[url]], client });
      cleanup.add(() => a.destroy());
      const { peers, status } = await announceUntilPeer(a, { host: '127.0.0.1', port: seeder.port }, 60_000);
      expect(peers).toContainEqual({ host: '127.0.0.1', port: seeder.port });
      expect(status).toMatchObject({ url, tier: 0, status: 'working', message: null });
      expect(status.seeders).toBeGreaterThanOrEqual(1);
      expect(status.peers).toBe(peers.length);

      // We are in the swarm now…
      expect(await probe(url, torrent.infoHash)).toContainEqual({ host: '127.0.0.1', port: ourPort });
      // …and `stopped` takes us out again.
      await a.stop();
      expect(a.trackers()[0]?.status).toBe('idle');
      const after = await probe(url, torrent.infoHash);
      expect(after).not.toContainEqual({ host: '127.0.0.1', port: ourPort });
      expect(after).toContainEqual({ host: '127.0.0.1', port: seeder.port });
      a.destroy();
    });
  }

  it('scrapes over HTTP and UDP', async () => {
    for (const url of [tracker.httpUrl, tracker.udpUrl]) {
      const r = await client.scrape(url, [Buffer.from(torrent.infoHash, 'hex')]);
      const s = r.get(torrent.infoHash);
      expect(s, url).toBeDefined();
      expect(s?.complete, url).toBeGreaterThanOrEqual(1);
    }
  });

  it('shows opentracker refusing a non-whitelisted info-hash as an error status (HTTP) and keeps going', async () => {
    const other = randomBytes(20).toString('hex');
    const a = new Announcer(fakeTorrent(other, 40003, 100), { tiers: [[tracker.httpUrl]], client, retryBaseMs: 200 });
    cleanup.add(() => a.destroy());
    const warnings: string[] = [];
    a.on('warning', (_u, m) => warnings.push(m));
    a.start();
    const deadline = Date.now() + 20_000;
    while (warnings.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(warnings.length).toBeGreaterThanOrEqual(2); // retried after back-off
    expect(a.trackers()[0]).toMatchObject({ status: expect.stringMatching(/^(error|announcing)$/) });
    expect(warnings[0]).toMatch(/^tracker: .*not authorized/);
    await a.stop();
    a.destroy();
  });

  it('one announcer with both URLs in one tier: a tracker answers and is promoted', async () => {
    const a = new Announcer(fakeTorrent(torrent.infoHash, 40004, torrent.totalSize), {
      tiers: [[tracker.udpUrl, tracker.httpUrl]],
      client,
    });
    cleanup.add(() => a.destroy());
    const got = new Promise<string>((resolve) => a.on('peers', (list, url) => list.some((p) => p.port === seeder.port) && resolve(url)));
    a.start();
    const url = await got;
    expect([tracker.httpUrl, tracker.udpUrl]).toContain(url);
    // BEP 12: only the first tracker that answered was asked.
    const statuses = a.trackers();
    expect(statuses.filter((t) => t.status === 'working').map((t) => t.url)).toEqual([url]);
    expect(statuses.find((t) => t.url !== url)?.status).toBe('idle');
    await a.stop();
    a.destroy();
  });
});
