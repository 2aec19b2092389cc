/**
 * Issue 5, `tessera seed` when it cannot (or can no longer) seed:
 *  - data missing or damaged at start: one line saying how many pieces are missing, exit 1,
 *    and no tracker ever hears of it (opentracker's scrape counts nobody);
 *  - no data at all: one line, exit 1;
 *  - the data goes while it seeds (the file is truncated behind its back; a libtorrent leecher
 *    then asks for pieces): the torrent goes to the error state, `tessera seed` stops printing
 *    status, prints the reason in one line (and an `error` object with --json), tells the
 *    tracker `stopped` (the scrape no longer counts it) and exits 1.
 */
import { copyFile, mkdir, open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackerClient } from '../../electron/engine/tracker/client.js';
import {
  Cleanup,
  createTorrent,
  describeRun,
  requireBuiltCli,
  requireTool,
  runTessera,
  startLtLeecher,
  startOpentracker,
  startTesseraSeed,
  writeRandomFile,
  type Opentracker,
  type TorrentInfo,
} from '../support/index.js';
import { waitUntil } from '../support/test-utils.js';

const PIECE = 256 * 1024;
const SIZE = 16 * PIECE;
const cleanup = new Cleanup();
let root = '';
let tracker: Opentracker;
let client: TrackerClient;
const torrents: Record<'http' | 'udp', TorrentInfo> = {} as Record<'http' | 'udp', TorrentInfo>;

async function scrape(url: string, infoHash: string): Promise<{ complete: number; incomplete: number }> {
  const r = (await client.scrape(url, [Buffer.from(infoHash, 'hex')])).get(infoHash);
  return { complete: r?.complete ?? 0, incomplete: r?.incomplete ?? 0 };
}

/** A copy of the data in a folder of its own (the tests damage it). */
async function dataCopy(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(root, 'src', 'data.bin'), join(dir, 'data.bin'));
  return dir;
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('opentracker');
  requireTool('libtorrent');
  root = await cleanup.tempDir('seeding-errors');
  const file = join(root, 'src', 'data.bin');
  await writeRandomFile(file, SIZE, 'seeding-errors');
  const probe = await createTorrent({ path: file, out: join(root, 'probe.torrent'), pieceLength: PIECE });
  tracker = await startOpentracker(cleanup, { infoHashes: [probe.infoHash], dir: join(root, 'opentracker') });
  torrents.http = await createTorrent({ path: file, out: join(root, 'http.torrent'), pieceLength: PIECE, trackers: [tracker.httpUrl] });
  torrents.udp = await createTorrent({ path: file, out: join(root, 'udp.torrent'), pieceLength: PIECE, trackers: [tracker.udpUrl] });
  client = new TrackerClient();
  cleanup.add(() => client.close());
});
afterAll(() => cleanup.run());

describe('tessera seed: data it cannot seed', () => {
  it('damaged data: says how many pieces are missing in one line, exits 1, never announces', async () => {
    const dir = await dataCopy('damaged');
    const fh = await open(join(dir, 'data.bin'), 'r+');
    await fh.write(Buffer.alloc(1000, 0x55), 0, 1000, 5 * PIECE + 100); // piece 5
    await fh.write(Buffer.alloc(10, 0x55), 0, 10, 11 * PIECE); // piece 11
    await fh.close();
    const r = await runTessera(['seed', torrents.http.torrentPath, '--dir', dir, '--state-dir', join(root, 'state-damaged'), '--port', '0', '--json', '--no-dht'], {
      timeoutMs: 60_000,
    });
    expect(r.exit.code, describeRun(r)).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, describeRun(r)).toHaveLength(1);
    expect(lines[0]).toMatch(/^tessera: the data for data\.bin in .* is incomplete \(2 of 16 pieces missing or damaged\): cannot seed it/);
    expect(r.stdout).not.toMatch(/"event":"(ready|status)"/);
    // Not even `started`: opentracker has never seen a peer for it.
    expect(await scrape(tracker.httpUrl, torrents.http.infoHash)).toEqual({ complete: 0, incomplete: 0 });
  });

  it('no data at all: one line, exit 1', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir, { recursive: true });
    const r = await runTessera(['seed', torrents.http.torrentPath, '--dir', dir, '--state-dir', join(root, 'state-empty'), '--port', '0', '--no-dht'], { timeoutMs: 60_000 });
    expect(r.exit.code, describeRun(r)).toBe(1);
    expect(r.stderr.trim().split('\n'), describeRun(r)).toEqual([`tessera: no verified data for data.bin in ${dir}: nothing to seed`]);
    expect(r.stdout).toBe('');
  });
});

describe('tessera seed: the data goes while it seeds', () => {
  it.each(['http', 'udp'] as const)('ends in the error state: one line, an error object, `stopped` to the tracker (%s), exit 1', async (kind) => {
    const torrent = torrents[kind];
    const url = kind === 'http' ? tracker.httpUrl : tracker.udpUrl;
    const dir = await dataCopy(`truncated-${kind}`);
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir, stateDir: join(root, `state-${kind}`) });
    expect(seeder.ready).toMatchObject({ verified: 16, pieces: 16 });
    await waitUntil('the tracker to count the seed', async () => (await scrape(url, torrent.infoHash)).complete === 1, { timeoutMs: 10_000, pollMs: 100 });
    await waitUntil('a status line', async () => seeder.lastStatus() !== null, { timeoutMs: 10_000, pollMs: 100 });

    // Behind its back, the file loses everything after its first piece; a leecher then asks for the rest.
    await truncate(join(dir, 'data.bin'), PIECE);
    const leecher = await startLtLeecher(cleanup, { torrent: torrent.torrentPath, save: join(root, `lt-${kind}`), peers: [seeder.address], timeoutSeconds: 30, progressInterval: 0 });
    const exit = await Promise.race([seeder.proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    await leecher.stop();
    expect(exit, `tessera seed still runs:\n${seeder.proc.describe()}`).not.toBeNull();
    expect(exit!.code, seeder.proc.describe()).toBe(1);

    const stderr = seeder.proc.stderr.trim().split('\n');
    expect(stderr, seeder.proc.describe()).toHaveLength(1);
    expect(stderr[0]).toMatch(/^tessera: data\.bin: cannot read the data to upload: .*data\.bin is shorter than the torrent says$/);
    const events = seeder.proc.jsonLines().map((j) => j.event);
    // The error is the last thing it prints: no status line after it.
    expect(events.at(-1), seeder.proc.stdout).toBe('error');
    expect(seeder.proc.jsonLines().at(-1)?.message).toMatch(/shorter than the torrent says/);
    // It told the tracker it stopped: nobody seeds it there any more (the leecher may still count).
    expect((await scrape(url, torrent.infoHash)).complete).toBe(0);
  });
});
