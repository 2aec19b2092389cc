/**
 * Moving a torrent's data (qBittorrent's "Set location") on real sessions over loopback: the
 * seed keeps seeding from its new folder without a re-check, a leecher downloads every byte
 * from it, the move survives a restart, and a failed move leaves the data where it was.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession } from '../index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import type { EngineSession } from '../api.js';

let dir: string;
const sessions: EngineSession[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-move-session-'));
});

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<EngineSession> {
  const s = await createSession({ downloadDir: path.join(dir, name, 'dl'), stateDir: path.join(dir, name, 'state'), port: 0, listenHost: '127.0.0.1', dht: false });
  sessions.push(s);
  return s;
}

const PIECE = 16384;
const data = fileData(5 * PIECE + 123, 9);
const bytes = torrentBytes(
  v1Info({ name: 'album', pieceLength: PIECE, files: [{ path: ['a.bin'], length: 3 * PIECE }, { path: ['sub', 'b.bin'], length: data.length - 3 * PIECE }], pieces: sha1Pieces(data, PIECE) }),
);

async function seedIn(s: EngineSession, root: string) {
  await fs.mkdir(path.join(root, 'album', 'sub'), { recursive: true });
  await fs.writeFile(path.join(root, 'album', 'a.bin'), data.subarray(0, 3 * PIECE));
  await fs.writeFile(path.join(root, 'album', 'sub', 'b.bin'), data.subarray(3 * PIECE));
  const t = await s.add({ kind: 'torrent', bytes }, { savePath: root });
  await waitUntil('seeding', () => t.stats().state === 'seeding');
  return t;
}

describe('moving a torrent', () => {
  it('keeps seeding from the new folder (no re-check), and a leecher gets every byte from there', async () => {
    const seeder = await open('seed');
    const oldDir = path.join(dir, 'seed', 'dl');
    const newDir = path.join(dir, 'seed', 'elsewhere', 'music');
    const t = await seedIn(seeder, oldDir);
    await t.moveStorage(newDir);
    // The new transfer trusted the resume record: nothing hashed again.
    expect(t.stats()).toMatchObject({ savePath: newDir, state: 'seeding', verifiedPieces: 6, checkedPieces: 0, resumedPieces: 6 });
    await expect(fs.stat(path.join(oldDir, 'album'))).rejects.toThrow();
    expect((await fs.readFile(path.join(newDir, 'album', 'sub', 'b.bin'))).equals(data.subarray(3 * PIECE))).toBe(true);

    const leecher = await open('leech');
    const got = await leecher.add({ kind: 'torrent', bytes });
    got.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await waitUntil('the leecher completes', () => got.stats().state === 'seeding');
    const leeched = Buffer.concat([
      await fs.readFile(path.join(dir, 'leech', 'dl', 'album', 'a.bin')),
      await fs.readFile(path.join(dir, 'leech', 'dl', 'album', 'sub', 'b.bin')),
    ]);
    expect(leeched.equals(data)).toBe(true);
  });

  it('the new folder is kept across a restart', async () => {
    const s = await open('restart');
    const t = await seedIn(s, path.join(dir, 'restart', 'dl'));
    const target = path.join(dir, 'restart', 'moved');
    await t.moveStorage(target);
    await s.close();
    sessions.length = 0;
    const again = await open('restart');
    const back = again.get(t.infoHash)!;
    await waitUntil('seeding again', () => back.stats().state === 'seeding');
    expect(back.stats()).toMatchObject({ savePath: target, checkedPieces: 0 });
  });

  it('a failed move (a file in the way) leaves the data and the torrent where they were, still seeding', async () => {
    const s = await open('fail');
    const oldDir = path.join(dir, 'fail', 'dl');
    const t = await seedIn(s, oldDir);
    const target = path.join(dir, 'fail', 'taken');
    await fs.mkdir(path.join(target, 'album', 'sub'), { recursive: true });
    await fs.writeFile(path.join(target, 'album', 'sub', 'b.bin'), 'someone else');
    await expect(t.moveStorage(target)).rejects.toThrow(/already exists/);
    expect(t.stats()).toMatchObject({ savePath: oldDir, state: 'seeding', verifiedPieces: 6 });
    expect((await fs.readFile(path.join(oldDir, 'album', 'a.bin'))).equals(data.subarray(0, 3 * PIECE))).toBe(true);
    expect(await fs.readFile(path.join(target, 'album', 'sub', 'b.bin'), 'utf8')).toBe('someone else');
    await expect(fs.stat(path.join(target, 'album', 'a.bin'))).rejects.toThrow();
  });

  it('renaming a folder and a file moves them on disk, keeps seeding without a re-check, and survives a restart', async () => {
    const s = await open('rename');
    const root = path.join(dir, 'rename', 'dl');
    const t = await seedIn(s, root);
    await t.renamePath('album/sub', 'disc 2');
    await t.renamePath('album/a.bin', 'first.bin');
    expect(t.files().map((f) => f.path)).toEqual(['album/first.bin', 'album/disc 2/b.bin']);
    expect(t.stats()).toMatchObject({ state: 'seeding', verifiedPieces: 6, checkedPieces: 0 });
    expect((await fs.readFile(path.join(root, 'album', 'disc 2', 'b.bin'))).equals(data.subarray(3 * PIECE))).toBe(true);
    await expect(fs.stat(path.join(root, 'album', 'sub'))).rejects.toThrow();
    await expect(t.renamePath('album/first.bin', '../escape')).rejects.toThrow(/not a usable name/);
    await s.close();
    sessions.length = 0;
    const again = await open('rename');
    const back = again.get(t.infoHash)!;
    await waitUntil('seeding again', () => back.stats().state === 'seeding');
    expect(back.files().map((f) => f.path)).toEqual(['album/first.bin', 'album/disc 2/b.bin']);
    expect(back.stats().checkedPieces).toBe(0);
  });

  it('a ratio limit pauses the seed once a leecher has taken enough (data it had on disk counts as downloaded)', async () => {
    const seeder = await open('ratio');
    const t = await seedIn(seeder, path.join(dir, 'ratio', 'dl'));
    seeder.setSeedingLimits({ ratio: 1, minutes: -1, action: 'pause' });
    expect(t.stats().state).toBe('seeding');
    const leecher = await open('ratio-leech');
    const got = await leecher.add({ kind: 'torrent', bytes });
    got.addPeers([{ host: '127.0.0.1', port: seeder.port }]);
    await waitUntil('the leecher completes', () => got.stats().state === 'seeding');
    await waitUntil('the seed reached ratio 1 and is paused', () => t.stats().state === 'paused');
    expect(t.stats().uploaded).toBeGreaterThanOrEqual(data.length);
  });
});
