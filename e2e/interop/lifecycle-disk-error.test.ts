/**
 * Issue 5, a disk that refuses writes mid-download (the ENOSPC case). `tessera download`
 * runs under `prlimit --fsize` (RLIMIT_FSIZE), so writing past the limit fails with EFBIG
 * exactly like a full disk fails with ENOSPC: the small file fits, the big one does not.
 * The run must end in the error state with the reason (one line, exit 1, no crash); the
 * same command without the limit then continues from what was verified and finishes
 * byte-identical.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertSameTree,
  Cleanup,
  createTorrent,
  downloadArgs,
  requireBuiltCli,
  runToEnd,
  startLtSeeder,
  tesseraDownload,
  tesseraEnv,
  TESSERA_CLI,
  writeTree,
  type DownloadJson,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const PIECE = 128 * 1024;
const LIMIT = 2 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('lifecycle-disk');
  await writeTree(join(root, 'src', 'disk'), [{ path: 'a-small.bin', size: 1_000_000 }, { path: 'b-big.bin', size: 6_000_000 }], 'lifecycle-disk');
  torrent = await createTorrent({ path: join(root, 'src', 'disk'), out: join(root, 'disk.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src') });
});
afterAll(() => cleanup.run());

describe('a write error mid-download', () => {
  it('ends in the error state with the reason, and the same command finishes once the cause is gone', async () => {
    const opts = { torrent: torrent.torrentPath, dir: join(root, 'dl'), peers: [seeder.address], extraArgs: ['--state-dir', join(root, 'state'), '--no-dht'] };
    // Files may not grow past LIMIT bytes: b-big.bin cannot be written.
    const limited = await runToEnd('prlimit', [`--fsize=${LIMIT}`, '--', process.execPath, TESSERA_CLI, ...downloadArgs(opts)], {
      timeoutMs: 60_000,
      env: tesseraEnv(),
      label: 'tessera download (fsize-limited)',
    });
    const account = `exit ${limited.exit.code}/${limited.exit.signal}\n${limited.stdout}\n${limited.stderr}`;
    expect(limited.exit.code, account).toBe(1);
    const json = JSON.parse(limited.stdout.trim().split('\n').at(-1) ?? '{}') as DownloadJson & { state?: string; error?: string };
    expect(json.state, account).toBe('error');
    expect(json.error, account).toMatch(/EFBIG|too large/i);
    // The reason in one line, not a stack trace.
    expect(limited.stderr.trim().split('\n'), account).toHaveLength(1);

    const r = await tesseraDownload({ ...opts, timeoutMs: 60_000 });
    expect(r.exit.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    await assertSameTree(join(root, 'src', 'disk'), join(root, 'dl', 'disk'));
    expect(r.json).toMatchObject({ hashFailures: 0, checkedPieces: 0 });
    // What the failed run verified is kept (the record was saved on the way out) and not fetched again.
    // (The short last piece is all b-big.bin, so it is never among them.)
    expect(r.json!.downloaded).toBe(torrent.totalSize - Number(r.json!.resumedPieces) * PIECE);
    process.stderr.write(`lifecycle-disk-error: limited run: ${json.error}; next run kept ${String(r.json!.resumedPieces)} pieces, downloaded ${r.json!.downloaded}\n`);
  });
});
