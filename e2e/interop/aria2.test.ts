/** Issue 2, test 4: one download from a different implementation, aria2 seeding, dialled with --peer. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, startAria2Seeder, tesseraDownload, writeRandomFile, type Aria2Seeder, type TorrentInfo } from '../support/index.js';

const SIZE = 6_000_001; // 92 pieces of 64 KiB, the last one 36,737 bytes
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let aria2: Aria2Seeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('aria2');
  await writeRandomFile(join(root, 'src', 'from-aria2.bin'), SIZE, 'aria2');
  torrent = await createTorrent({ path: join(root, 'src', 'from-aria2.bin'), out: join(root, 'from-aria2.torrent'), pieceLength: 64 * 1024 });
  aria2 = await startAria2Seeder(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src') });
});
afterAll(() => cleanup.run());

describe('download from aria2', () => {
  it('downloads byte-identical from an aria2 seeder', async () => {
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [aria2.address], configHome: join(root, 'home'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(join(root, 'src', 'from-aria2.bin'), join(dir, 'from-aria2.bin'));
  });
});
