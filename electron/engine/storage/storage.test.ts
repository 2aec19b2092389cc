import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetainfoError, resolveInSaveDir } from '../metainfo/index.js';
import type { StorageFile } from './file-map.js';
import { Storage } from './storage.js';

let root: string;
const PARTS = '.0123abcd.parts';
const open: Storage[] = [];

beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-storage-'));
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await fs.promises.rm(root, { recursive: true, force: true });
});

function layout(specs: ReadonlyArray<readonly [string, number, boolean?]>): { files: StorageFile[]; total: number } {
  let offset = 0;
  const files = specs.map(([p, length, pad]) => {
    const f = { path: p, length, offset, pad: pad ?? false };
    offset += length;
    return f;
  });
  return { files, total: offset };
}

function storage(dir: string, pieceLength: number, specs: ReadonlyArray<readonly [string, number, boolean?]>): Storage {
  const { files, total } = layout(specs);
  const s = new Storage(dir, files, pieceLength, total, resolveInSaveDir, PARTS);
  open.push(s);
  return s;
}

/** Deterministic payload: byte i of the torrent is (i * 7 + 3) & 0xff, pad bytes zero. */
function payload(total: number, files: readonly StorageFile[] = []): Buffer {
  const out = Buffer.alloc(total);
  for (let i = 0; i < total; i++) out[i] = (i * 7 + 3) & 0xff;
  for (const f of files) if (f.pad) out.fill(0, f.offset, f.offset + f.length);
  return out;
}

function pieceOf(data: Buffer, pieceLength: number, index: number): Buffer {
  return data.subarray(index * pieceLength, Math.min(data.length, (index + 1) * pieceLength));
}

async function writeAll(s: Storage, data: Buffer, pieceLength: number): Promise<void> {
  const count = Math.ceil(data.length / pieceLength);
  // Out of order, like pieces arriving from a swarm.
  const order = Array.from({ length: count }, (_, i) => i).reverse();
  for (const i of order) await s.writePiece(i, pieceOf(data, pieceLength, i));
}

const exists = (p: string): boolean => fs.existsSync(p);

describe('Storage against a temp dir', () => {
  it('writes pieces across files and reads them back byte for byte', async () => {
    const specs = [
      ['t/a.bin', 10],
      ['t/sub/b.bin', 15],
      ['t/c.bin', 15],
    ] as const;
    const s = storage(root, 16, specs);
    const data = payload(40);
    await s.prepare();
    await writeAll(s, data, 16);
    expect(fs.readFileSync(path.join(root, 't/a.bin'))).toEqual(data.subarray(0, 10));
    expect(fs.readFileSync(path.join(root, 't/sub/b.bin'))).toEqual(data.subarray(10, 25));
    expect(fs.readFileSync(path.join(root, 't/c.bin'))).toEqual(data.subarray(25, 40));
    for (let i = 0; i < 3; i++) expect(await s.read(i, 0, pieceOf(data, 16, i).length)).toEqual(pieceOf(data, 16, i));
    // A block that straddles a file boundary.
    expect(await s.read(0, 8, 8)).toEqual(data.subarray(8, 16));
    expect(await s.read(1, 5, 10)).toEqual(data.subarray(21, 31));
  });

  it('sizes each file to its full length on first write (sparse), whatever arrives first', async () => {
    const s = storage(root, 16, [['one.bin', 100]]);
    await s.writePiece(6, payload(100).subarray(96, 100));
    expect(fs.statSync(path.join(root, 'one.bin')).size).toBe(100);
    expect(await s.read(6, 0, 4)).toEqual(payload(100).subarray(96, 100));
    expect(await s.read(0, 0, 16)).toEqual(Buffer.alloc(16));
  });

  it('writes the walkthrough geometry (110 pieces, last one 13,686 bytes)', async () => {
    const total = 1_799_542;
    const s = storage(root, 16384, [['walkthrough.bin', total]]);
    const data = payload(total);
    await writeAll(s, data, 16384);
    expect(fs.statSync(path.join(root, 'walkthrough.bin')).size).toBe(total);
    expect(await s.read(109, 0, 13_686)).toEqual(data.subarray(109 * 16384));
    expect(fs.readFileSync(path.join(root, 'walkthrough.bin')).equals(data)).toBe(true);
  });

  it('never creates pad files, and reads pad bytes as zeros', async () => {
    const specs = [
      ['t/a', 10],
      ['t/.pad/6', 6, true],
      ['t/b', 20],
      ['t/.pad/12', 12, true],
    ] as const;
    const s = storage(root, 16, specs);
    const { files } = layout(specs);
    const data = payload(48, files);
    await s.prepare();
    await writeAll(s, data, 16);
    expect(exists(path.join(root, 't/.pad'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 't/a'))).toEqual(data.subarray(0, 10));
    expect(fs.readFileSync(path.join(root, 't/b'))).toEqual(data.subarray(16, 36));
    expect(await s.read(0, 0, 16)).toEqual(data.subarray(0, 16));
    expect(await s.read(2, 0, 16)).toEqual(Buffer.concat([data.subarray(32, 36), Buffer.alloc(12)]));
    expect((await s.fileStamps())[1]).toBeNull();
  });

  it('creates empty files in prepare(), including nested ones and several at one offset', async () => {
    const s = storage(root, 16, [
      ['t/empty-first', 0],
      ['t/data', 20],
      ['t/x/empty-a', 0],
      ['t/x/y/empty-b', 0],
      ['t/empty-last', 0],
    ]);
    await s.prepare();
    for (const p of ['t/empty-first', 't/x/empty-a', 't/x/y/empty-b', 't/empty-last']) {
      expect(fs.statSync(path.join(root, p)).size, p).toBe(0);
    }
    // Non-empty files wait for their first piece.
    expect(exists(path.join(root, 't/data'))).toBe(false);
    expect((await s.fileStamps()).map((st) => st?.size ?? null)).toEqual([0, null, 0, 0, 0]);
  });

  it('creates the save folder in prepare() even for a torrent of only empty files', async () => {
    const dir = path.join(root, 'not', 'yet');
    const s = storage(dir, 16, [['only-empty', 0]]);
    await s.prepare();
    expect(fs.statSync(path.join(dir, 'only-empty')).isFile()).toBe(true);
  });

  it('prepare() leaves existing empty-file targets alone (no truncation of data already there)', async () => {
    fs.writeFileSync(path.join(root, 'was-empty'), 'keep me');
    const s = storage(root, 16, [['was-empty', 0]]);
    await s.prepare();
    expect(fs.readFileSync(path.join(root, 'was-empty'), 'utf8')).toBe('keep me');
  });

  it('an empty file skipped when added is made once it is wanted (no piece ever would), as libtorrent does', async () => {
    const s = storage(root, 16, [
      ['t/data', 20],
      ['t/sub/empty', 0],
    ]);
    s.setSkipped(1, true);
    await s.prepare();
    expect(exists(path.join(root, 't/sub/empty'))).toBe(false);
    await s.setSkipped(1, false);
    expect(fs.statSync(path.join(root, 't/sub/empty')).size).toBe(0);
    // Skipped again before its turn came: not made.
    const again = storage(path.join(root, 'again'), 16, [['e', 0]]);
    again.setSkipped(0, true);
    await again.prepare();
    const made = again.setSkipped(0, false);
    again.setSkipped(0, true);
    await made;
    expect(exists(path.join(root, 'again', 'e'))).toBe(false);
  });

  it('does not create skipped files, and writes only the wanted part of shared pieces to the files', async () => {
    const specs = [
      ['t/wanted-1', 10],
      ['t/skipped', 12],
      ['t/wanted-2', 10],
      ['t/skipped-empty', 0],
    ] as const;
    const s = storage(root, 16, specs);
    s.setSkipped(1, true);
    s.setSkipped(3, true);
    const data = payload(32);
    await s.prepare();
    await writeAll(s, data, 16);
    expect(exists(path.join(root, 't/skipped'))).toBe(false);
    expect(exists(path.join(root, 't/skipped-empty'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 't/wanted-1'))).toEqual(data.subarray(0, 10));
    expect(fs.readFileSync(path.join(root, 't/wanted-2'))).toEqual(data.subarray(22, 32));
    // The skipped file's bytes of both shared pieces are kept in the part file (see part-file tests).
    expect(await s.read(0, 0, 16)).toEqual(pieceOf(data, 16, 0));
    expect(await s.read(1, 0, 16)).toEqual(pieceOf(data, 16, 1));
  });

  it('writes a file again once it is no longer skipped', async () => {
    const s = storage(root, 16, [['f', 16]]);
    s.setSkipped(0, true);
    await s.writePiece(0, payload(16));
    expect(exists(path.join(root, 'f'))).toBe(false);
    await s.setSkipped(0, false);
    expect(fs.readFileSync(path.join(root, 'f'))).toEqual(payload(16));
    await s.writePiece(0, payload(16));
    expect(fs.readFileSync(path.join(root, 'f'))).toEqual(payload(16));
  });

  it('rejects a read of a file that is missing or shorter than the torrent says', async () => {
    const s = storage(root, 16, [['missing', 16]]);
    await expect(s.read(0, 0, 16)).rejects.toThrow();
    fs.writeFileSync(path.join(root, 'missing'), 'short');
    await expect(s.read(0, 0, 16)).rejects.toThrow(/shorter/);
  });

  it('reports existing file sizes and mtimes, null where missing', async () => {
    const s = storage(root, 16, [
      ['a', 16],
      ['b', 16],
    ]);
    fs.writeFileSync(path.join(root, 'b'), 'abc');
    const mtime = Math.round(fs.statSync(path.join(root, 'b')).mtimeMs);
    expect(await s.fileStamps()).toEqual([null, { size: 3, mtimeMs: mtime }]);
  });

  it('reopens files after close()', async () => {
    const s = storage(root, 16, [['f', 32]]);
    const data = payload(32);
    await s.writePiece(0, pieceOf(data, 16, 0));
    await s.close();
    await s.writePiece(1, pieceOf(data, 16, 1));
    expect(await s.read(0, 0, 16)).toEqual(pieceOf(data, 16, 0));
    expect(fs.readFileSync(path.join(root, 'f'))).toEqual(data);
  });

  it('keeps data correct with more files than cached handles (LRU eviction)', async () => {
    const specs = Array.from({ length: 140 }, (_, i) => [`many/f${i}`, 3] as const);
    const s = storage(root, 16, specs);
    const data = payload(420);
    await writeAll(s, data, 16);
    for (let i = 0; i < 140; i += 13) expect(fs.readFileSync(path.join(root, `many/f${i}`))).toEqual(data.subarray(i * 3, i * 3 + 3));
    expect(await s.read(10, 0, 16)).toEqual(pieceOf(data, 16, 10));
  });

  it('resolves every file inside the save folder', () => {
    const s = storage(root, 16, [['t/a', 1]]);
    expect(s.filePath(0)).toBe(path.join(root, 't', 'a'));
  });
});

describe('Storage.deleteFiles', () => {
  it('removes the files and the folders it emptied, but not the save folder', async () => {
    const s = storage(root, 16, [
      ['t/a', 10],
      ['t/sub/deeper/b', 10],
      ['t/empty', 0],
      ['t/.pad/2', 2, true],
    ]);
    await s.prepare();
    await writeAll(s, payload(22), 16);
    await s.deleteFiles();
    expect(fs.readdirSync(root)).toEqual([]);
    expect(exists(root)).toBe(true);
  });

  it('keeps folders that still hold someone else’s files', async () => {
    const s = storage(root, 16, [
      ['t/a', 10],
      ['t/sub/b', 10],
    ]);
    await writeAll(s, payload(20), 16);
    fs.writeFileSync(path.join(root, 't/sub/mine.txt'), 'user file');
    await s.deleteFiles();
    expect(exists(path.join(root, 't/a'))).toBe(false);
    expect(exists(path.join(root, 't/sub/b'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 't/sub/mine.txt'), 'utf8')).toBe('user file');
  });

  it('does not fail for files that were never created (skipped, or not downloaded yet)', async () => {
    const s = storage(root, 16, [
      ['t/a', 10],
      ['t/b', 10],
    ]);
    await s.writePiece(0, payload(16));
    await expect(s.deleteFiles()).resolves.toEqual([]);
    expect(exists(path.join(root, 't'))).toBe(false);
  });

  it('removes emptied folders when the save folder is given with a trailing separator', async () => {
    const s = storage(root + path.sep, 16, [['t/sub/a', 10]]);
    await writeAll(s, payload(10), 16);
    await s.deleteFiles();
    expect(exists(path.join(root, 't/sub/a'))).toBe(false);
    expect(exists(path.join(root, 't'))).toBe(false);
  });

  it('removes emptied folders when the save folder is relative', async () => {
    const relative = path.relative(process.cwd(), root);
    expect(path.isAbsolute(relative)).toBe(false);
    const s = storage(relative, 16, [['t/sub/a', 10]]);
    await writeAll(s, payload(10), 16);
    expect(exists(path.join(root, 't/sub/a'))).toBe(true);
    await s.deleteFiles();
    expect(exists(path.join(root, 't'))).toBe(false);
  });
});

describe('Storage: paths that try to escape the save folder', () => {
  const hostile = ['../evil', 't/../../evil', '/etc/passwd', 'C:\\Windows\\evil', '\\\\server\\share\\x', 'a\0b', '..', '.', ''];

  it.each(hostile)('refuses %j at construction, before any file is touched', (p) => {
    const { files, total } = layout([
      ['fine', 1],
      [p, 1],
    ]);
    let thrown: unknown = null;
    try {
      new Storage(path.join(root, 'dl'), files, 16, total, resolveInSaveDir, PARTS);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MetainfoError);
    expect((thrown as MetainfoError).code).toBe('path_outside_save_dir');
    expect(exists(path.join(root, 'dl'))).toBe(false);
    expect(exists(path.join(root, 'evil'))).toBe(false);
  });

  it('accepts names that merely look like dots', () => {
    const s = storage(root, 16, [
      ['...', 1],
      ['..a', 1],
      ['t/.hidden', 1],
    ]);
    expect(s.filePath(0)).toBe(path.join(root, '...'));
    expect(s.filePath(1)).toBe(path.join(root, '..a'));
  });
});
