/**
 * Issue 4: a magnet link whose only source is `x.pe=` pointing at a libtorrent seeder.
 *
 *   S  libtorrent seeder (no DHT, no trackers) of a multi-file torrent whose info dictionary
 *      spans two ut_metadata pieces (> 16 KiB)
 *   T  `tessera download 'magnet:?xt=…&dn=…&x.pe=127.0.0.1:P' --dir D --json` — no .torrent,
 *      no --peer, no tracker, no DHT (TESSERA_DHT_BOOTSTRAP='' in the interop project)
 *
 * Checks: `tessera info '<magnet>'` prints what the magnet says; the download fetches the
 * metadata with ut_metadata and then the content, byte-identical; the seeder saw Tessera
 * connect (and upload to it), so the bytes came over the x.pe connection.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  assertSameTree,
  Cleanup,
  createTorrent,
  describeRun,
  freePort,
  requireBuiltCli,
  requireTool,
  runTessera,
  startLtLeecher,
  startLtSeeder,
  tesseraDownload,
  writeTree,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

// 14 MiB in 16 KiB pieces: 896 pieces, so `pieces` alone is 17.5 KiB: the info dict spans two metadata pieces.
const FILES = [
  { path: 'album/01 first.bin', size: 7 * 1024 * 1024 + 777 },
  { path: 'album/02 second.bin', size: 4 * 1024 * 1024 },
  { path: 'album/sub/03 third.bin', size: 3 * 1024 * 1024 - 1234 },
  { path: 'album/empty.txt', size: 0 },
];

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('magnet-xpe');
  await writeTree(join(root, 'src'), FILES, 'magnet-xpe');
  torrent = await createTorrent({ path: join(root, 'src', 'album'), out: join(root, 'album.torrent'), pieceLength: 16 * 1024 });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), statusInterval: 0.25, logAlerts: true });
});
afterAll(() => cleanup.run());

function magnet(): string {
  return `magnet:?xt=urn:btih:${torrent.infoHash}&dn=${encodeURIComponent('album (magnet)')}&x.pe=${seeder.address}`;
}

describe('magnet with only x.pe', () => {
  it('tessera info prints what the magnet says', async () => {
    const r = await runTessera(['info', magnet()]);
    expect(r.exit.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Info-hash:     ${torrent.infoHash}\n`);
    expect(r.stdout).toContain('Name:          album (magnet)\n');
    expect(r.stdout).toContain('Trackers:      none\n');
    expect(r.stdout).toContain(`Peers:\n  ${seeder.address}\n`);

    const j = await runTessera(['info', magnet(), '--json']);
    expect(j.exit.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      infoHash: torrent.infoHash,
      name: 'album (magnet)',
      trackers: [],
      peers: [seeder.address],
      webSeeds: [],
      selectOnly: null,
    });

    const bad = await runTessera(['info', `magnet:?xt=urn:btih:${torrent.infoHash.slice(2)}&x.pe=${seeder.address}`]);
    expect(bad.exit.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^tessera info: invalid magnet: .*40 hex or 32 base32/);
  });

  it('fetches the metadata from the x.pe peer, then the content, byte-identical', async () => {
    expect(torrent.pieces).toBeGreaterThan(16 * 1024 / 20); // info dict spans two metadata pieces
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: magnet(), dir, peers: [], configHome: join(root, 'home'), timeoutMs: 90_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    // The name comes from the metadata, not from `dn`.
    await assertSameTree(join(root, 'src'), dir);

    // The seeder's side: Tessera connected to it and it uploaded everything.
    await new Promise((res) => setTimeout(res, 600));
    const statuses = seeder.proc.jsonLines().filter((l) => l.event === 'status');
    const uploaded = Math.max(0, ...statuses.map((s) => (typeof s.uploaded === 'number' ? s.uploaded : 0)));
    expect(uploaded).toBeGreaterThanOrEqual(FILES.reduce((n, f) => n + f.size, 0));
    const connects = seeder.proc.jsonLines().filter((l) => l.type === 'incoming_connection_alert' || l.type === 'peer_connect_alert');
    expect(connects.length).toBeGreaterThan(0);
  });

  it('with so= fetches only the selected files (BEP 53)', async () => {
    // Indices are positions in the torrent's file list (libtorrent orders it, so look them up).
    const wanted = ['album/02 second.bin', 'album/empty.txt'].map((p) => torrent.files.findIndex((f) => f.path === p));
    expect(wanted).not.toContain(-1);
    const dir = join(root, 'dl-so');
    const r = await tesseraDownload({ torrent: `${magnet()}&so=${wanted.join(',')}`, dir, peers: [], configHome: join(root, 'home-so'), timeoutMs: 90_000 });
    expect(r.exit.code, describeRun(r)).toBe(0);
    await assertSameFile(join(root, 'src', 'album', '02 second.bin'), join(dir, 'album', '02 second.bin'));
    await assertSameFile(join(root, 'src', 'album', 'empty.txt'), join(dir, 'album', 'empty.txt'));
    // Pieces shared with neighbouring files come too, but nowhere near the whole torrent.
    expect(r.json?.downloaded).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(r.json?.downloaded).toBeLessThan(4 * 1024 * 1024 + 64 * 1024);
  });

  it('serves the metadata it fetched: a libtorrent magnet leecher that knows only Tessera gets it', async () => {
    // A slow copy of the seeder keeps Tessera downloading (and so running) for a few seconds.
    // No PEX on it: told of the leecher by Tessera, it would feed the leecher, which would then
    // (rightly) send Tessera pieces too, and Tessera's data would no longer come from one peer.
    const slow = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: 2 * 1024 * 1024, noPex: true });
    const port = await freePort('127.0.0.1');
    const dir = join(root, 'dl-relay');
    const magnetSlow = `magnet:?xt=urn:btih:${torrent.infoHash}&x.pe=${slow.address}`;
    const run = tesseraDownload({ torrent: magnetSlow, dir, peers: [], port, configHome: join(root, 'home-relay'), timeoutMs: 90_000 });
    let finished = false;
    void run.finally(() => (finished = true));
    // Tessera has the metadata once it has laid out the files.
    while (!existsSync(join(dir, 'album')) && !finished) await new Promise((res) => setTimeout(res, 50));
    expect(finished, 'Tessera finished before the leecher could ask it').toBe(false);

    const leecher = await startLtLeecher(cleanup, {
      magnet: `magnet:?xt=urn:btih:${torrent.infoHash}`,
      peers: [`127.0.0.1:${port}`],
      noPex: true,
      save: join(root, 'lt-relay'),
      timeoutSeconds: 60,
      progressInterval: 0.2,
    });
    const gotIt = await leecher.proc.waitForLine(/"hasMetadata":true/, 20_000);
    expect(JSON.parse(gotIt)).toMatchObject({ event: 'progress', hasMetadata: true });
    await leecher.stop();
    assertDownloadOk(await run, { torrent, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src'), dir);
    await slow.stop();
  });
});
