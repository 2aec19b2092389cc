/**
 * Issue 5, file priorities: skip one file of a multi-file torrent. Driven through the
 * engine API in this process (the CLI has no file-selection flag): `setFilePriority(i, 0)`
 * before the torrent starts, a libtorrent seeder as the only peer.
 *  - pieces made only of the skipped file's bytes are never requested: no block of them
 *    ever arrives (`block` events), they never show as in flight or verified, and both
 *    Tessera's and the seeder's byte counts equal exactly the wanted pieces;
 *  - pieces it shares with wanted files are still fetched, and the wanted files are
 *    byte-identical; the skipped file (and its folder) is never created: its bytes of the
 *    shared pieces are kept in the part file `<save>/.<info-hash>.parts`, like libtorrent's;
 *  - after a restart (same state folder) the skip and the verified pieces are restored from
 *    the resume record, nothing hashed; a libtorrent leecher whose only peer is Tessera then
 *    gets every piece Tessera has, the shared ones included, and its copies of the wanted
 *    files are byte-identical (the shared pieces are served from the part file);
 *  - a forced recheck keeps those shared pieces (hashed with their part-file bytes);
 *  - un-skipping the file moves its bytes out of the part file (the shared pieces are not
 *    fetched again, the part file goes) and completes the whole tree byte-identical;
 *  - removing the torrent with its data deletes the part file too;
 *  - skipped while it downloads (its file exists by then): every piece Tessera then announces
 *    passes a libtorrent leecher's hash check, and un-skipping completes it byte-identical.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineSession, type EngineTorrent } from '../../electron/engine/index.js';
import { torrentSummary } from '../../electron/engine/service/views.js';
import { assertSameFile, assertSameTree, Cleanup, createTorrent, startLtLeecher, startLtSeeder, writeTree, type FileSpec, type LtSeeder, type TorrentInfo } from '../support/index.js';

const PIECE = 64 * 1024;
const FILES: FileSpec[] = [
  { path: 'a.bin', size: 100_000 },
  { path: 'b/skipped.bin', size: 1_000_000 },
  { path: 'c.bin', size: 150_000 },
];
const IN_FLIGHT = 1;
const VERIFIED = 2;
/** Missing and not wanted: the mosaic draws them apart from pieces still to come. */
const SKIPPED = 4;

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let session: EngineSession;
let t: EngineTorrent;
let skipIndex = -1;
/** Pieces holding only the skipped file's bytes, and pieces it shares with wanted files. */
const exclusive: number[] = [];
const shared: number[] = [];
const blocksSeen = new Set<number>();
const statusSeen = new Set<number>();

function uploadedBy(s: LtSeeder): number {
  const last = s.proc.jsonLines().filter((l) => l.event === 'status').at(-1);
  return typeof last?.uploaded === 'number' ? last.uploaded : 0;
}

/** Where Tessera keeps the skipped file's bytes of shared pieces (libtorrent's naming). */
function partFile(dir: string): string {
  return join(dir, `.${torrent.infoHash}.parts`);
}

function waitForDone(torrent: EngineTorrent, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not done within ${timeoutMs} ms: ${JSON.stringify(torrent.stats())}`)), timeoutMs);
    torrent.on('done', () => {
      clearTimeout(timer);
      resolve();
    });
    torrent.on('error', (m) => {
      clearTimeout(timer);
      reject(new Error(m));
    });
  });
}

beforeAll(async () => {
  root = await cleanup.tempDir('lifecycle-skip');
  await writeTree(join(root, 'src', 'skiptree'), FILES, 'lifecycle-skip');
  torrent = await createTorrent({ path: join(root, 'src', 'skiptree'), out: join(root, 'skiptree.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), statusInterval: 0.1 });

  skipIndex = torrent.files.findIndex((f) => f.path === 'skiptree/b/skipped.bin');
  expect(skipIndex).toBeGreaterThanOrEqual(0);
  let offset = 0;
  const owners: Array<Set<number>> = Array.from({ length: torrent.pieces }, () => new Set<number>());
  torrent.files.forEach((f, i) => {
    for (let p = Math.floor(offset / PIECE); f.size > 0 && p <= Math.floor((offset + f.size - 1) / PIECE); p++) owners[p]!.add(i);
    offset += f.size;
  });
  owners.forEach((o, p) => {
    if (o.has(skipIndex) && o.size === 1) exclusive.push(p);
    else if (o.has(skipIndex)) shared.push(p);
  });
  // The fixture must be worth testing: many pieces only the skipped file has, and shared ones.
  expect(exclusive.length).toBeGreaterThanOrEqual(10);
  expect(shared.length).toBeGreaterThanOrEqual(1);

  session = await createSession({ downloadDir: join(root, 'dl'), port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, 'state'), restore: false });
  cleanup.add(() => session.close());  // the latest session (reassigned on restart)
});
afterAll(() => cleanup.run());

describe('skipping a file of a multi-file torrent', () => {
  it('never requests its own pieces, still fetches shared ones, and never creates it', async () => {
    const dir = join(root, 'dl');
    t = await session.add({ kind: 'torrent', bytes: await readFile(torrent.torrentPath) }, { savePath: dir, paused: true });
    expect(t.files()[skipIndex]!.path).toBe('skiptree/b/skipped.bin');
    t.setFilePriority(skipIndex, 0);
    expect(t.files()[skipIndex]!.priority).toBe(0);
    t.on('block', (index) => blocksSeen.add(index));
    const poll = setInterval(() => t.pieceStatus().forEach((s, i) => (s === IN_FLIGHT || s === VERIFIED) && statusSeen.add(i)), 10);
    const done = waitForDone(t, 60_000);
    t.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await t.resume();
    await done.finally(() => clearInterval(poll));

    const requested = exclusive.filter((p) => blocksSeen.has(p) || statusSeen.has(p));
    expect(requested, `pieces only the skipped file has that were fetched anyway (of ${exclusive.join(',')})`).toEqual([]);
    const status = t.pieceStatus();
    expect(exclusive.filter((p) => status[p] !== SKIPPED)).toEqual([]);
    expect(shared.filter((p) => status[p] !== VERIFIED)).toEqual([]);
    expect([...status].filter((s) => s === VERIFIED)).toHaveLength(torrent.pieces - exclusive.length);

    // Byte counts on both sides: exactly the wanted pieces, nothing of the skipped file's own.
    const wantedBytes = torrent.totalSize - exclusive.length * PIECE + (exclusive.includes(torrent.pieces - 1) ? PIECE - torrent.lastPieceLength : 0);
    expect(t.stats().downloaded).toBe(wantedBytes);
    await new Promise((r) => setTimeout(r, 300));
    expect(uploadedBy(seeder)).toBe(wantedBytes);

    for (const f of FILES.filter((f) => f.path !== 'b/skipped.bin')) {
      await assertSameFile(join(root, 'src', 'skiptree', f.path), join(dir, 'skiptree', f.path));
    }
    expect(existsSync(join(dir, 'skiptree', 'b', 'skipped.bin')), 'the skipped file was created').toBe(false);
    expect(existsSync(join(dir, 'skiptree', 'b')), 'the skipped file\'s folder was created').toBe(false);
    expect(existsSync(partFile(dir)), 'no part file for the shared pieces').toBe(true);
    expect(t.stats().state).toBe('seeding');
    // As qBittorrent shows it: 100% of the wanted part (the shared pieces count as wanted), no
    // ETA; the whole torrent stays as totalSize.
    const wantedSize = torrent.totalSize - exclusive.length * PIECE + (exclusive.includes(torrent.pieces - 1) ? PIECE - torrent.lastPieceLength : 0);
    expect(torrentSummary(t)).toMatchObject({ state: 'seeding', progress: 1, size: wantedSize, completedBytes: wantedSize, totalSize: torrent.totalSize, eta: null });
  });

  it('after a restart the skip and the verified pieces come back from the resume record', async () => {
    const dir = join(root, 'dl');
    await session.close();
    session = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, 'state'), restore: false });
    t = await session.add({ kind: 'torrent', bytes: await readFile(torrent.torrentPath) }, { savePath: dir });
    expect(t.files()[skipIndex]!.priority).toBe(0);
    expect(t.stats()).toMatchObject({ state: 'seeding', checkedPieces: 0, resumedPieces: torrent.pieces - exclusive.length });
    expect(existsSync(join(dir, 'skiptree', 'b'))).toBe(false);
  });

  it('serves the pieces it shares with wanted files to a libtorrent leecher, byte-identical, from the part file', async () => {
    const dir = join(root, 'dl');
    const verified = [...t.pieceStatus()].flatMap((s, i) => (s === VERIFIED ? [i] : []));
    const l = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath,
      save: join(root, 'lt-shared'),
      peers: [`127.0.0.1:${session.port}`],
      // It can never finish (the skipped file's own pieces are nowhere): it stops on the timeout.
      timeoutSeconds: 8,
      progressInterval: 0,
      logAlerts: true,
      reportPieces: true,
    });
    await l.proc.exited;
    const failures = l.proc.lines.filter((line) => line.includes('hash_failed_alert'));
    expect(failures, failures.join('\n')).toEqual([]);
    const end = l.proc.jsonLines().find((j) => j.event === 'timeout');
    // libtorrent verified exactly what Tessera has: every shared piece, none of the skipped file's own.
    expect(end?.pieces, JSON.stringify(end)).toEqual(verified);
    expect(shared.every((p) => verified.includes(p))).toBe(true);
    // The wanted files need the shared piece(s): a wanted file shares a piece with the skipped one.
    for (const f of FILES.filter((f) => f.path !== 'b/skipped.bin')) {
      await assertSameFile(join(root, 'src', 'skiptree', f.path), join(root, 'lt-shared', 'skiptree', f.path));
    }
    expect(t.stats().uploaded).toBeGreaterThanOrEqual(verified.length * PIECE - PIECE);
    expect(existsSync(join(dir, 'skiptree', 'b')), 'serving created the skipped file').toBe(false);
  });

  it('a forced recheck keeps the shared pieces: their skipped bytes are hashed from the part file', async () => {
    const dir = join(root, 'dl');
    const before = [...t.pieceStatus()];
    expect(shared.every((p) => before[p] === VERIFIED)).toBe(true);
    // The mosaic while it checks: the skipped file's own pieces stay Skipped, never Missing.
    const during: number[][] = [];
    const sample = (): void => void during.push([...t.pieceStatus()]);
    t.on('piece', sample);
    await t.recheck!();
    t.off('piece', sample);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((s) => s.length === torrent.pieces && exclusive.some((p) => s[p] !== SKIPPED))).toEqual([]);
    expect([...t.pieceStatus()]).toEqual(before);
    expect(t.files()[skipIndex]!.priority).toBe(0);
    expect(t.stats().state).toBe('seeding');
    expect(existsSync(partFile(dir)), 'the recheck dropped the part file').toBe(true);
    expect(existsSync(join(dir, 'skiptree', 'b')), 'the recheck created the skipped file').toBe(false);
  });

  it('un-skipping it moves its bytes out of the part file and completes the whole tree byte-identical', async () => {
    const dir = join(root, 'dl');
    const fetched = new Set<number>();
    t.on('block', (index) => fetched.add(index));
    const done = waitForDone(t, 60_000);
    t.setFilePriority(skipIndex, 1);
    expect(t.stats().state).toBe('downloading');
    t.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await done;
    await assertSameTree(join(root, 'src', 'skiptree'), join(dir, 'skiptree'));
    expect(t.stats().hashFailures).toBe(0);
    // The shared pieces stayed verified: their skipped bytes came from the part file, not the network.
    expect(shared.filter((p) => fetched.has(p)), 'shared pieces fetched again').toEqual([]);
    expect(exclusive.filter((p) => !fetched.has(p)), 'the skipped file\'s own pieces not fetched').toEqual([]);
    expect(existsSync(partFile(dir)), 'the part file outlived its last piece').toBe(false);
  });
});

describe('removing a torrent with its data', () => {
  it('deletes the part file with the files', async () => {
    const dir = join(root, 'dl-remove');
    const s = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, 'state-remove'), restore: false });
    cleanup.add(() => s.close());
    const tr = await s.add({ kind: 'torrent', bytes: await readFile(torrent.torrentPath) }, { savePath: dir, paused: true });
    tr.setFilePriority(skipIndex, 0);
    const done = waitForDone(tr, 60_000);
    tr.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await tr.resume();
    await done;
    expect(existsSync(partFile(dir))).toBe(true);
    await s.remove(tr.infoHash, { deleteData: true });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('skipping a file while it downloads', () => {
  it('pieces it shares with wanted files are still served correctly (a libtorrent leecher verifies them)', async () => {
    const dir = join(root, 'dl-mid');
    const s = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, 'state-mid'), restore: false });
    cleanup.add(() => s.close());
    // A slow seeder of its own: when the file is skipped, the next pieces are still on the way.
    const slow = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: 1024 * 1024 });
    const tm = await s.add({ kind: 'torrent', bytes: await readFile(torrent.torrentPath) }, { savePath: dir, paused: true });
    // In order, so the skipped file's own pieces come first and its file exists when it is skipped.
    tm.setSequential(true);
    let skippedAfter = -1;
    tm.on('piece', (index, ok) => {
      if (ok && skippedAfter < 0 && exclusive.includes(index)) {
        skippedAfter = index;
        tm.setFilePriority(skipIndex, 0);
      }
    });
    const done = waitForDone(tm, 60_000);
    tm.addPeers([{ host: '127.0.0.1', port: slow.port }]);
    await tm.resume();
    await done;
    expect(skippedAfter).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(dir, 'skiptree', 'b', 'skipped.bin')), 'the file existed before it was skipped').toBe(true);
    const status = tm.pieceStatus();
    expect(shared.filter((p) => status[p] !== VERIFIED)).toEqual([]);

    // A libtorrent leecher whose only peer is Tessera takes everything Tessera has: every piece it
    // announces, the shared ones included, must pass libtorrent's hash check.
    const peerPort = s.port;
    const l = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath,
      save: join(root, 'lt-mid'),
      peers: [`127.0.0.1:${peerPort}`],
      timeoutSeconds: 6,
      progressInterval: 0.5,
      logAlerts: true,
    });
    await l.proc.exited;
    const failures = l.proc.lines.filter((line) => line.includes('hash_failed_alert'));
    expect(failures, failures.join('\n')).toEqual([]);
    const had = [...status].filter((x) => x === VERIFIED).length;
    const last = l.proc.jsonLines().filter((j) => j.event === 'progress' || j.event === 'timeout').at(-1);
    // It got every verified piece Tessera announced (progress is by bytes: at least the shared ones' worth).
    expect(Number(last?.bytes ?? 0), JSON.stringify(last)).toBeGreaterThanOrEqual((had - 1) * PIECE);

    // It existed when it was skipped: its bytes went on into it, no part file.
    expect(existsSync(partFile(dir))).toBe(false);

    // Wanted again: whatever was verified while it was skipped was really stored, so it completes right.
    const again = waitForDone(tm, 60_000);
    tm.setFilePriority(skipIndex, 1);
    tm.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await again;
    await assertSameTree(join(root, 'src', 'skiptree'), join(dir, 'skiptree'));
  });
});
