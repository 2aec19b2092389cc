/**
 * Issue 5, fast resume after a clean stop: `tessera download` is stopped with Ctrl-C
 * (SIGINT) once about half the torrent came in, then the very same command runs again.
 * The second run must trust the resume record instead of hashing the data again
 * (checkedPieces 0, resumedPieces = the pieces the record holds), fetch only what is
 * missing, and finish byte-identical.
 *
 * The libtorrent seeder is upload rate-limited so "about half" is a matter of seconds,
 * not of luck; its own count of bytes uploaded says when half is there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResume } from '../../electron/engine/resume/resume-data.js';
import { Bitfield } from '../../electron/engine/util/bitfield.js';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  downloadArgs,
  requireBuiltCli,
  startLtSeeder,
  startTessera,
  tesseraDownload,
  writeRandomFile,
  type DownloadJson,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';
import { waitUntil } from '../support/test-utils.js';

const SIZE = 32 * 1024 * 1024;
const PIECE = 256 * 1024;
const SEEDER_LIMIT = 8 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

function uploadedBy(s: LtSeeder): number {
  const last = s.proc.jsonLines().filter((l) => l.event === 'status').at(-1);
  return typeof last?.uploaded === 'number' ? last.uploaded : 0;
}

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('resume-restart');
  await writeRandomFile(join(root, 'src', 'restart.bin'), SIZE, 'resume-restart');
  torrent = await createTorrent({ path: join(root, 'src', 'restart.bin'), out: join(root, 'restart.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: SEEDER_LIMIT, statusInterval: 0.1 });
});
afterAll(() => cleanup.run());

describe('restart after Ctrl-C', () => {
  it('continues from the resume record without re-hashing and finishes byte-identical', async () => {
    const dir = join(root, 'dl');
    const stateDir = join(root, 'state');
    const opts = { torrent: torrent.torrentPath, dir, peers: [seeder.address], extraArgs: ['--state-dir', stateDir, '--no-dht'] };

    // Run 1: stop it with Ctrl-C past the half-way mark.
    const first = startTessera(cleanup, downloadArgs(opts));
    // The seeder's count runs ahead of what Tessera verified (socket buffers): stop at ~40% sent.
    await waitUntil('about half the torrent to be uploaded', () => uploadedBy(seeder) >= SIZE * 0.4, { timeoutMs: 60_000, alive: () => first.exitInfo === null, pollMs: 50 });
    first.child.kill('SIGINT');
    const exit1 = await first.exited;
    expect(exit1.code, first.describe()).toBe(130);
    const json1 = first.jsonLines().at(-1) as DownloadJson | undefined;
    expect(json1, first.describe()).toBeDefined();
    expect(json1!.state).toBe('downloading');
    expect(json1!.checkedPieces).toBe(0);

    // What the record on disk holds: that many pieces must be trusted by run 2.
    const record = decodeResume(await readFile(join(stateDir, 'torrents', `${torrent.infoHash}.resume`)));
    expect(record, 'resume record after Ctrl-C').not.toBeNull();
    expect(record!.savePath).toBe(dir);
    const recorded = new Bitfield(torrent.pieces, record!.have).count;
    expect(recorded).toBeGreaterThanOrEqual(torrent.pieces * 0.25);
    expect(recorded).toBeLessThan(torrent.pieces);

    // Run 2: the same command.
    const r = await tesseraDownload({ ...opts, timeoutMs: 120_000 });
    const j = assertDownloadOk({ ...r, json: r.json ? { ...r.json, downloaded: r.json.downloaded + recorded * PIECE } : null }, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'restart.bin'), join(dir, 'restart.bin'));
    expect(j.checkedPieces, 'pieces hashed from disk at start').toBe(0);
    expect(j.resumedPieces, 'pieces trusted from the resume record').toBe(recorded);
    // Only the missing pieces came over the wire (one honest seeder: nothing wasted).
    expect(r.json!.downloaded).toBe(SIZE - recorded * PIECE);
    process.stderr.write(`resume-restart: run 1 kept ${recorded}/${torrent.pieces} pieces; run 2 hashed ${j.checkedPieces}, trusted ${j.resumedPieces}, downloaded ${r.json!.downloaded} bytes\n`);
  });
});
