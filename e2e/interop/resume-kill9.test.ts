/**
 * Issue 5, crash safety: `tessera download` is killed with SIGKILL mid-download at three
 * points, each time started again with the same command. After the last kill a run goes to
 * the end. Checked:
 *  - the final file is byte-identical and no piece failed its hash: a corrupt piece was
 *    never counted as verified (one is planted after the last kill, as a torn write would
 *    leave it: the run after it must fetch that piece again);
 *  - the completing run keeps every piece that is intact on disk and fetches exactly the
 *    others (its `downloaded` is the missing pieces' bytes, no more, no less);
 *  - files written after the last resume record are hashed again (checkedPieces > 0), and
 *    after the clean finish the same command trusts the record and hashes nothing.
 */
import { open, readFile } from 'node:fs/promises';
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
  freePort,
  requireBuiltCli,
  startLtSeeder,
  startTessera,
  tesseraDownload,
  waitForListening,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';
import { waitUntil } from '../support/test-utils.js';

const SIZE = 32 * 1024 * 1024;
const PIECE = 256 * 1024;
const SEEDER_LIMIT = 8 * 1024 * 1024;
/** Kill points: fractions of the torrent the seeder has uploaded in total (over all runs). */
const KILL_AT = [0.2, 0.45, 0.7];
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let source: Buffer;

function uploadedBy(s: LtSeeder): number {
  const last = s.proc.jsonLines().filter((l) => l.event === 'status').at(-1);
  return typeof last?.uploaded === 'number' ? last.uploaded : 0;
}

/** Indexes of the pieces whose bytes on disk equal the source's. */
async function intactPieces(file: string): Promise<number[]> {
  const data = await readFile(file).catch(() => Buffer.alloc(0));
  const out: number[] = [];
  for (let i = 0; i < torrent.pieces; i++) {
    const a = data.subarray(i * PIECE, (i + 1) * PIECE);
    if (a.length > 0 && a.equals(source.subarray(i * PIECE, (i + 1) * PIECE))) out.push(i);
  }
  return out;
}

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('resume-kill9');
  await writeRandomFile(join(root, 'src', 'crash.bin'), SIZE, 'resume-kill9');
  source = await readFile(join(root, 'src', 'crash.bin'));
  torrent = await createTorrent({ path: join(root, 'src', 'crash.bin'), out: join(root, 'crash.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: SEEDER_LIMIT, statusInterval: 0.1 });
});
afterAll(() => cleanup.run());

describe('kill -9 mid-download, then the same command again', () => {
  it('finishes byte-identical, keeps intact pieces, never trusts a corrupt one, and does not re-hash after a clean finish', async () => {
    const dir = join(root, 'dl');
    const file = join(dir, 'crash.bin');
    const opts = { torrent: torrent.torrentPath, dir, peers: [seeder.address], extraArgs: ['--state-dir', join(root, 'state'), '--no-dht'] };
    const story: string[] = [];

    let planted = -1;
    for (const [k, fraction] of KILL_AT.entries()) {
      const run = startTessera(cleanup, downloadArgs(opts));
      await waitUntil(`${fraction * 100}% uploaded (kill ${k + 1})`, () => uploadedBy(seeder) >= SIZE * fraction, { timeoutMs: 60_000, alive: () => run.exitInfo === null, pollMs: 20 });
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal, run.describe()).toBe('SIGKILL');
      const intact = await intactPieces(file);
      story.push(`kill ${k + 1} at ${Math.round(uploadedBy(seeder) / 1024)} KiB uploaded: ${intact.length}/${torrent.pieces} pieces intact`);
      expect(intact.length, story.join('\n')).toBeLessThan(torrent.pieces);
      if (k === KILL_AT.length - 1) {
        // A torn write: one byte of a piece that was complete on disk is now wrong.
        expect(intact.length, story.join('\n')).toBeGreaterThan(0);
        planted = intact[Math.floor(intact.length / 2)]!;
        const fh = await open(file, 'r+');
        const at = planted * PIECE + 12_345;
        const byte = Buffer.alloc(1);
        await fh.read(byte, 0, 1, at);
        byte[0] = byte[0]! ^ 0xff;
        await fh.write(byte, 0, 1, at);
        await fh.close();
        story.push(`planted a corrupt byte in piece ${planted}`);
      }
    }
    const intactBeforeLast = await intactPieces(file);
    expect(intactBeforeLast).not.toContain(planted);

    // The run that completes.
    const r = await tesseraDownload({ ...opts, timeoutMs: 120_000 });
    expect(r.exit.code, `${story.join('\n')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    const missingBytes = (torrent.pieces - intactBeforeLast.length) * PIECE;
    const j = assertDownloadOk({ ...r, json: r.json ? { ...r.json, downloaded: r.json.downloaded + SIZE - missingBytes } : null }, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'crash.bin'), file);
    story.push(`final run: hashed ${j.checkedPieces}, trusted ${j.resumedPieces}, downloaded ${r.json!.downloaded} bytes (${missingBytes} missing)`);
    // The data changed after the last record was written: it was hashed, not trusted.
    expect(j.checkedPieces, story.join('\n')).toBeGreaterThan(0);
    // Every intact piece kept, every other one (the planted one included) fetched once.
    expect(r.json!.downloaded, story.join('\n')).toBe(missingBytes);

    // After the clean finish: the same command hashes nothing and fetches nothing.
    const again = await tesseraDownload({ ...opts, timeoutMs: 60_000 });
    expect(again.exit.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.json, again.stdout).toMatchObject({ checkedPieces: 0, resumedPieces: torrent.pieces, downloaded: 0, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'crash.bin'), file);
    process.stderr.write(`resume-kill9:\n  ${story.join('\n  ')}\n`);
  });

  it('a kill -9 while the resume record is current loses nothing: the next run trusts it', async () => {
    const dir = join(root, 'dl-current');
    const stateDir = join(root, 'state-current');
    const opts = { torrent: torrent.torrentPath, dir, peers: [seeder.address], extraArgs: ['--state-dir', stateDir, '--no-dht'] };
    const recordPath = join(stateDir, 'torrents', `${torrent.infoHash}.resume`);

    // A clean stop at about a third: the record is current.
    const base = uploadedBy(seeder);
    const first = startTessera(cleanup, downloadArgs(opts));
    await waitUntil('a third uploaded', () => uploadedBy(seeder) - base >= SIZE / 3, { timeoutMs: 60_000, alive: () => first.exitInfo === null, pollMs: 20 });
    first.child.kill('SIGINT');
    expect((await first.exited).code, first.describe()).toBe(130);
    const before = await readFile(recordPath);
    const recorded = new Bitfield(torrent.pieces, decodeResume(before)!.have).count;
    expect(recorded).toBeGreaterThan(0);

    // The same torrent with no peer to fetch from (so nothing is written), killed once it listens.
    const port = await freePort();
    const idle = startTessera(cleanup, downloadArgs({ ...opts, peers: [], port }));
    await waitForListening('127.0.0.1', port, 30_000, () => idle.exitInfo === null);
    await new Promise((r) => setTimeout(r, 500));
    idle.child.kill('SIGKILL');
    expect((await idle.exited).signal).toBe('SIGKILL');
    expect((await readFile(recordPath)).equals(before), 'the resume record survived the kill unchanged').toBe(true);

    const r = await tesseraDownload({ ...opts, timeoutMs: 120_000 });
    expect(r.exit.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    await assertSameFile(join(root, 'src', 'crash.bin'), join(dir, 'crash.bin'));
    expect(r.json, r.stdout).toMatchObject({ checkedPieces: 0, resumedPieces: recorded, downloaded: SIZE - recorded * PIECE, hashFailures: 0 });
  });
});
