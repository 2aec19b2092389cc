import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileData, v2Hashes } from './test-torrents.js';
import { allocV2Hashes, fileLayer, fileRoot, fileSha1, hashV2Files, planSlices } from './v2-hasher.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function files(lengths: number[]): Promise<{ list: Array<{ absolute: string; length: number }>; data: Buffer[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'v2-hasher-'));
  dirs.push(dir);
  const list = [];
  const data = [];
  for (const [i, length] of lengths.entries()) {
    const bytes = fileData(length, i + 1);
    const absolute = join(dir, `f${i}`);
    await writeFile(absolute, bytes);
    list.push({ absolute, length });
    data.push(bytes);
  }
  return { list, data };
}

/** SHA-1 of each piece, the last one zero-padded to a whole piece when `pad`. */
function sha1Reference(data: Buffer, pieceLength: number, pad: boolean): Buffer {
  const out = [];
  for (let at = 0; at < data.length; at += pieceLength) {
    const piece = data.subarray(at, at + pieceLength);
    const h = createHash('sha1').update(piece);
    if (pad && piece.length < pieceLength) h.update(Buffer.alloc(pieceLength - piece.length));
    out.push(h.digest());
  }
  return Buffer.concat(out);
}

const KiB = 1024;
const PIECE = 32 * KiB;
// Empty, sub-block, one block, one piece, just over a piece, many pieces with a short tail
// (37 pieces: several slices whose count is not a power of two), exactly 8 pieces.
const LENGTHS = [0, 700, 16 * KiB, PIECE, PIECE + 1, 36 * PIECE + 5000, 8 * PIECE];

describe('hashV2Files', () => {
  it('gives the BEP 52 roots and piece layers and the padded SHA-1 pieces, whatever the threads, job and read sizes', async () => {
    const { list, data } = await files(LENGTHS);
    // [threads, bytes per job (pieces per slice), bytes per read]: one slice per file with
    // whole-piece reads; 4- and 1-piece slices; reads shorter than a piece; reads of 1½ pieces.
    const tunings = [
      [2, 16 * 1024 * KiB, 4 * 1024 * KiB],
      [1, 4 * PIECE, 2 * PIECE],
      [3, 5 * PIECE, 16 * KiB],
      [2, PIECE, 48 * KiB],
    ] as const;
    for (const [threads, runBytes, readBytes, maxFiles] of [...tunings.map((t) => [...t, 1024] as const), [2, 16 * 1024 * KiB, 4 * 1024 * KiB, 2] as const]) {
      const got = await hashV2Files(list, PIECE, { sha1: true, padLastPiece: true }, undefined, { threads, runBytes, readBytes, maxFiles });
      data.forEach((bytes, i) => {
        const want = v2Hashes(bytes, PIECE);
        const label = `file ${i} with ${threads}/${runBytes}/${readBytes}`;
        if (bytes.length === 0) expect(fileRoot(got, i), label).toBeNull();
        else expect(fileRoot(got, i)?.toString('hex'), label).toBe(want.root.toString('hex'));
        expect((fileLayer(got, i) ?? Buffer.alloc(0)).toString('hex'), label).toBe(want.layer.toString('hex'));
        expect(fileSha1(got, i).toString('hex'), label).toBe(sha1Reference(bytes, PIECE, true).toString('hex'));
      });
      // The SHA-1s of all the files in order: a hybrid's v1 'pieces'.
      expect(got.sha1.equals(Buffer.concat(data.map((bytes) => sha1Reference(bytes, PIECE, true))))).toBe(true);
    }
  });

  it('leaves the last SHA-1 piece short without padLastPiece, and hashes no SHA-1 for v2 only', async () => {
    const { list, data } = await files([3 * PIECE + 100]);
    for (const readBytes of [16 * KiB, 4 * PIECE]) {
      const short = await hashV2Files(list, PIECE, { sha1: true, padLastPiece: false }, undefined, { readBytes });
      expect(fileSha1(short, 0).equals(sha1Reference(data[0]!, PIECE, false))).toBe(true);
    }
    const v2 = await hashV2Files(list, PIECE, { sha1: false, padLastPiece: false });
    expect(v2.sha1.length).toBe(0);
    expect(fileRoot(v2, 0)!.equals(v2Hashes(data[0]!, PIECE).root)).toBe(true);
  });

  it('reports progress up to the total', async () => {
    const { list } = await files([10 * PIECE, 3 * PIECE + 7]);
    const seen: number[] = [];
    await hashV2Files(list, PIECE, { sha1: true, padLastPiece: true }, { onProgress: (hashed, total) => {
      expect(total).toBe(13 * PIECE + 7);
      seen.push(hashed);
    } }, { threads: 2, runBytes: 2 * PIECE });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(13 * PIECE + 7);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('fails with the file named when a file shrinks while hashing', async () => {
    const { list } = await files([4 * PIECE, 4 * PIECE]);
    await truncate(list[1]!.absolute, 100);
    await expect(hashV2Files(list, PIECE, { sha1: false, padLastPiece: true }, undefined, { threads: 2, runBytes: PIECE })).rejects.toThrow(/f1 shrank/);
  });
});

describe('planSlices', () => {
  it('cuts each file into aligned power-of-two slices of whole pieces and packs small files together', () => {
    const jobs = [...planSlices(
      [{ absolute: 'a', length: 10 * PIECE + 1 }, { absolute: 'b', length: 0 }, { absolute: 'c', length: 100 }, { absolute: 'd', length: 2 * PIECE }],
      PIECE,
      { sha1: true, padLastPiece: true },
      5 * PIECE,
    )];
    const slices = jobs.map((j) => j.slices.map((s) => [s.path, s.firstPiece, s.pieceCount, s.position, s.length, s.leaves, s.rootWidth, s.padLast]));
    expect(slices).toEqual([
      [['a', 0, 4, 0, 4 * PIECE, 2, 4, false]],
      [['a', 4, 4, 4 * PIECE, 4 * PIECE, 2, 4, false]],
      [['a', 8, 3, 8 * PIECE, 2 * PIECE + 1, 2, 4, true], ['c', 0, 1, 0, 100, 1, 1, true], ['d', 0, 2, 0, 2 * PIECE, 2, 2, true]],
    ]);
    expect(jobs.map((j) => j.bytes)).toEqual([4 * PIECE, 4 * PIECE, 4 * PIECE + 101]);
  });
});

describe('V2Hashes', () => {
  it('holds every hash of a file of 600,000 pieces in three buffers, with views for one file', () => {
    // A 9.2 GiB file in 16 KiB pieces, and two small files: no object per piece.
    const h = allocV2Hashes([{ length: 600_000 * 16384 }, { length: 0 }, { length: 100 }], 16384, true);
    expect([h.roots.length, h.layers.length, h.sha1.length]).toEqual([3 * 32, 600_001 * 32, 600_001 * 20]);
    expect([...h.firstPiece]).toEqual([0, 600_000, 600_000, 600_001]);
    expect(fileLayer(h, 0)!.length).toBe(600_000 * 32);
    expect(fileLayer(h, 0)!.buffer).toBe(h.layers.buffer);
    expect([fileRoot(h, 1), fileLayer(h, 1), fileLayer(h, 2)]).toEqual([null, null, null]);
    expect(fileSha1(h, 2).length).toBe(20);
  });

  it('puts at most maxSlices slices in a job', () => {
    const small = Array.from({ length: 10 }, (_, i) => ({ absolute: `f${i}`, length: 100 }));
    const jobs = [...planSlices(small, PIECE, { sha1: false, padLastPiece: true }, 16 * 1024 * KiB, 4)];
    expect(jobs.map((j) => j.slices.length)).toEqual([4, 4, 2]);
  });

  it('plans slices one at a time, as they are taken', () => {
    // 2^20 slices of one 32 MiB piece: only the first is made.
    const jobs = planSlices([{ absolute: 'big', length: 2 ** 45 }], 2 ** 25, { sha1: false, padLastPiece: false });
    expect(jobs.next().value?.slices.map((s) => [s.firstPiece, s.pieceCount])).toEqual([[0, 1]]);
  });
});
