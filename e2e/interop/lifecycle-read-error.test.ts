/**
 * Issue 5, data that breaks while seeding: the file is cut short under a running seed. The
 * first upload that needs the missing bytes puts the torrent into the error state, naming the
 * file. The user then puts back a copy that is only partly right and resumes: Tessera checks
 * the data again instead of trusting what it verified before, so it serves only the pieces
 * that are really there — a libtorrent leecher verifies every one it gets, no hash failure.
 */
import { copyFile, mkdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineSession } from '../../electron/engine/index.js';
import { Cleanup, createTorrent, startLtLeecher, writeRandomFile, type TorrentInfo, waitForTorrent } from '../support/index.js';

const PIECE = 256 * 1024;
const SIZE = 16 * PIECE;
const VERIFIED = 2;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let session: EngineSession;

beforeAll(async () => {
  root = await cleanup.tempDir('lifecycle-read-error');
  await writeRandomFile(join(root, 'orig', 'data.bin'), SIZE, 'read-error');
  torrent = await createTorrent({ path: join(root, 'orig', 'data.bin'), out: join(root, 'data.torrent'), pieceLength: PIECE });
  session = await createSession({ downloadDir: join(root, 'seed'), port: 0, listenHost: '127.0.0.1', dht: false, restore: false });
  cleanup.add(() => session.close());
});
afterAll(() => cleanup.run());

describe('a file cut short while seeding', () => {
  it('goes to the error state naming the file; resumed on partly restored data, it re-checks and serves only good pieces', async () => {
    const seedDir = join(root, 'seed');
    await mkdir(seedDir, { recursive: true });
    await copyFile(join(root, 'orig', 'data.bin'), join(seedDir, 'data.bin'));
    const t = await session.add({ kind: 'torrent', bytes: await readFile(torrent.torrentPath) }, { savePath: seedDir });
    await waitForTorrent(t, 'seeding', () => t.stats().state === 'seeding');

    await truncate(join(seedDir, 'data.bin'), SIZE / 2);
    const first = await startLtLeecher(cleanup, { torrent: torrent.torrentPath, save: join(root, 'lt-1'), peers: [`127.0.0.1:${session.port}`], timeoutSeconds: 20, progressInterval: 0 });
    await waitForTorrent(t, 'the error state', () => t.stats().state === 'error');
    expect(t.stats().error).toMatch(/data\.bin/);
    await first.stop();

    // "Fixed" with a copy whose second half is zeros: those pieces must not be served.
    await copyFile(join(root, 'orig', 'data.bin'), join(seedDir, 'data.bin'));
    await truncate(join(seedDir, 'data.bin'), SIZE / 2);
    await truncate(join(seedDir, 'data.bin'), SIZE);
    await t.resume();
    await waitForTorrent(t, 'the re-check', () => t.stats().state !== 'checking' && t.stats().state !== 'error');
    const good = [...t.pieceStatus()].flatMap((s, i) => (s === VERIFIED ? [i] : []));
    expect(good).toEqual(Array.from({ length: torrent.pieces / 2 }, (_, i) => i));
    expect(t.stats().state).toBe('downloading');

    const second = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath, save: join(root, 'lt-2'), peers: [`127.0.0.1:${session.port}`], timeoutSeconds: 6, progressInterval: 0, logAlerts: true, reportPieces: true,
    });
    await second.proc.exited;
    expect(second.proc.lines.filter((l) => l.includes('hash_failed_alert'))).toEqual([]);
    const end = second.proc.jsonLines().find((j) => j.event === 'timeout');
    expect(end?.pieces, JSON.stringify(end)).toEqual(good);
  });
});
