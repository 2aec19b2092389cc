/**
 * Issue 10, items 6 and 9, at the storage API: nothing is written, created or deleted
 * through a symbolic link planted in the save folder; a file replaced on disk while we
 * write to it is noticed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInSaveDir } from '../metainfo/index.js';
import { FileHandles, REVALIDATE_MS } from './file-handles.js';
import { FilePool } from './file-pool.js';
import type { StorageFile } from './file-map.js';
import { SymlinkError } from './safe-open.js';
import { Storage } from './storage.js';

let tmp: string;
/** The save folder. */
let save: string;
/** Outside the save folder: what a planted link points at. */
let outside: string;
const PARTS = '.0123abcd.parts';
const open: Storage[] = [];

beforeEach(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-safety-'));
  save = path.join(tmp, 'save');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(save);
  fs.mkdirSync(outside);
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

function storage(specs: ReadonlyArray<readonly [string, number]>, pieceLength = 16): Storage {
  let offset = 0;
  const files: StorageFile[] = specs.map(([p, length]) => {
    const f = { path: p, length, offset, pad: false };
    offset += length;
    return f;
  });
  const s = new Storage(save, files, pieceLength, offset, resolveInSaveDir, PARTS);
  open.push(s);
  return s;
}

const bytes = (n: number, fill = 0x41): Buffer => Buffer.alloc(n, fill);

describe('symbolic links in the save folder', () => {
  it('a file that is a link: prepare() fails naming it, and a write never reaches the target', async () => {
    const victim = path.join(outside, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.mkdirSync(path.join(save, 't'));
    fs.symlinkSync(victim, path.join(save, 't', 'a.bin'));
    const s = storage([['t/a.bin', 16]]);
    await expect(s.prepare()).rejects.toThrow(`refusing to use ${path.join(save, 't', 'a.bin')}: it is a symbolic link`);
    await expect(s.writePiece(0, bytes(16))).rejects.toBeInstanceOf(SymlinkError);
    await expect(s.read(0, 0, 16)).rejects.toBeInstanceOf(SymlinkError);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('a folder that is a link: nothing is created behind it', async () => {
    fs.symlinkSync(outside, path.join(save, 't'));
    const s = storage([
      ['t/sub/a.bin', 10],
      ['t/b.bin', 6],
    ]);
    await expect(s.prepare()).rejects.toThrow(`the folder ${path.join(save, 't')} is a symbolic link`);
    const err = await s.writePiece(0, bytes(16)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SymlinkError);
    expect((err as SymlinkError).linkPath).toBe(path.join(save, 't'));
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('a link deeper down, and empty files behind a linked folder', async () => {
    fs.mkdirSync(path.join(save, 't'));
    fs.symlinkSync(outside, path.join(save, 't', 'deep'));
    const s = storage([
      ['t/deep/empty', 0],
      ['t/ok.bin', 16],
    ]);
    await expect(s.prepare()).rejects.toBeInstanceOf(SymlinkError);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('a folder swapped for a link after the torrent started: the next open refuses it', async () => {
    const s = storage([
      ['t/a/x.bin', 16],
      ['t/b/y.bin', 16],
    ]);
    await s.prepare();
    await s.writePiece(0, bytes(16));
    fs.rmSync(path.join(save, 't', 'b'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(save, 't', 'b'));
    await expect(s.writePiece(1, bytes(16))).rejects.toBeInstanceOf(SymlinkError);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('the part file is never opened through a link (it would be truncated)', async () => {
    const victim = path.join(outside, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(save, PARTS));
    const s = storage([
      ['t/a.bin', 8],
      ['t/b.bin', 8],
    ]);
    await expect(s.prepare()).rejects.toThrow(`refusing to use ${path.join(save, PARTS)}: it is a symbolic link`);
    s.setSkipped(1, true);
    await expect(s.writePiece(0, bytes(16))).rejects.toBeInstanceOf(SymlinkError);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('deleting data never goes through a link, and says what it left', async () => {
    fs.writeFileSync(path.join(outside, 'b.bin'), 'precious');
    fs.writeFileSync(path.join(outside, 'c.bin'), 'precious too');
    const s = storage([
      ['t/a.bin', 16],
      ['t/sub/b.bin', 16],
      ['t/c.bin', 16],
    ]);
    await s.prepare();
    await s.writePiece(0, bytes(16));
    await s.close();
    // Planted after the download: the folder of b.bin and c.bin itself become links outside.
    fs.rmSync(path.join(save, 't', 'sub'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(save, 't', 'sub'));
    fs.rmSync(path.join(save, 't', 'c.bin'), { force: true });
    fs.symlinkSync(path.join(outside, 'c.bin'), path.join(save, 't', 'c.bin'));
    const left = await s.deleteFiles();
    expect(left).toEqual([path.join(save, 't', 'sub', 'b.bin'), path.join(save, 't', 'c.bin')]);
    expect(fs.readFileSync(path.join(outside, 'b.bin'), 'utf8')).toBe('precious');
    expect(fs.readFileSync(path.join(outside, 'c.bin'), 'utf8')).toBe('precious too');
    expect(fs.existsSync(path.join(save, 't', 'a.bin'))).toBe(false);
  });

  it('a save folder that is itself a link is the user’s choice: used as usual', async () => {
    const real = path.join(tmp, 'real-save');
    fs.mkdirSync(real);
    fs.rmdirSync(save);
    fs.symlinkSync(real, save);
    const s = storage([['t/a.bin', 16]]);
    await s.prepare();
    await s.writePiece(0, bytes(16, 0x42));
    expect(fs.readFileSync(path.join(real, 't', 'a.bin'))).toEqual(bytes(16, 0x42));
  });
});

describe('a file replaced while we write to it', () => {
  it('is reported once by replacedFiles(), renamed over or deleted', async () => {
    const s = storage([
      ['t/a.bin', 16],
      ['t/b.bin', 16],
    ]);
    await s.prepare();
    await s.writePiece(0, bytes(16));
    await s.writePiece(1, bytes(16));
    expect(s.replacedFiles()).toEqual([]);
    const impostor = path.join(save, 't', 'impostor');
    fs.writeFileSync(impostor, bytes(16, 0x5a));
    fs.renameSync(impostor, path.join(save, 't', 'a.bin'));
    fs.rmSync(path.join(save, 't', 'b.bin'));
    expect(s.replacedFiles()).toEqual([0, 1]);
    expect(s.replacedFiles()).toEqual([]);
    // The next write goes to the file the path names now.
    await s.writePiece(0, bytes(16, 0x43));
    expect(fs.readFileSync(path.join(save, 't', 'a.bin'))).toEqual(bytes(16, 0x43));
  });

  it('is noticed when its file is opened again after closing', async () => {
    const s = storage([['t/a.bin', 16]]);
    await s.writePiece(0, bytes(16));
    await s.close();
    fs.writeFileSync(path.join(save, 't', 'other'), bytes(16, 0x5a));
    fs.renameSync(path.join(save, 't', 'other'), path.join(save, 't', 'a.bin'));
    await s.read(0, 0, 16);
    expect(s.replacedFiles()).toEqual([0]);
  });

  it('is noticed while writing, at most every REVALIDATE_MS, and later writes go to the new file', async () => {
    let now = 0;
    const noticed: string[] = [];
    const handles = new FileHandles(save, (p) => noticed.push(p), new FilePool(128), () => now);
    const file = path.join(save, 'a.bin');
    await handles.use(file, 4, true, async (fd) => void fs.writeSync(fd, 'aaaa', 0));
    fs.writeFileSync(path.join(save, 'new'), 'zzzz');
    fs.renameSync(path.join(save, 'new'), file);
    // Within the interval the cached descriptor is trusted.
    await handles.use(file, 4, true, async (fd) => void fs.writeSync(fd, 'bbbb', 0));
    expect(noticed).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('zzzz');
    now += REVALIDATE_MS;
    await handles.use(file, 4, true, async (fd) => void fs.writeSync(fd, 'cccc', 0));
    expect(noticed).toEqual([file]);
    expect(fs.readFileSync(file, 'utf8')).toBe('cccc');
    await handles.closeAll();
  });
});

describe('names that only look like climbing out', () => {
  it('a top folder named "..foo" is inside the save folder', async () => {
    const s = storage([['..foo/a.bin', 16]]);
    await s.prepare();
    await s.writePiece(0, bytes(16, 0x44));
    expect(fs.readFileSync(path.join(save, '..foo', 'a.bin'))).toEqual(bytes(16, 0x44));
  });
});
