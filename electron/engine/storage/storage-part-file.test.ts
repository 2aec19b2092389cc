import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetainfoError, resolveInSaveDir } from '../metainfo/index.js';
import { DiskWorkers } from './disk-workers.js';
import type { StorageFile } from './file-map.js';
import { Storage } from './storage.js';
import { createHash } from 'node:crypto';

/**
 * Storage with skipped files that are not on disk: the bytes of shared pieces go to the part
 * file, are read back from it (upload, re-check), survive a new Storage (a restart), move
 * into the file when it is wanted again, and go with "delete data".
 */
const PARTS = '.00ff00ff.parts';
let root: string;
const open: Storage[] = [];

beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-storage-parts-'));
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await fs.promises.rm(root, { recursive: true, force: true });
});

// 4 pieces of 16: wanted a [0,10), skipped b [10,40), wanted c [40,52), skipped d [52,60), wanted e [60,64).
// Piece 0 = a + b, piece 1 = b only, piece 2 = b + c, piece 3 = c + d + e.
const SPECS: ReadonlyArray<readonly [string, number]> = [
  ['t/a', 10],
  ['t/sub/b', 30],
  ['t/c', 12],
  ['t/d', 8],
  ['t/e', 4],
];
const B = 1;
const D = 3;
const TOTAL = 64;
const DATA = Buffer.from(Array.from({ length: TOTAL }, (_, i) => (i * 13 + 5) & 0xff));

function files(): StorageFile[] {
  let offset = 0;
  return SPECS.map(([p, length]) => {
    const f = { path: p, length, offset, pad: false };
    offset += length;
    return f;
  });
}

function storage(dir = root, pieceLength = 16): Storage {
  const s = new Storage(dir, files(), pieceLength, TOTAL, resolveInSaveDir, PARTS);
  open.push(s);
  return s;
}

const piece = (i: number): Buffer => DATA.subarray(i * 16, i * 16 + 16);
const at = (p: string): string => path.join(root, p);
const partFile = (): string => path.join(root, PARTS);

/** A torrent with b and d skipped, the pieces that have wanted bytes written (0, 2, 3). */
async function skippedAndWritten(): Promise<Storage> {
  const s = storage();
  s.setSkipped(B, true);
  s.setSkipped(D, true);
  await s.prepare();
  for (const i of [3, 0, 2]) await s.writePiece(i, piece(i));
  return s;
}

describe('Storage: the part file for skipped files', () => {
  it('keeps the skipped files’ bytes of shared pieces in the part file and never creates those files', async () => {
    const s = await skippedAndWritten();
    expect(fs.existsSync(at('t/sub/b'))).toBe(false);
    expect(fs.existsSync(at('t/sub'))).toBe(false);
    expect(fs.existsSync(at('t/d'))).toBe(false);
    expect(fs.existsSync(partFile())).toBe(true);
    expect(s.partFilePath).toBe(partFile());
    expect(s.partFilePieces().sort()).toEqual([0, 2, 3]);
    // Wanted files get exactly their bytes.
    expect(fs.readFileSync(at('t/a'))).toEqual(DATA.subarray(0, 10));
    expect(fs.readFileSync(at('t/c'))).toEqual(DATA.subarray(40, 52));
    expect(fs.readFileSync(at('t/e'))).toEqual(DATA.subarray(60, 64));
    // Reads for upload: whole pieces and blocks straddling the boundary, byte-identical.
    for (const i of [0, 2, 3]) expect(await s.read(i, 0, 16)).toEqual(piece(i));
    expect(await s.read(0, 6, 8)).toEqual(DATA.subarray(6, 14));
    expect(await s.read(3, 10, 6)).toEqual(DATA.subarray(58, 64));
    expect([0, 1, 2, 3].map((i) => s.holdsPiece(i))).toEqual([true, false, true, true]);
    // Piece 1 lies in b alone: never written, nothing to read.
    await expect(s.read(1, 0, 16)).rejects.toThrow();
  });

  it('a piece hashed and written on a disk thread puts its skipped share in the part file too', async () => {
    const workers = new DiskWorkers(1);
    try {
      const s = storage();
      s.setSkipped(B, true);
      await s.prepare();
      const buffer = Buffer.allocUnsafeSlow(16);
      piece(0).copy(buffer);
      const result = await s.hashAndWrite(0, buffer, createHash('sha1').update(piece(0)).digest(), workers);
      expect(result.ok).toBe(true);
      expect(await s.read(0, 0, 16)).toEqual(piece(0));
      expect(fs.existsSync(at('t/sub/b'))).toBe(false);
      // A piece failing its hash is written nowhere.
      const bad = Buffer.allocUnsafeSlow(16);
      piece(2).copy(bad);
      const failed = await s.hashAndWrite(2, bad, Buffer.alloc(20), workers);
      expect(failed.ok).toBe(false);
      expect(s.partFilePieces()).toEqual([0]);
    } finally {
      await workers.close();
    }
  });

  it('a new Storage (a restart) reads the pieces back from the part file', async () => {
    const s = await skippedAndWritten();
    await s.close();
    const again = storage();
    again.setSkipped(B, true);
    again.setSkipped(D, true);
    expect(await again.prepare()).toEqual([]);
    expect(again.partFilePieces().sort()).toEqual([0, 2, 3]);
    for (const i of [0, 2, 3]) expect(await again.read(i, 0, 16)).toEqual(piece(i));
  });

  it('a deleted part file loses its pieces (they no longer count as held)', async () => {
    const s = await skippedAndWritten();
    await s.close();
    fs.rmSync(partFile());
    const again = storage();
    again.setSkipped(B, true);
    again.setSkipped(D, true);
    await again.prepare();
    expect([0, 2, 3].map((i) => again.holdsPiece(i))).toEqual([false, false, false]);
    await expect(again.read(0, 0, 16)).rejects.toThrow();
  });

  it('un-skipping a file moves its bytes into it; the part file goes once nothing needs it', async () => {
    const s = await skippedAndWritten();
    await s.setSkipped(B, false);
    // b now exists with its bytes of pieces 0 and 2 (piece 1 was never fetched: sparse zeros).
    const b = fs.readFileSync(at('t/sub/b'));
    expect(b.length).toBe(30);
    expect(b.subarray(0, 6)).toEqual(DATA.subarray(10, 16));
    expect(b.subarray(22, 30)).toEqual(DATA.subarray(32, 40));
    // Piece 3 still has d's bytes there; 0 and 2 were dropped.
    expect(s.partFilePieces()).toEqual([3]);
    for (const i of [0, 2, 3]) expect(await s.read(i, 0, 16)).toEqual(piece(i));
    // Pieces written from now on go to b itself.
    await s.writePiece(1, piece(1));
    expect(fs.readFileSync(at('t/sub/b'))).toEqual(DATA.subarray(10, 40));
    await s.setSkipped(D, false);
    expect(fs.readFileSync(at('t/d'))).toEqual(DATA.subarray(52, 60));
    expect(fs.existsSync(partFile())).toBe(false);
    expect(await s.read(3, 0, 16)).toEqual(piece(3));
  });

  it('un-skipping allocates nothing the size of the declared piece length (2^30 - 1, one 64-byte piece)', async () => {
    const s = storage(root, 2 ** 30 - 1);
    s.setSkipped(B, true);
    await s.prepare();
    await s.writePiece(0, DATA);
    const allocs = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      await s.setSkipped(B, false);
      for (const call of allocs.mock.calls) expect(call[0]).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      allocs.mockRestore();
    }
    expect(fs.readFileSync(at('t/sub/b'))).toEqual(DATA.subarray(10, 40));
    expect(await s.read(0, 0, TOTAL)).toEqual(DATA);
  });

  it('reads and writes racing an un-skip all see the right bytes', async () => {
    const s = storage();
    s.setSkipped(B, true);
    await s.prepare();
    await s.writePiece(0, piece(0));
    const reads = Array.from({ length: 20 }, () => s.read(0, 0, 16));
    const write = s.writePiece(2, piece(2)); // bound for the part file when it starts
    const move = s.setSkipped(B, false);
    const later = Array.from({ length: 20 }, () => s.read(0, 0, 16));
    await Promise.all([write, move]);
    for (const r of await Promise.all([...reads, ...later])) expect(r).toEqual(piece(0));
    expect(await s.read(2, 0, 16)).toEqual(piece(2));
    expect(fs.readFileSync(at('t/sub/b')).subarray(22, 30)).toEqual(DATA.subarray(32, 40));
    expect(fs.existsSync(partFile())).toBe(false);
  });

  it('skipped again before the move ran: the bytes stay in the part file and the file is not created', async () => {
    const s = await skippedAndWritten();
    const move = s.setSkipped(B, false);
    s.setSkipped(B, true);
    expect(await move).toEqual([]);
    expect(fs.existsSync(at('t/sub/b'))).toBe(false);
    expect(await s.read(0, 0, 16)).toEqual(piece(0));
  });

  it('un-skipping reports the pieces whose copy cannot be read back (a damaged part file)', async () => {
    const s = await skippedAndWritten();
    await s.close();
    fs.truncateSync(partFile(), 4096 + 8); // slot 0 (piece 3) cut short, the others gone
    const again = storage();
    again.setSkipped(B, true);
    again.setSkipped(D, true);
    await again.prepare();
    const lost = await again.setSkipped(B, false);
    expect(lost?.sort()).toEqual([0, 2]);
  });

  it('a file skipped while it exists keeps getting its bytes (no part file)', async () => {
    const s = storage();
    await s.prepare();
    await s.writePiece(1, piece(1)); // b exists now
    s.setSkipped(B, true);
    await s.writePiece(0, piece(0));
    expect(fs.readFileSync(at('t/sub/b')).subarray(0, 6)).toEqual(DATA.subarray(10, 16));
    expect(fs.existsSync(partFile())).toBe(false);
    expect(s.holdsPiece(0)).toBe(true);
  });

  it('prepare() drops copies no file uses any more and returns their pieces (to hash them from the files)', async () => {
    const s = await skippedAndWritten();
    await s.close();
    const again = storage();
    again.setSkipped(D, true); // b is wanted now: its bytes were (maybe partly) moved
    expect((await again.prepare()).sort()).toEqual([0, 2]);
    expect(again.partFilePieces()).toEqual([3]);
  });

  it('discard() drops one piece; "delete data" removes the part file with the files', async () => {
    const s = await skippedAndWritten();
    await s.discard(2);
    expect(s.partFilePieces().sort()).toEqual([0, 3]);
    await s.deleteFiles();
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('the part file stays inside the save folder', () => {
    expect(() => new Storage(root, files(), 16, TOTAL, resolveInSaveDir, '../escape.parts')).toThrow(MetainfoError);
    expect(storage(path.join(root, 'x') + path.sep).partFilePath).toBe(path.join(root, 'x', PARTS));
  });
});
