/**
 * Issue 10 ("Safe on the open internet"), items 6 and 9, with real downloads from a libtorrent
 * seeder into an in-process session:
 *  - a symbolic link planted in the download folder (`file -> outside/victim`, or a folder
 *    `-> outside/dir`), before the download or while it runs: the torrent goes to the error
 *    state with a one-line reason naming the file, and nothing outside is written or created;
 *  - the file being downloaded is replaced (another file renamed over it) mid-download: the
 *    torrent does not call it complete with the impostor on disk; it checks again, fetches
 *    what is missing, and ends byte-identical to the seeder's.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineSession, type EngineTorrent } from '../../electron/engine/index.js';
import { assertSameFile, Cleanup, createTorrent, startLtSeeder, waitForTorrent, writeRandomFile, writeTree, type LtSeeder, type TorrentInfo } from '../support/index.js';
import { escapeRegExp } from '../support/test-utils.js';

const PIECE = 32 * 1024;
const cleanup = new Cleanup();
let root = '';
let tree: TorrentInfo;
let single: TorrentInfo;
let treeSeeder: LtSeeder;
let singleSeeder: LtSeeder;
let session: EngineSession;
const warnings: string[] = [];

beforeAll(async () => {
  root = await cleanup.tempDir('storage-safety');
  await writeTree(join(root, 'src', 'safe'), [{ path: 'a.bin', size: 300_000 }, { path: 'sub/b.bin', size: 700_000 }], 'storage-safety');
  tree = await createTorrent({ path: join(root, 'src', 'safe'), out: join(root, 'safe.torrent'), pieceLength: PIECE });
  // Slow enough (about 2 s) that the replacement lands while pieces still arrive.
  await writeRandomFile(join(root, 'src1', 'movie.bin'), 2_000_000, 'storage-safety-single');
  single = await createTorrent({ path: join(root, 'src1', 'movie.bin'), out: join(root, 'movie.torrent'), pieceLength: PIECE });
  [treeSeeder, singleSeeder] = await Promise.all([
    startLtSeeder(cleanup, { torrents: [tree.torrentPath], save: join(root, 'src') }),
    startLtSeeder(cleanup, { torrents: [single.torrentPath], save: join(root, 'src1'), uploadLimit: 1024 * 1024 }),
  ]);
  session = await createSession({ downloadDir: join(root, 'dl'), port: 0, listenHost: '127.0.0.1', dht: false, restore: false });
  session.on('warning', (m) => warnings.push(m));
  cleanup.add(() => session.close());
});
afterAll(() => cleanup.run());

async function addTree(dir: string): Promise<EngineTorrent> {
  const t = await session.add({ kind: 'torrent', bytes: await readFile(tree.torrentPath) }, { savePath: dir, paused: true });
  t.addPeers([{ host: '127.0.0.1', port: treeSeeder.port }]);
  return t;
}

/** Waits for the error state (or, failing the test next, completion). */
async function settled(t: EngineTorrent): Promise<void> {
  await waitForTorrent(t, 'the error state', () => t.stats().state === 'error' || t.stats().state === 'seeding');
  expect(t.stats().state).toBe('error');
}

function oneLine(t: EngineTorrent): string {
  const error = t.stats().error ?? '';
  expect(error.split('\n')).toHaveLength(1);
  return error;
}

describe('a symbolic link in the download folder', () => {
  it('a file that links outside: error naming the file, the target untouched', async () => {
    const dir = join(root, 'dl-file-link');
    const victim = join(root, 'outside', 'victim');
    fs.mkdirSync(join(root, 'outside'), { recursive: true });
    fs.writeFileSync(victim, 'precious');
    fs.mkdirSync(join(dir, 'safe', 'sub'), { recursive: true });
    fs.symlinkSync(victim, join(dir, 'safe', 'sub', 'b.bin'));
    const t = await addTree(dir);
    await t.resume();
    await settled(t);
    expect(oneLine(t)).toContain(`${join(dir, 'safe', 'sub', 'b.bin')}: it is a symbolic link`);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    await session.remove(t.infoHash, { deleteData: false });
  });

  it('a folder that links outside: error naming it, nothing created behind it', async () => {
    const dir = join(root, 'dl-dir-link');
    const outsideDir = join(root, 'outside-dir');
    fs.mkdirSync(outsideDir, { recursive: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(outsideDir, join(dir, 'safe'));
    const t = await addTree(dir);
    await t.resume();
    await settled(t);
    expect(oneLine(t)).toContain(`the folder ${join(dir, 'safe')} is a symbolic link`);
    expect(fs.readdirSync(outsideDir)).toEqual([]);
    // Removing it with its data does not delete through the link either.
    fs.writeFileSync(join(outsideDir, 'a.bin'), 'precious');
    await session.remove(t.infoHash, { deleteData: true });
    expect(fs.readFileSync(join(outsideDir, 'a.bin'), 'utf8')).toBe('precious');
  });

  it('planted while the download runs: error naming the file, the target untouched', async () => {
    const dir = join(root, 'dl-planted');
    const victim = join(root, 'outside', 'victim-2');
    fs.mkdirSync(join(root, 'outside'), { recursive: true });
    fs.writeFileSync(victim, 'precious');
    const t = await addTree(dir);
    const target = join(dir, 'safe', 'sub', 'b.bin');
    let planted = false;
    // At the first verified piece: swap b.bin (made by then, or not yet) for a link.
    t.on('piece', (_index, ok) => {
      if (!ok || planted) return;
      planted = true;
      fs.mkdirSync(join(dir, 'safe', 'sub'), { recursive: true });
      fs.rmSync(target, { force: true });
      fs.symlinkSync(victim, target);
    });
    await t.resume();
    await settled(t);
    expect(planted).toBe(true);
    // Which check sees it first depends on timing: the link found when the file is (re)opened, or
    // the open descriptor no longer being the file at that path. Both refuse, naming the file.
    expect(oneLine(t)).toMatch(new RegExp(`${escapeRegExp(target)}: (it is a symbolic link|it resolves to .*outside the save folder)`));
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    await session.remove(t.infoHash, { deleteData: true });
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });
});

describe('the file replaced while it downloads', () => {
  it('is not declared complete with the replacement on disk: checked again and completed byte-identical', async () => {
    const dir = join(root, 'dl-replaced');
    const file = join(dir, 'movie.bin');
    const t = await session.add({ kind: 'torrent', bytes: await readFile(single.torrentPath) }, { savePath: dir, paused: true });
    t.addPeers([{ host: '127.0.0.1', port: singleSeeder.port }]);
    let replacedAtPiece = -1;
    t.on('piece', (_index, ok) => {
      if (!ok || replacedAtPiece >= 0) return;
      replacedAtPiece = t.stats().verifiedPieces;
      // Same size, other bytes, renamed over the file we are writing to.
      fs.writeFileSync(join(dir, 'impostor.tmp'), Buffer.alloc(single.totalSize, 0x5a));
      fs.renameSync(join(dir, 'impostor.tmp'), file);
    });
    const done = new Promise<void>((resolve, reject) => {
      t.on('done', resolve);
      t.on('error', (m) => reject(new Error(m)));
    });
    await t.resume();
    await done;
    expect(replacedAtPiece).toBeGreaterThan(0);
    expect(replacedAtPiece).toBeLessThan(single.pieces);
    await assertSameFile(join(root, 'src1', 'movie.bin'), file);
    expect(warnings.some((w) => w.includes('movie.bin changed on disk while downloading'))).toBe(true);
    expect(t.stats().state).toBe('seeding');
  });
});
