/**
 * Issue 5, "a file that changed or disappeared triggers a re-check of only what is
 * affected": a finished multi-file download, then
 *  - one file's modification time changes (same bytes): the next run hashes exactly the
 *    pieces that touch that file, trusts every other one, fetches nothing;
 *  - one file is deleted: the next run fetches exactly the pieces that touch it (those it
 *    shares with intact files are hashed from disk first, and fail: their bytes of the
 *    deleted file are gone) and leaves the other files alone; byte-identical again.
 */
import { rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDownloadOk, assertSameTree, Cleanup, createTorrent, requireBuiltCli, startLtSeeder, tesseraDownload, writeTree, type FileSpec, type LtSeeder, type TorrentInfo } from '../support/index.js';

const PIECE = 64 * 1024;
const FILES: FileSpec[] = [
  { path: 'one.bin', size: 500_000 },
  { path: 'two.bin', size: 300_000 },
  { path: 'three.bin', size: 700_000 },
];
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

/** Pieces holding bytes of the file at `path` (inside the torrent). */
function piecesOf(path: string): number[] {
  let offset = 0;
  for (const f of torrent.files) {
    if (f.path === path) {
      const out: number[] = [];
      for (let p = Math.floor(offset / PIECE); p <= Math.floor((offset + f.size - 1) / PIECE); p++) out.push(p);
      return out;
    }
    offset += f.size;
  }
  throw new Error(`${path} is not in the torrent`);
}

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('resume-partial');
  await writeTree(join(root, 'src', 'three'), FILES, 'resume-partial');
  torrent = await createTorrent({ path: join(root, 'src', 'three'), out: join(root, 'three.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), statusInterval: 0.1 });
});
afterAll(() => cleanup.run());

describe('re-check only what changed', () => {
  const dir = (): string => join(root, 'dl');
  const run = (): ReturnType<typeof tesseraDownload> =>
    tesseraDownload({ torrent: torrent.torrentPath, dir: dir(), peers: [seeder.address], extraArgs: ['--state-dir', join(root, 'state'), '--no-dht'], timeoutMs: 60_000 });

  it('a touched file: only its pieces are hashed, nothing is fetched', async () => {
    const first = await run();
    assertDownloadOk(first, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameTree(join(root, 'src', 'three'), join(dir(), 'three'));

    const touched = join(dir(), 'three', 'two.bin');
    const st = await stat(touched);
    await utimes(touched, st.atime, new Date(st.mtimeMs + 3_000));
    const r = await run();
    expect(r.exit.code, r.stderr).toBe(0);
    const affected = piecesOf('three/two.bin');
    expect(r.json).toMatchObject({ checkedPieces: affected.length, resumedPieces: torrent.pieces - affected.length, downloaded: 0, hashFailures: 0 });
  });

  it('a deleted file: only its pieces are fetched again, byte-identical', async () => {
    await rm(join(dir(), 'three', 'three.bin'));
    const affected = piecesOf('three/three.bin');
    const r = await run();
    expect(r.exit.code, r.stderr).toBe(0);
    await assertSameTree(join(root, 'src', 'three'), join(dir(), 'three'));
    const bytes = affected.reduce((n, p) => n + (p === torrent.pieces - 1 ? torrent.lastPieceLength : PIECE), 0);
    // Pieces it shares with an intact file are hashed (and fail: part of them is gone); the rest
    // of its pieces have no data to hash.
    const shared = affected.filter((p) => piecesOf('three/two.bin').includes(p));
    expect(r.json).toMatchObject({ resumedPieces: torrent.pieces - affected.length, downloaded: bytes, hashFailures: 0 });
    expect(r.json!.checkedPieces).toBeLessThanOrEqual(shared.length);
  });
});
