/**
 * Issue 4: `tessera download file.torrent` whose only way to the seeder is the torrent's
 * announce URL, once over HTTP and once over UDP.
 *
 *   O  opentracker on 127.0.0.1 (Debian build: whitelist-only; the whitelist is written here)
 *   S  libtorrent seeder announcing to O over HTTP and UDP (no DHT)
 *   T  `tessera download X.torrent --dir D --json`: no --peer, DHT off
 *      (TESSERA_DHT_BOOTSTRAP='' in the interop project), no x.pe. http.torrent announces only
 *      to O's HTTP URL, udp.torrent only to O's UDP URL (same info dict, same info-hash).
 *
 * Checks: byte-identical content; T's `started` reached O (O's scrape counts one leecher
 * while T downloads: S's upload is capped so that takes a few seconds); S saw T dial in;
 * O counted T's `completed` (scrape `downloaded`), and T's `stopped` on exit leaves S alone
 * in O's swarm. (The Announcer aborts an in-flight `completed` when stop() comes first; the
 * CLI's resume save makes that unlikely on loopback, but a slow tracker can lose it.)
 * Then the same with a magnet whose only source is `tr=` (UDP): metadata, then content.
 * A missing opentracker or python3-libtorrent fails with the install command (never skips).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackerClient } from '../../electron/engine/tracker/client.js';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  requireBuiltCli,
  requireTool,
  startLtSeeder,
  startOpentracker,
  tesseraDownload,
  writeRandomFile,
  type LtSeeder,
  type Opentracker,
  type TorrentInfo,
} from '../support/index.js';
import { escapeRegExp } from '../support/test-utils.js';

const SIZE = 6 * 1024 * 1024 + 4321;
const cleanup = new Cleanup();
let root = '';
let tracker: Opentracker;
let seeder: LtSeeder;
const torrents: Record<'http' | 'udp', TorrentInfo> = {} as Record<'http' | 'udp', TorrentInfo>;
let client: TrackerClient;

/** opentracker's scrape for the torrent: seeders, leechers and `completed` events counted. */
async function scrape(url: string, infoHash: string): Promise<{ complete: number; incomplete: number; downloaded: number }> {
  const r = (await client.scrape(url, [Buffer.from(infoHash, 'hex')])).get(infoHash);
  return { complete: r?.complete ?? 0, incomplete: r?.incomplete ?? 0, downloaded: r?.downloaded ?? 0 };
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('opentracker');
  requireTool('libtorrent');
  root = await cleanup.tempDir('find-peers-tracker');
  const file = join(root, 'src', 'tracked.bin');
  await writeRandomFile(file, SIZE, 'find-peers-tracker');
  // opentracker's port is only known once it runs, and the whitelist must exist first: the
  // info-hash does not depend on the announce URL, so make the torrent once to learn it.
  const probe = await createTorrent({ path: file, out: join(root, 'probe.torrent'), pieceLength: 64 * 1024 });
  tracker = await startOpentracker(cleanup, { infoHashes: [probe.infoHash], dir: join(root, 'opentracker') });
  torrents.http = await createTorrent({ path: file, out: join(root, 'http.torrent'), pieceLength: 64 * 1024, trackers: [tracker.httpUrl] });
  torrents.udp = await createTorrent({ path: file, out: join(root, 'udp.torrent'), pieceLength: 64 * 1024, trackers: [tracker.udpUrl] });
  expect(torrents.http.infoHash).toBe(probe.infoHash);
  expect(torrents.udp.infoHash).toBe(probe.infoHash);
  seeder = await startLtSeeder(cleanup, {
    torrents: [torrents.http.torrentPath],
    save: join(root, 'src'),
    trackers: [tracker.udpUrl], // the .torrent already has the HTTP one
    logAlerts: true,
    statusInterval: 0.25,
    // ~3 s per download, so the test can watch Tessera sit in opentracker's swarm meanwhile.
    uploadLimit: 2 * 1024 * 1024,
    settings: { announce_to_all_trackers: true, announce_to_all_tiers: true },
  });
  // S must be in O's swarm before Tessera asks.
  await seeder.proc.waitForLine(new RegExp(`"type":"tracker_reply_alert".*${escapeRegExp(tracker.httpUrl)}`), 60_000);
  await seeder.proc.waitForLine(new RegExp(`"type":"tracker_reply_alert".*${escapeRegExp(tracker.udpUrl)}`), 60_000);
  client = new TrackerClient({ httpTimeoutMs: 10_000, udp: { baseTimeoutMs: 2_000 } });
  cleanup.add(() => client.close());
});
afterAll(() => cleanup.run());

describe('a libtorrent seeder found through opentracker', () => {
  for (const proto of ['http', 'udp'] as const) {
    it(`tessera download ${proto}.torrent (announce over ${proto.toUpperCase()} only, no --peer, no DHT) completes byte-identical`, async () => {
      const torrent = torrents[proto];
      const url = proto === 'http' ? tracker.httpUrl : tracker.udpUrl;
      const before = await scrape(url, torrent.infoHash);
      expect(before).toMatchObject({ complete: 1, incomplete: 0 });
      const dir = join(root, `dl-${proto}`);
      const incomingBefore = seeder.proc.jsonLines().filter((l) => l.type === 'incoming_connection_alert').length;

      const run = tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [], configHome: join(root, `home-${proto}`), timeoutMs: 90_000 });
      // While it runs, opentracker counts a leecher: Tessera's `started` reached it.
      let finished = false;
      void run.finally(() => (finished = true));
      let leechersSeen = 0;
      while (!finished) {
        leechersSeen = Math.max(leechersSeen, (await scrape(url, torrent.infoHash)).incomplete);
        await new Promise((res) => setTimeout(res, 100));
      }
      const r = await run;
      assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
      await assertSameFile(join(root, 'src', 'tracked.bin'), join(dir, 'tracked.bin'));

      expect(leechersSeen, 'opentracker never counted Tessera as a leecher').toBe(1);
      // The seeder saw Tessera dial in (the tracker told Tessera where it listens).
      expect(seeder.proc.jsonLines().filter((l) => l.type === 'incoming_connection_alert').length).toBeGreaterThan(incomingBefore);
      // Tessera said `completed` (O counts it in `downloaded`), then `stopped` on its way out:
      // the swarm is the seeder alone again.
      expect(await scrape(url, torrent.infoHash)).toMatchObject({ complete: 1, incomplete: 0, downloaded: before.downloaded + 1 });
    });
  }

  it('a magnet whose only source is tr= (opentracker over UDP) fetches metadata then content', async () => {
    const torrent = torrents.udp;
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}&tr=${encodeURIComponent(tracker.udpUrl)}`;
    const before = await scrape(tracker.udpUrl, torrent.infoHash);
    const dir = join(root, 'dl-magnet');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-magnet'), timeoutMs: 90_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(join(root, 'src', 'tracked.bin'), join(dir, 'tracked.bin'));
    expect(await scrape(tracker.udpUrl, torrent.infoHash)).toMatchObject({ complete: 1, incomplete: 0, downloaded: before.downloaded + 1 });
  });
});
