/**
 * Issue 5, control of each torrent, driven through the engine API (as the app and the web
 * host do) against a libtorrent seeder that is rate-limited so there is time to act:
 *  - pause stops the transfer (nothing more arrives) while another torrent carries on;
 *    the paused flag, the torrent's own speed limits, sequential and first/last-pieces-first
 *    survive a restart of the session; resume finishes byte-identical;
 *  - a save folder that cannot be made puts only that torrent into the error state, with
 *    the reason; once the cause is gone, resume() works;
 *  - remove keeps the data or deletes it (files and the folders they leave empty), and
 *    forgets the torrent's state-folder records either way.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineSession } from '../../electron/engine/index.js';
import { assertSameFile, assertSameTree, Cleanup, createTorrent, startLtSeeder, writeRandomFile, writeTree, type LtSeeder, type TorrentInfo, waitForTorrent } from '../support/index.js';

const SIZE = 8 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let a: TorrentInfo;
let b: TorrentInfo;
let c: TorrentInfo;
let seeder: LtSeeder;
let session: EngineSession;
const stateDir = (): string => join(root, 'state');

function newSession(): Promise<EngineSession> {
  return createSession({ downloadDir: join(root, 'dl'), port: 0, listenHost: '127.0.0.1', dht: false, stateDir: stateDir(), restore: true });
}

const seederPeer = (): { host: string; port: number } => ({ host: '127.0.0.1', port: seeder.port });

beforeAll(async () => {
  root = await cleanup.tempDir('lifecycle-control');
  await writeRandomFile(join(root, 'src', 'a.bin'), SIZE, 'control-a');
  await writeRandomFile(join(root, 'src', 'b.bin'), SIZE, 'control-b');
  await writeTree(join(root, 'src', 'c-tree'), [{ path: 'x/c1.bin', size: 300_000 }, { path: 'x/y/c2.bin', size: 200_000 }], 'control-c');
  a = await createTorrent({ path: join(root, 'src', 'a.bin'), out: join(root, 'a.torrent'), pieceLength: 128 * 1024 });
  b = await createTorrent({ path: join(root, 'src', 'b.bin'), out: join(root, 'b.torrent'), pieceLength: 128 * 1024 });
  c = await createTorrent({ path: join(root, 'src', 'c-tree'), out: join(root, 'c.torrent'), pieceLength: 64 * 1024 });
  // 4 MiB/s for everything it serves: each 8 MiB torrent takes seconds, not milliseconds.
  seeder = await startLtSeeder(cleanup, { torrents: [a.torrentPath, b.torrentPath, c.torrentPath], save: join(root, 'src'), uploadLimit: 4 * 1024 * 1024 });
  session = await newSession();
  cleanup.add(() => session.close()); // the latest session (reassigned on restart)
});
afterAll(() => cleanup.run());

describe('pause, resume, error state, remove', () => {
  it('pause stops one torrent while another carries on; the pause survives a restart; resume finishes', async () => {
    const dir = join(root, 'dl');
    let ta = await session.add({ kind: 'torrent', bytes: await readFile(a.torrentPath) }, { savePath: dir, peers: [seederPeer()] });
    const tb = await session.add({ kind: 'torrent', bytes: await readFile(b.torrentPath) }, { savePath: dir, peers: [seederPeer()] });
    await waitForTorrent(ta, 'a quarter of A', () => ta.stats().completedBytes >= SIZE / 4);
    // Per-torrent settings the user made must come back with it.
    ta.setRateLimits!({ download: 3_000_000, upload: 70_000 });
    ta.setFirstLastPiecesFirst!(true);
    ta.setSequential(true);
    await ta.pause();
    expect(ta.stats().state).toBe('paused');
    expect(ta.stats().peers).toBe(0);
    const frozen = ta.stats();
    expect(frozen.completedBytes).toBeLessThan(SIZE);

    // B keeps going and finishes; A does not move meanwhile.
    await waitForTorrent(tb, 'B to finish', () => tb.stats().state === 'seeding');
    await assertSameFile(join(root, 'src', 'b.bin'), join(dir, 'b.bin'));
    expect(ta.stats()).toMatchObject({ state: 'paused', downloaded: frozen.downloaded, completedBytes: frozen.completedBytes, peers: 0 });

    // Restart: A comes back paused, with its pieces, without hashing them.
    await session.close();
    session = await newSession();
    const restored = session.get(a.infoHash);
    expect(restored, 'A restored from the state folder').toBeDefined();
    ta = restored!;
    expect(ta.stats()).toMatchObject({ state: 'paused', completedBytes: frozen.completedBytes, checkedPieces: 0, sequential: true, firstLastPiecesFirst: true });
    expect(ta.rateLimits!()).toEqual({ download: 3_000_000, upload: 70_000 });
    expect(session.get(b.infoHash)?.stats().state).toBe('seeding');

    await ta.resume();
    ta.addPeers([seederPeer()]);
    await waitForTorrent(ta, 'A to finish', () => ta.stats().state === 'seeding');
    await assertSameFile(join(root, 'src', 'a.bin'), join(dir, 'a.bin'));
    expect(ta.stats().hashFailures).toBe(0);
  });

  it('a save folder that cannot be made: that torrent errors with the reason, resume works once it is fixed', async () => {
    // A regular file where the save folder should be.
    const blocked = join(root, 'blocked');
    await writeFile(blocked, 'not a folder');
    const tc = await session.add({ kind: 'torrent', bytes: await readFile(c.torrentPath) }, { savePath: blocked, peers: [seederPeer()] });
    expect(tc.stats().state).toBe('error');
    expect(tc.stats().error ?? '').toMatch(/save folder|EEXIST|ENOTDIR/);
    // The others are unaffected.
    expect(session.get(a.infoHash)?.stats().state).toBe('seeding');

    await rm(blocked);
    await tc.resume();
    tc.addPeers([seederPeer()]);
    await waitForTorrent(tc, 'C to finish after the fix', () => tc.stats().state === 'seeding');
    await assertSameTree(join(root, 'src', 'c-tree'), join(blocked, 'c-tree'));
  });

  it('remove keeps the data or deletes it, and forgets the records', async () => {
    const dir = join(root, 'dl');
    const records = (hash: string): boolean[] => ['torrent', 'resume'].map((ext) => existsSync(join(stateDir(), 'torrents', `${hash}.${ext}`)));
    expect(records(a.infoHash)).toEqual([true, true]);

    await session.remove(a.infoHash, { deleteData: false });
    expect(session.get(a.infoHash)).toBeUndefined();
    expect(records(a.infoHash)).toEqual([false, false]);
    await assertSameFile(join(root, 'src', 'a.bin'), join(dir, 'a.bin'));

    await session.remove(c.infoHash, { deleteData: true });
    expect(records(c.infoHash)).toEqual([false, false]);
    expect(existsSync(join(root, 'blocked', 'c-tree')), 'deleted files leave no empty folders behind').toBe(false);
    expect(existsSync(join(root, 'blocked')), 'the save folder itself stays').toBe(true);

    // Nothing of them comes back on the next start.
    await session.close();
    session = await newSession();
    expect(session.list().map((t) => t.infoHash)).toEqual([b.infoHash]);
  });
});
