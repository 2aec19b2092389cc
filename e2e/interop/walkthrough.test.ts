/**
 * Issue 2, test 1: the walkthrough's geometry from one libtorrent seeder.
 * 1,799,542 bytes in 16 KiB pieces: 110 pieces, the last one 13,686 bytes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, startLtSeeder, tesseraDownload, writeRandomFile, type LtSeeder, type TorrentInfo } from '../support/index.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('walkthrough');
  await writeRandomFile(join(root, 'src', 'walkthrough.bin'), 1_799_542, 'walkthrough');
  torrent = await createTorrent({ path: join(root, 'src', 'walkthrough.bin'), out: join(root, 'walkthrough.torrent'), pieceLength: 16 * 1024 });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src') });
});
afterAll(() => cleanup.run());

describe('walkthrough geometry from one libtorrent seeder', () => {
  it('the fixture has the walkthrough geometry', () => {
    expect(torrent.pieces).toBe(110);
    expect(torrent.lastPieceLength).toBe(13_686);
    expect(torrent.totalSize).toBe(1_799_542);
  });

  it('downloads byte-identical with the documented --json fields', async () => {
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home'), timeoutMs: 120_000 });
    const j = assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(join(root, 'src', 'walkthrough.bin'), join(dir, 'walkthrough.bin'));
    expect(j.infoHash).toBe(seeder.infoHashes[0]);
  });
});
