import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPieces, planRuns, readBufferBytes } from './piece-hasher.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function files(lengths: number[]): Promise<{ list: Array<{ absolute: string; length: number }>; all: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'hasher-'));
  dirs.push(dir);
  const list = [];
  const parts = [];
  for (const [i, length] of lengths.entries()) {
    const data = randomBytes(length);
    const absolute = join(dir, `f${i}`);
    await writeFile(absolute, data);
    list.push({ absolute, length });
    parts.push(data);
  }
  return { list, all: Buffer.concat(parts) };
}

function reference(all: Buffer, pieceLength: number): Buffer {
  const out = [];
  for (let at = 0; at < all.length; at += pieceLength) out.push(createHash('sha1').update(all.subarray(at, at + pieceLength)).digest());
  return Buffer.concat(out);
}

describe('hashPieces', () => {
  it('gives the SHA-1 of every piece across file boundaries, empty files and a short last piece, with any threads and run size', async () => {
    const { list, all } = await files([0, 5000, 16384, 1, 0, 70000, 3]);
    for (const [threads, runBytes, maxFiles] of [[1, 1 << 20, 1024], [2, 16384, 1024], [3, 32768, 1024], [4, 40000, 1024], [2, 1 << 20, 2]] as const) {
      expect((await hashPieces(list, 16384, undefined, { threads, runBytes, maxFiles })).equals(reference(all, 16384))).toBe(true);
    }
    expect((await hashPieces(list, 65536)).equals(reference(all, 65536))).toBe(true);
  });

  it('hashes pieces longer than its read buffer read by read, the last one short', async () => {
    const { list, all } = await files([100_000, 1, 70_000]);
    for (const [threads, runBytes] of [[1, 1 << 20], [2, 65536]] as const) {
      expect((await hashPieces(list, 65536, undefined, { threads, runBytes, readBytes: 16384 })).equals(reference(all, 65536))).toBe(true);
    }
  });

  it('reads into a buffer of at most its read size, whatever the piece length', () => {
    const MiB = 1024 * 1024;
    expect(readBufferBytes(256 * MiB)).toBeLessThanOrEqual(4 * MiB);
    expect(readBufferBytes(256 * MiB, MiB)).toBe(MiB);
    // Whole pieces when they fit.
    expect(readBufferBytes(16384, 40000)).toBe(32768);
  });

  it('reports progress up to the total', async () => {
    const { list, all } = await files([100_000, 50_000]);
    const seen: number[] = [];
    await hashPieces(list, 16384, { onProgress: (hashed, total) => {
      expect(total).toBe(all.length);
      seen.push(hashed);
    } }, { threads: 2, runBytes: 32768 });
    expect(seen.at(-1)).toBe(all.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('fails with the file named when a file shrinks while hashing', async () => {
    const { list } = await files([40000, 40000]);
    await truncate(list[1]!.absolute, 100);
    await expect(hashPieces(list, 16384, undefined, { threads: 2, runBytes: 16384 })).rejects.toThrow(/f1 shrank/);
  });
});

describe('planRuns', () => {
  it('cuts whole pieces into runs that cover every byte once', () => {
    const runs = [...planRuns([{ absolute: 'a', length: 10 }, { absolute: 'b', length: 0 }, { absolute: 'c', length: 25 }], 8, 16)];
    expect(runs.map((r) => [r.firstPiece, r.pieceCount, r.bytes])).toEqual([[0, 2, 16], [2, 2, 16], [4, 1, 3]]);
    expect(runs.flatMap((r) => r.segments)).toEqual([
      { path: 'a', position: 0, length: 10 },
      { path: 'c', position: 0, length: 6 },
      { path: 'c', position: 6, length: 16 },
      { path: 'c', position: 22, length: 3 },
    ]);
  });

  it('ends a run at the first piece boundary once it holds enough files', () => {
    const files = Array.from({ length: 10 }, (_, i) => ({ absolute: `f${i}`, length: 3 }));
    // Pieces of 4 bytes, runs of 16 bytes and 2 stretches: a run ends with the piece its second
    // stretch ends in (which may take one more file), not after 16 bytes.
    const runs = [...planRuns(files, 4, 16, 2)];
    expect(runs.map((r) => [r.firstPiece, r.pieceCount, r.bytes])).toEqual([[0, 2, 8], [2, 1, 4], [3, 2, 8], [5, 1, 4], [6, 2, 6]]);
    expect(runs.map((r) => r.segments.length)).toEqual([3, 2, 3, 2, 2]);
    expect(runs.flatMap((r) => r.segments).reduce((n, s) => n + s.length, 0)).toBe(30);
    // A stretch count reached mid-piece finishes the piece.
    const mid = [...planRuns([{ absolute: 'a', length: 1 }, { absolute: 'b', length: 1 }, { absolute: 'c', length: 10 }], 8, 16, 2)];
    expect(mid.map((r) => [r.firstPiece, r.bytes, r.segments.length])).toEqual([[0, 8, 3], [1, 4, 1]]);
  });

  it('plans runs one at a time, as they are taken', () => {
    // 2^20 runs of one 256 MiB piece: only the first is made.
    const runs = planRuns([{ absolute: 'big', length: 2 ** 48 }], 2 ** 28, 2 ** 25);
    expect(runs.next().value).toEqual({ firstPiece: 0, pieceCount: 1, bytes: 2 ** 28, segments: [{ path: 'big', position: 0, length: 2 ** 28 }] });
  });
});
