/**
 * Issue 5, seeding beyond the one-leecher case:
 *  - a multi-file tree with BEP 47 pad files, an empty file and files crossing piece
 *    boundaries, served by `tessera seed` alone: a libtorrent leecher gets every file
 *    byte-identical (uploads read across files; pad bytes are zeros, never files);
 *  - three libtorrent leechers at once from one `tessera seed` (the choker's slots):
 *    each gets the whole torrent from Tessera, byte-identical;
 *  - restarting `tessera seed` on the same state folder trusts its resume record
 *    (nothing hashed); after the data file changes behind its back it hashes it again.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertSameFile,
  assertSameTree,
  Cleanup,
  createTorrent,
  requireBuiltCli,
  runLtLeecher,
  startLtLeecher,
  startTesseraSeed,
  writeRandomFile,
  writeTree,
  type FileSpec,
  type TorrentInfo,
} from '../support/index.js';

const TREE: FileSpec[] = [
  { path: 'a.bin', size: 100_000 },
  { path: 'dir/empty.txt', size: 0 },
  { path: 'dir/b.bin', size: 300_001 },
  { path: 'dir/sub/c.bin', size: 7 },
  { path: 'd.bin', size: 262_144 },
  { path: 'e.bin', size: 1_000_003 },
];
const SIZE = 24 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let tree: TorrentInfo;
let single: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('seeding-more');
  await writeTree(join(root, 'src', 'tree'), TREE, 'seeding-more');
  tree = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'tree.torrent'), pieceLength: 64 * 1024, pad: true });
  await writeRandomFile(join(root, 'src', 'many.bin'), SIZE, 'seeding-more-many');
  single = await createTorrent({ path: join(root, 'src', 'many.bin'), out: join(root, 'many.torrent'), pieceLength: 256 * 1024 });
});
afterAll(() => cleanup.run());

describe('tessera seed: more', () => {
  it('serves a multi-file tree with pad files byte-identical to a libtorrent leecher', async () => {
    expect(tree.files.some((f) => f.pad)).toBe(true);
    const seeder = await startTesseraSeed(cleanup, { torrent: tree.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-tree') });
    expect(seeder.ready).toMatchObject({ pieces: tree.pieces, verified: tree.pieces });
    const dl = join(root, 'dl-tree');
    const r = await runLtLeecher(cleanup, { torrent: tree.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 60, progressInterval: 0 });
    expect(r.hashFailures).toBe(0);
    expect(r.peers.map((p) => p.client), JSON.stringify(r.peers)).toEqual([expect.stringMatching(/^Tessera /)]);
    await assertSameTree(join(root, 'src', 'tree'), join(dl, 'tree'));
    expect((await seeder.interrupt()).code).toBe(0);
  });

  it('serves three libtorrent leechers at once, each byte-identical', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: single.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-many') });
    const leechers = await Promise.all(
      [1, 2, 3].map((i) =>
        // PEX off: each leecher must get everything from Tessera, not from the others.
        startLtLeecher(cleanup, { torrent: single.torrentPath, save: join(root, `dl-many-${i}`), peers: [seeder.address], noPex: true, timeoutSeconds: 90, progressInterval: 0 }),
      ),
    );
    const results = await Promise.all(leechers.map((l) => l.done));
    for (const [i, r] of results.entries()) {
      await assertSameFile(join(root, 'src', 'many.bin'), join(root, `dl-many-${i + 1}`, 'many.bin'));
      expect(r.hashFailures).toBe(0);
      const fromTessera = r.peers.filter((p) => /^Tessera /.test(p.client)).reduce((n, p) => n + p.downloaded, 0);
      expect(fromTessera, JSON.stringify(r.peers)).toBeGreaterThanOrEqual(SIZE);
    }
    const deadline = Date.now() + 5_000;
    while (Number(seeder.lastStatus()?.uploaded ?? 0) < 3 * SIZE && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(Number(seeder.lastStatus()?.uploaded)).toBeGreaterThanOrEqual(3 * SIZE);
    expect((await seeder.interrupt()).code).toBe(0);
  });

  it('a restart on the same state folder trusts the record; a changed file is hashed again', async () => {
    const stateDir = join(root, 'state-restart');
    const first = await startTesseraSeed(cleanup, { torrent: single.torrentPath, dir: join(root, 'src'), stateDir });
    expect(first.ready).toMatchObject({ verified: single.pieces, checkedPieces: single.pieces, resumedPieces: 0 });
    const e0 = await first.interrupt();
    expect(e0.code, `${JSON.stringify(e0)}\n${first.proc.describe()}`).toBe(0);
    const again = await startTesseraSeed(cleanup, { torrent: single.torrentPath, dir: join(root, 'src'), stateDir });
    expect(again.ready).toMatchObject({ verified: single.pieces, checkedPieces: 0, resumedPieces: single.pieces });
    const e1 = await again.interrupt();
    expect(e1.code, `${JSON.stringify(e1)}\n${again.proc.describe()}`).toBe(0);

    // Same bytes, new modification time: the record no longer vouches for the file.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(root, 'src', 'many.bin'), later, later);
    const rechecked = await startTesseraSeed(cleanup, { torrent: single.torrentPath, dir: join(root, 'src'), stateDir });
    expect(rechecked.ready).toMatchObject({ verified: single.pieces, checkedPieces: single.pieces, resumedPieces: 0 });
    // And it still serves.
    const r = await runLtLeecher(cleanup, { torrent: single.torrentPath, save: join(root, 'dl-after'), peers: [rechecked.address], timeoutSeconds: 60, progressInterval: 0 });
    expect(r.hashFailures).toBe(0);
    await assertSameFile(join(root, 'src', 'many.bin'), join(root, 'dl-after', 'many.bin'));
    expect((await rechecked.interrupt()).code).toBe(0);
  });
});
