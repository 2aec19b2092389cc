/**
 * Issue 5, seeding while downloading: one libtorrent seeder (upload rate-limited, so it
 * cannot serve everyone at once), Tessera downloading from it, and one libtorrent leecher
 * that knows both. The leecher must receive pieces from Tessera: its own per-peer count
 * for Tessera's connection (identified by Tessera's client name) is the proof.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  freePort,
  requireBuiltCli,
  startLtLeecher,
  startLtSeeder,
  tesseraDownload,
  waitForListening,
  writeRandomFile,
  type TorrentInfo,
} from '../support/index.js';

const SIZE = 16 * 1024 * 1024;
/** Seeder upload for both downloaders together: ~5 s for the whole torrent. */
const SEEDER_LIMIT = 3 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('seeding-swarm');
  await writeRandomFile(join(root, 'src', 'swarm.bin'), SIZE, 'seeding-swarm');
  torrent = await createTorrent({ path: join(root, 'src', 'swarm.bin'), out: join(root, 'swarm.torrent'), pieceLength: 256 * 1024 });
});
afterAll(() => cleanup.run());

describe('libtorrent seeder + Tessera + libtorrent leecher', () => {
  it('the leecher receives pieces from Tessera while Tessera downloads', async () => {
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: SEEDER_LIMIT, statusInterval: 0.5 });

    const port = await freePort();
    const tesseraDir = join(root, 'tessera');
    let tesseraExited = false;
    const tessera = tesseraDownload({
      torrent: torrent.torrentPath,
      dir: tesseraDir,
      peers: [seeder.address],
      port,
      extraArgs: ['--state-dir', join(root, 'state'), '--no-dht'],
      timeoutMs: 120_000,
    }).finally(() => (tesseraExited = true));
    await waitForListening('127.0.0.1', port, 30_000, () => !tesseraExited);

    const leecher = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath,
      save: join(root, 'lt'),
      peers: [seeder.address, `127.0.0.1:${port}`],
      timeoutSeconds: 120,
      progressInterval: 0,
    });

    const t = await tessera;
    assertDownloadOk(t, { torrent, peers: { min: 1 }, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'swarm.bin'), join(tesseraDir, 'swarm.bin'));

    const l = await leecher.done;
    await assertSameFile(join(root, 'src', 'swarm.bin'), join(root, 'lt', 'swarm.bin'));
    expect(l.hashFailures).toBe(0);
    const fromTessera = l.peers.filter((p) => /^Tessera /.test(p.client));
    const account = `leecher peers: ${JSON.stringify(l.peers)}; tessera listened on ${port}`;
    expect(fromTessera.length, account).toBeGreaterThanOrEqual(1);
    const bytes = fromTessera.reduce((n, p) => n + p.downloaded, 0);
    process.stderr.write(`seeding-swarm: leecher got ${bytes} of ${SIZE} bytes from Tessera (total ${l.bytes}); ${account}\n`);
    // More than a few blocks: whole pieces (256 KiB each) came from Tessera.
    expect(bytes, account).toBeGreaterThanOrEqual(2 * torrent.pieceLength);
    await seeder.stop();
  });
});
