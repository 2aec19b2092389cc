/**
 * Issue 2, test 2: a multi-file torrent whose files cross piece boundaries, with an empty
 * file and nested directories; and the same tree with BEP 47 pad files (never written).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameTree,
  Cleanup,
  createTorrent,
  listFiles,
  requireBuiltCli,
  startLtSeeder,
  tesseraDownload,
  writeTree,
  type FileSpec,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const PIECE = 32 * 1024;
// Sizes chosen so that most files start and end inside a piece, one piece spans four files,
// and the total is not a multiple of the piece length.
const FILES: FileSpec[] = [
  { path: 'a.bin', size: 10_000 },
  { path: 'dir1/b.bin', size: 50_000 },
  { path: 'dir1/empty.txt', size: 0 },
  { path: 'dir1/sub/c.bin', size: 100_001 },
  { path: 'd.bin', size: 1 },
  { path: 'dir1/sub/tiny.bin', size: 7 },
  { path: 'dir2/deep/er/e.bin', size: 70_000 },
  { path: 'dir2/f.bin', size: PIECE },
];

const cleanup = new Cleanup();
let root = '';
let plain: TorrentInfo;
let padded: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('multifile');
  await writeTree(join(root, 'src', 'tree'), FILES, 'multifile');
  plain = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'tree.torrent'), pieceLength: PIECE });
  padded = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'tree-pad.torrent'), pieceLength: PIECE, pad: true });
  seeder = await startLtSeeder(cleanup, { torrents: [plain.torrentPath, padded.torrentPath], save: join(root, 'src') });
});
afterAll(() => cleanup.run());

describe('multi-file torrent from one libtorrent seeder', () => {
  it('the fixture has files crossing piece boundaries and an empty file', () => {
    expect(plain.files.some((f) => f.size === 0)).toBe(true);
    let offset = 0;
    let crossing = 0;
    for (const f of plain.files) {
      if (f.size > 0 && Math.floor(offset / PIECE) !== Math.floor((offset + f.size - 1) / PIECE)) crossing++;
      offset += f.size;
    }
    expect(crossing).toBeGreaterThanOrEqual(3);
    expect(plain.totalSize % PIECE).not.toBe(0);
    expect(padded.files.some((f) => f.pad)).toBe(true);
  });

  it('downloads every file byte-identical, the empty file and nested dirs included', async () => {
    const dir = join(root, 'dl-plain');
    const r = await tesseraDownload({ torrent: plain.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home1'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent: plain, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
    expect(await listFiles(dir)).toContain('tree/dir1/empty.txt');
  });

  it('with BEP 47 pad files: same tree, no pad file written', async () => {
    const dir = join(root, 'dl-pad');
    const r = await tesseraDownload({ torrent: padded.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home2'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent: padded, peers: 1, hashFailures: 0 });
    // assertSameTree fails on any extra file, such as tree/.pad/N.
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
  });
});
