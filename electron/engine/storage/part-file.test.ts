import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartFile } from './part-file.js';

let root: string;
let file: string;
const open: PartFile[] = [];

beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-parts-'));
  file = path.join(root, '.abcd.parts');
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const p of open.splice(0)) await p.close();
  await fs.promises.rm(root, { recursive: true, force: true });
});

function parts(pieceLength = 16, pieceCount = 8): PartFile {
  const p = new PartFile(file, pieceLength, pieceCount);
  open.push(p);
  return p;
}

function piece(seed: number, length = 16): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff));
}

async function readBack(p: PartFile, index: number, length = 16): Promise<Buffer> {
  const out = Buffer.alloc(length);
  await p.read(index, out, 0, 0, length);
  return out;
}

describe('PartFile', () => {
  it('does not exist until a piece is written, and holds nothing then', async () => {
    const p = parts();
    await p.load();
    expect(p.pieces()).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
    await expect(readBack(p, 0)).rejects.toThrow(/not in the part file/);
  });

  it('stores whole pieces in slots and reads any range of them back', async () => {
    const p = parts();
    await p.write(5, piece(5));
    await p.write(2, piece(2));
    await p.write(7, piece(7, 9)); // a short last piece
    expect(p.pieces().sort()).toEqual([2, 5, 7]);
    expect(await readBack(p, 5)).toEqual(piece(5));
    expect(await readBack(p, 2)).toEqual(piece(2));
    expect(await readBack(p, 7, 9)).toEqual(piece(7, 9));
    const middle = Buffer.alloc(6);
    await p.read(5, middle, 1, 3, 5);
    expect(middle.subarray(1)).toEqual(piece(5).subarray(3, 8));
    // Three slots used, not eight: the file is header + table + three pieces at most.
    expect(fs.statSync(file).size).toBeLessThanOrEqual(4096 + 3 * 16);
  });

  it('is read again by a new instance (a restart), and a rewritten piece replaces the old copy', async () => {
    const a = parts();
    await a.write(3, piece(3));
    await a.write(4, piece(4));
    await a.write(3, piece(33));
    await a.close();
    const b = parts();
    await b.load();
    expect(b.pieces().sort()).toEqual([3, 4]);
    expect(await readBack(b, 3)).toEqual(piece(33));
    expect(await readBack(b, 4)).toEqual(piece(4));
  });

  it('keeps what it holds across close() and reopens the file for the next read or write', async () => {
    const p = parts();
    await p.write(1, piece(1));
    await p.close();
    expect(p.has(1)).toBe(true);
    expect(await readBack(p, 1)).toEqual(piece(1));
    await p.close();
    await p.write(2, piece(2));
    expect(await readBack(p, 1)).toEqual(piece(1));
    expect(await readBack(p, 2)).toEqual(piece(2));
  });

  it('frees slots, reuses them, and deletes the file once it holds nothing', async () => {
    const p = parts();
    await p.write(0, piece(0));
    await p.write(1, piece(1));
    await p.free(0);
    expect(p.has(0)).toBe(false);
    await p.write(6, piece(6));
    expect(await readBack(p, 1)).toEqual(piece(1));
    expect(await readBack(p, 6)).toEqual(piece(6));
    const reloaded = parts();
    await reloaded.load();
    expect(reloaded.pieces().sort()).toEqual([1, 6]);
    await p.free(1);
    expect(fs.existsSync(file)).toBe(true);
    await p.free(6);
    expect(fs.existsSync(file)).toBe(false);
    await p.free(6); // nothing held: harmless
  });

  it('remove() deletes the file whatever it holds', async () => {
    const p = parts();
    await p.write(2, piece(2));
    await p.remove();
    expect(fs.existsSync(file)).toBe(false);
    expect(p.pieces()).toEqual([]);
  });

  it('ignores a file made for another geometry (or not a part file at all), and starts it afresh', async () => {
    const other = new PartFile(file, 32, 8);
    await other.write(1, piece(1, 32));
    await other.close();
    const p = parts(16, 8);
    await p.load();
    expect(p.pieces()).toEqual([]);
    await p.write(2, piece(2));
    const again = parts(16, 8);
    await again.load();
    expect(again.pieces()).toEqual([2]);

    fs.writeFileSync(file, 'not a part file at all, just some text that is long enough');
    const junk = parts(16, 8);
    await junk.load();
    expect(junk.pieces()).toEqual([]);
  });

  it('ignores table entries that are out of range or name a piece twice', async () => {
    const p = parts(16, 4);
    await p.write(1, piece(1));
    await p.write(2, piece(2));
    await p.close();
    // Slot 0 holds piece 1, slot 1 piece 2: make slot 1 claim piece 1 too, and slot 2 piece 99.
    const fd = fs.openSync(file, 'r+');
    const entry = Buffer.alloc(4);
    entry.writeUInt32BE(2, 0);
    fs.writeSync(fd, entry, 0, 4, 16 + 4);
    entry.writeUInt32BE(100, 0);
    fs.writeSync(fd, entry, 0, 4, 16 + 8);
    fs.closeSync(fd);
    const q = parts(16, 4);
    await q.load();
    expect(q.pieces()).toEqual([1]);
    expect(await readBack(q, 1)).toEqual(piece(1));
  });

  it('never names a piece whose bytes were not all written (a crash mid-write, first copy or rewrite)', async () => {
    const p = parts();
    await p.write(4, piece(4));
    await p.close();
    // The slot's bytes fail to go in: as if the process died there.
    const real = fs.write;
    vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
      const callback = args.at(-1) as (err: Error | null, n: number) => void;
      if (args[3] === 16) return callback(new Error('killed'), 0);
      return (real as (...a: unknown[]) => void)(...args);
    }) as typeof fs.write);
    await expect(p.write(4, piece(44))).rejects.toThrow('killed');
    await expect(p.write(5, piece(5))).rejects.toThrow('killed');
    vi.restoreAllMocks();
    const after = parts();
    await after.load();
    // Neither the rewritten piece nor the new one is named: a restart fetches them again.
    expect(after.pieces()).toEqual([]);
  });

  it('refuses pieces out of range and pieces larger than a slot', async () => {
    const p = parts(16, 4);
    await expect(p.write(4, piece(4))).rejects.toThrow(RangeError);
    await expect(p.write(-1, piece(4))).rejects.toThrow(RangeError);
    await expect(p.write(0, piece(0, 17))).rejects.toThrow(RangeError);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('stages a piece range by range in a slot the table does not name until commit; a restart meanwhile finds nothing', async () => {
    const p = parts();
    await p.write(1, piece(1));
    const data = piece(2);
    await p.stage(2, 8, data, 8, 8);
    await p.stage(2, 0, data, 0, 8);
    expect(p.has(2)).toBe(false);
    expect(await readBack(p, 2)).toEqual(data);
    await p.close();
    const restarted = parts();
    await restarted.load();
    expect(restarted.pieces()).toEqual([1]);
    await p.commit(2);
    expect(p.has(2)).toBe(true);
    expect(await readBack(p, 1)).toEqual(piece(1));
    const again = parts();
    await again.load();
    expect(again.pieces().sort()).toEqual([1, 2]);
    expect(await readBack(again, 2)).toEqual(data);
  });

  it('a staged slot is not handed to another piece; unstaging frees it, and the file goes once nothing is held or staged', async () => {
    const p = parts();
    await p.stage(0, 0, piece(0), 0, 16);
    await p.write(1, piece(1));
    expect(await readBack(p, 0)).toEqual(piece(0));
    expect(await readBack(p, 1)).toEqual(piece(1));
    await p.free(1);
    expect(fs.existsSync(file)).toBe(true);
    await p.unstage(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('staging a piece it holds unnames the old copy first (a kill meanwhile leaves no half-new piece named)', async () => {
    const p = parts();
    await p.write(3, piece(3));
    await p.stage(3, 0, piece(4), 0, 4);
    expect(p.has(3)).toBe(false);
    const restarted = parts();
    await restarted.load();
    expect(restarted.pieces()).toEqual([]);
  });
});
