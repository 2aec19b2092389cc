import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moveFiles, realMoveFs, renameFiles, type MoveFs } from './move-files.js';

let dir: string;
let from: string;
let to: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-move-'));
  from = path.join(dir, 'old');
  to = path.join(dir, 'new');
  fs.mkdirSync(path.join(from, 'Album', 'CD1'), { recursive: true });
  fs.writeFileSync(path.join(from, 'Album', 'CD1', '1.flac'), 'one');
  fs.writeFileSync(path.join(from, 'Album', 'cover.jpg'), 'cover!');
  fs.utimesSync(path.join(from, 'Album', 'cover.jpg'), new Date(1_600_000_000_000), new Date(1_600_000_000_000));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const paths = ['Album/CD1/1.flac', 'Album/cover.jpg', 'Album/never-downloaded.bin'];
const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

describe('moveFiles', () => {
  it('renames on one file system, reports progress in bytes, skips missing files and removes emptied folders', async () => {
    const progress: Array<[number, number]> = [];
    await moveFiles({ from, to, paths, progress: (d, t) => progress.push([d, t]) });
    expect(read(to, 'Album/CD1/1.flac')).toBe('one');
    expect(read(to, 'Album/cover.jpg')).toBe('cover!');
    expect(progress).toEqual([[3, 9], [9, 9]]);
    expect(fs.existsSync(path.join(from, 'Album'))).toBe(false);
  });

  it('across devices (EXDEV) copies, keeps the modification time, then removes the originals', async () => {
    const calls: string[] = [];
    const exdev: MoveFs = {
      ...realMoveFs,
      rename: async () => {
        throw Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' });
      },
      unlink: async (f) => {
        calls.push(`unlink ${path.relative(dir, f)}`);
        await realMoveFs.unlink(f);
      },
    };
    await moveFiles({ from, to, paths, fs: exdev });
    expect(read(to, 'Album/cover.jpg')).toBe('cover!');
    expect(fs.statSync(path.join(to, 'Album', 'cover.jpg')).mtimeMs).toBe(1_600_000_000_000);
    // Originals went only after both copies were made.
    expect(calls).toEqual(['unlink old/Album/CD1/1.flac', 'unlink old/Album/cover.jpg']);
    expect(fs.existsSync(path.join(from, 'Album', 'cover.jpg'))).toBe(false);
  });

  it('a failure half-way leaves every file where it was (renames undone)', async () => {
    let n = 0;
    const failing: MoveFs = {
      ...realMoveFs,
      rename: async (a, b) => {
        if (++n === 2) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        await realMoveFs.rename(a, b);
      },
    };
    await expect(moveFiles({ from, to, paths, fs: failing })).rejects.toThrow(/no space left/);
    expect(read(from, 'Album/CD1/1.flac')).toBe('one');
    expect(read(from, 'Album/cover.jpg')).toBe('cover!');
    expect(fs.existsSync(path.join(to, 'Album', 'CD1', '1.flac'))).toBe(false);
  });

  it('a failed cross-device copy removes the partial copies and keeps the originals', async () => {
    let copies = 0;
    const failing: MoveFs = {
      ...realMoveFs,
      rename: async () => {
        throw Object.assign(new Error('x'), { code: 'EXDEV' });
      },
      copyFile: async (a, b, mode) => {
        if (++copies === 2) {
          fs.writeFileSync(b, 'partial');
          throw Object.assign(new Error('input/output error'), { code: 'EIO' });
        }
        await realMoveFs.copyFile(a, b, mode);
      },
    };
    await expect(moveFiles({ from, to, paths, fs: failing })).rejects.toThrow(/input\/output error/);
    expect(read(from, 'Album/CD1/1.flac')).toBe('one');
    expect(read(from, 'Album/cover.jpg')).toBe('cover!');
    expect(fs.existsSync(path.join(to, 'Album', 'CD1', '1.flac'))).toBe(false);
    expect(fs.existsSync(path.join(to, 'Album', 'cover.jpg'))).toBe(false);
  });

  it('never overwrites a file at the destination', async () => {
    fs.mkdirSync(path.join(to, 'Album'), { recursive: true });
    fs.writeFileSync(path.join(to, 'Album', 'cover.jpg'), 'theirs');
    await expect(moveFiles({ from, to, paths })).rejects.toThrow(/already exists/);
    expect(read(to, 'Album/cover.jpg')).toBe('theirs');
    expect(read(from, 'Album/CD1/1.flac')).toBe('one');
  });

  it('moves into a folder inside the current one (files move one by one)', async () => {
    const inner = path.join(from, 'Album', 'moved');
    await moveFiles({ from, to: inner, paths });
    expect(read(inner, 'Album/cover.jpg')).toBe('cover!');
    expect(read(inner, 'Album/CD1/1.flac')).toBe('one');
    expect(fs.existsSync(path.join(from, 'Album', 'cover.jpg'))).toBe(false);
  });
});

describe('moveFiles: never through a symbolic link below either folder', () => {
  const outside = () => path.join(dir, 'outside');
  beforeEach(() => fs.mkdirSync(outside()));

  it('refuses a destination folder that is a link, and leaves the file where it was', async () => {
    fs.mkdirSync(path.join(from, 'T'));
    fs.writeFileSync(path.join(from, 'T', 'file.bin'), 'data');
    fs.mkdirSync(to);
    fs.symlinkSync('../outside', path.join(to, 'T'));
    await expect(moveFiles({ from, to, paths: ['T/file.bin'] })).rejects.toThrow(/symbolic link/);
    expect(fs.readdirSync(outside())).toEqual([]);
    expect(read(from, 'T/file.bin')).toBe('data');
  });

  it('refuses a source folder that is a link, and leaves what it leads to alone', async () => {
    fs.writeFileSync(path.join(outside(), 'file.bin'), "victim's");
    fs.symlinkSync('../outside', path.join(from, 'T'));
    await expect(moveFiles({ from, to, paths: ['T/file.bin'] })).rejects.toThrow(/symbolic link/);
    expect(read(outside(), 'file.bin')).toBe("victim's");
    expect(fs.existsSync(path.join(to, 'T'))).toBe(false);
  });

  it('a destination folder swapped for a link during the rename: caught, and the file renamed back', async () => {
    fs.mkdirSync(path.join(from, 'T'));
    fs.writeFileSync(path.join(from, 'T', 'file.bin'), 'data');
    const racing: MoveFs = {
      ...realMoveFs,
      rename: async (a, b) => {
        if (b.startsWith(to + path.sep)) {
          fs.rmdirSync(path.join(to, 'T'));
          fs.symlinkSync('../outside', path.join(to, 'T'));
        }
        await realMoveFs.rename(a, b);
      },
    };
    await expect(moveFiles({ from, to, paths: ['T/file.bin'], fs: racing })).rejects.toThrow(/symbolic link/);
    expect(fs.readdirSync(outside())).toEqual([]);
    expect(read(from, 'T/file.bin')).toBe('data');
  });

  it('refuses paths whose text leads out of either folder', async () => {
    fs.writeFileSync(path.join(dir, 'escape.bin'), 'x');
    await expect(moveFiles({ from, to, paths: ['../escape.bin'] })).rejects.toThrow(/not inside/);
    await expect(renameFiles({ root: from, pairs: [{ from: 'Album/cover.jpg', to: '../../cover.jpg' }] })).rejects.toThrow(/not inside/);
    expect(read(from, 'Album/cover.jpg')).toBe('cover!');
    expect(read(dir, 'escape.bin')).toBe('x');
  });
});
