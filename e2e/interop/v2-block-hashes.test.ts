/**
 * BEP 52 block hashes (layer 0 of a file's merkle tree) served to libtorrent. When a piece of a
 * v2 torrent fails its check, libtorrent asks a v2 peer for that piece's 16 KiB block hashes
 * (hash_picker.cpp verify_block_hashes: base 0, one piece's blocks, proofs to the root) to learn
 * which blocks were bad. Here a piece fails because one `tessera seed` serves data changed on
 * disk after it verified it (while it runs: a restart would hash the changed file again); once libtorrent has banned it, it
 * dials a good `tessera seed`, which must answer the block-hash request with hashes (computed
 * from its data), not a reject; the download completes byte-identical.
 */
import { cp, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSameTree, Cleanup, createTorrent, requireBuiltCli, startLtLeecher, startTesseraSeed, writeTree, type FileSpec, type TorrentInfo } from '../support/index.js';

const PIECE = 64 * 1024;
const FILES: FileSpec[] = [
  { path: 'big.bin', size: 8 * PIECE + 777 },
  { path: 'small.bin', size: 3 * PIECE },
];

const cleanup = new Cleanup();
let root = '';
let v2: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('v2-block-hashes');
  await writeTree(join(root, 'good', 'tree'), FILES, 'v2-block-hashes');
  await cp(join(root, 'good'), join(root, 'bad'), { recursive: true });
  v2 = await createTorrent({ path: join(root, 'good', 'tree'), out: join(root, 'v2.torrent'), pieceLength: PIECE, v2: true });
});
afterAll(() => cleanup.run());

/** Flips one byte in the second block of each whole piece of the file. */
async function corrupt(path: string, pieces: number): Promise<void> {
  const f = await open(path, 'r+');
  try {
    for (let p = 0; p < pieces; p++) {
      const at = p * PIECE + 16 * 1024 + 5;
      const b = Buffer.alloc(1);
      await f.read(b, 0, 1, at);
      b[0]! ^= 0xff;
      await f.write(b, 0, 1, at);
    }
  } finally {
    await f.close();
  }
}

describe('BEP 52 block hashes for libtorrent', () => {
  it('libtorrent asks tessera seed for the block hashes of a failed piece and gets them', async () => {
    // The bad seed verifies its data, then the data changes under it while it runs: it serves
    // what is on disk now (uploads are not hashed again, as in libtorrent).
    const bad = await startTesseraSeed(cleanup, { torrent: v2.torrentPath, dir: join(root, 'bad'), stateDir: join(root, 'bad-state') });
    expect(bad.ready).toMatchObject({ checkedPieces: v2.pieces });
    await corrupt(join(root, 'bad', 'tree', 'big.bin'), 8);
    const good = await startTesseraSeed(cleanup, { torrent: v2.torrentPath, dir: join(root, 'good'), stateDir: join(root, 'good-state') });

    const dl = join(root, 'lt-dl');
    const leech = await startLtLeecher(cleanup, {
      torrent: v2.torrentPath,
      save: dl,
      peers: [bad.address],
      peersAfterHashFailure: [good.address],
      logHashMessages: true,
      timeoutSeconds: 120,
      progressInterval: 0,
    });
    const r = await leech.done;
    expect(r.hashFailures).toBeGreaterThanOrEqual(1);
    await assertSameTree(join(root, 'good', 'tree'), join(dl, 'tree'));
    const fromGood = leech.proc
      .jsonLines()
      .filter((l) => l.event === 'hash-message' && l.endpoint === good.address)
      .map((l) => String(l.message));
    expect(fromGood.filter((m) => m.includes('HASH_REJECT')), fromGood.join('\n')).toEqual([]);
    expect(fromGood.some((m) => /<== HASHES \[ file: \d+ base: 0 idx: \d+ cnt: 4 /.test(m)), fromGood.join('\n')).toBe(true);
    expect((await good.interrupt()).code).toBe(0);
    expect((await bad.interrupt()).code).toBe(0);
  });
});
