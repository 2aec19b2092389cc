import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferPool } from '../util/buffer-pool.js';
import { DiskWorkers } from './disk-workers.js';

const workers = new DiskWorkers(2);
afterAll(() => workers.close());

function pieceOf(bytes: number, fill: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes).fill(fill);
}

describe('DiskWorkers', () => {
  it('hashes on a worker and hands the buffer back intact', async () => {
    const piece = pieceOf(256 * 1024, 7);
    const expected = createHash('sha1').update(piece).digest();
    const result = await workers.run(piece, expected, []);
    expect(result.ok).toBe(true);
    expect(piece.length).toBe(0); // transferred, not copied
    expect(result.buffer.length).toBe(256 * 1024);
    expect(result.buffer.every((b) => b === 7)).toBe(true);
  });

  it('runs its threads with a small young generation (their JavaScript allocates little; the default limit is 48 MiB each)', async () => {
    const own = new DiskWorkers(1);
    try {
      const piece = pieceOf(16 * 1024, 1);
      await own.run(piece, createHash('sha1').update(piece).digest(), []);
      const limits = own.threadLimits();
      expect(limits).toHaveLength(1);
      expect(limits[0]!.maxYoungGenerationSizeMb).toBeGreaterThan(0);
      expect(limits[0]!.maxYoungGenerationSizeMb).toBeLessThanOrEqual(4);
    } finally {
      await own.close();
    }
  });

  it('starts its threads ahead of the first piece when warmed, and none once closed', async () => {
    const own = new DiskWorkers(2);
    expect(own.threadLimits()).toHaveLength(0);
    own.warm();
    own.warm();
    expect(own.threadLimits()).toHaveLength(2);
    const piece = pieceOf(16 * 1024, 3);
    expect((await own.run(piece, createHash('sha1').update(piece).digest(), [])).ok).toBe(true);
    expect(own.threadLimits()).toHaveLength(2);
    await own.close();
    own.warm();
    expect(own.threadLimits()).toHaveLength(0);
  });

  it('writes only when the hash matches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      const good = pieceOf(1024, 1);
      const goodHash = createHash('sha1').update(good).digest();
      const bad = await workers.run(pieceOf(1024, 2), goodHash, [{ fd, bufferOffset: 0, length: 1024, position: 0 }]);
      expect(bad.ok).toBe(false);
      expect(fs.statSync(file).size).toBe(0);
      const ok = await workers.run(good, goodHash, [{ fd, bufferOffset: 512, length: 512, position: 100 }]);
      expect(ok.ok).toBe(true);
      const onDisk = fs.readFileSync(file);
      expect(onDisk.length).toBe(612);
      expect(onDisk.subarray(100).every((b) => b === 1)).toBe(true);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed write with its error code', async () => {
    const piece = pieceOf(64, 3);
    const expected = createHash('sha1').update(piece).digest();
    await expect(workers.run(piece, expected, [{ fd: 987654, bufferOffset: 0, length: 64, position: 0 }])).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('refuses large buffers that share memory with others (they cannot be transferred safely)', async () => {
    const shared = Buffer.allocUnsafeSlow(128 * 1024).subarray(0, 64 * 1024);
    await expect(workers.run(shared, Buffer.alloc(20), [])).rejects.toThrow(/own their memory/);
  });

  it('copies small pieces (their memory may be shared) and hands them back untouched', async () => {
    const slab = Buffer.allocUnsafe(64).fill(5); // cut from Node's shared pool
    const result = await workers.run(slab, createHash('sha1').update(slab).digest(), []);
    expect(result.ok).toBe(true);
    expect(result.buffer).toBe(slab);
    expect(slab.every((b) => b === 5)).toBe(true);
  });
});

describe('DiskWorkers batches', () => {
  it('hashes each piece of a batch, writes the good ones (adjacent ones together) and hands every buffer back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      const slab = new SharedArrayBuffer(4 * 1024);
      const shared = [0, 1, 2, 3].map((i) => Buffer.from(slab, i * 1024, 1024).fill(10 + i));
      const owned = pieceOf(1024, 20);
      const hashes = [...shared, owned].map((b) => createHash('sha1').update(b).digest());
      hashes[2] = Buffer.alloc(20); // piece 2 is corrupt: never written
      // Pieces 3, 0, 1 land adjacently (one writev), out of order in the batch; 4 is copied.
      const at = [1024, 2048, 3072, 0, 4096];
      const results = await workers.runBatch(
        [...shared, owned].map((buffer, i) => ({ buffer, expected: hashes[i]!, writes: [{ fd, bufferOffset: 0, length: 1024, position: at[i]! }] })),
      );
      expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true]);
      expect(results.every((r) => r.error === null)).toBe(true);
      expect(results.slice(0, 4).map((r) => r.buffer)).toEqual(shared); // shared memory stays where it is
      expect(results[4]!.buffer).toBe(owned);
      expect(owned.every((b) => b === 20)).toBe(true);
      const onDisk = fs.readFileSync(file);
      expect(onDisk.length).toBe(5 * 1024);
      const fillAt = (pos: number): number => onDisk[pos]!;
      expect([0, 1024, 2048, 3072, 4096].map(fillAt)).toEqual([13, 10, 11, 0, 20]);
      expect(onDisk.subarray(3072, 4096).every((b) => b === 0)).toBe(true);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends small pieces copied into one staging buffer and large ones transferred, in one batch', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      // 16 KiB, 32 KiB (copied), 48 KiB (transferred), 16 KiB (copied), adjacent on disk in that order.
      const sizes = [16, 32, 48, 16].map((k) => k * 1024);
      const buffers = sizes.map((n, i) => pieceOf(n, 30 + i));
      const at = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
      for (let round = 0; round < 3; round++) {
        const pieces = buffers.map((b, i) => (b.length > 0 ? b : pieceOf(sizes[i]!, 30 + i)));
        const results = await workers.runBatch(
          pieces.map((buffer, i) => ({ buffer, expected: createHash('sha1').update(buffer).digest(), writes: [{ fd, bufferOffset: 0, length: buffer.length, position: at[i]! }] })),
        );
        expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
        expect(results[0]!.buffer).toBe(pieces[0]);
        expect(results[3]!.buffer).toBe(pieces[3]);
        expect(pieces[2]!.length).toBe(0); // transferred
        expect(results[2]!.buffer.length).toBe(48 * 1024);
        results.forEach((r, i) => expect(r.buffer.every((b) => b === 30 + i)).toBe(true));
        buffers[2] = results[2]!.buffer;
      }
      const onDisk = fs.readFileSync(file);
      expect(onDisk.length).toBe(112 * 1024);
      sizes.forEach((n, i) => expect(onDisk.subarray(at[i]!, at[i]! + n).every((b) => b === 30 + i)).toBe(true));
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes long runs and large pieces in several calls, every byte where it belongs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      // 12 adjacent 16 KiB pieces (192 KiB: more than one call's worth), then a 300 KiB piece.
      const small = Array.from({ length: 12 }, (_, i) => pieceOf(16 * 1024, 50 + i));
      const large = Buffer.allocUnsafeSlow(300 * 1024);
      for (let i = 0; i < large.length; i++) large[i] = (i * 7) & 0xff;
      const expectedFile = Buffer.concat([...small, large]);
      let position = 0;
      const jobs = [...small, large].map((buffer) => {
        const job = { buffer, expected: createHash('sha1').update(buffer).digest(), writes: [{ fd, bufferOffset: 0, length: buffer.length, position }] };
        position += buffer.length;
        return job;
      });
      const results = await workers.runBatch(jobs);
      expect(results.every((r) => r.ok && r.error === null)).toBe(true);
      expect(fs.readFileSync(file).equals(expectedFile)).toBe(true);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed write against the pieces it held, and only those', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const fd = fs.openSync(path.join(dir, 'f'), 'w+');
    try {
      const slab = new SharedArrayBuffer(2 * 64);
      const a = Buffer.from(slab, 0, 64).fill(1);
      const b = Buffer.from(slab, 64, 64).fill(2);
      const hash = (x: Buffer): Buffer => createHash('sha1').update(x).digest();
      const results = await workers.runBatch([
        { buffer: a, expected: hash(a), writes: [{ fd, bufferOffset: 0, length: 64, position: 0 }] },
        { buffer: b, expected: hash(b), writes: [{ fd: 987654, bufferOffset: 0, length: 64, position: 0 }] },
      ]);
      expect(results[0]!.error).toBeNull();
      expect(results[1]!.error).toMatchObject({ code: 'EBADF' });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Whether `dir`'s file system takes O_DIRECT opens (ext4 here does; tmpfs does not). */
function directSupported(dir: string): boolean {
  try {
    fs.closeSync(fs.openSync(path.join(dir, 'probe'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(path.join(dir, 'probe'), { force: true });
  }
}

/** Writes `pieces` pieces of `pieceBytes` at `start` (adjacent, one batch) with `w`; returns what is on disk. */
async function writeAdjacent(w: DiskWorkers, dir: string, start: number, pieceBytes: number, pieces: number): Promise<{ onDisk: Buffer; expected: Buffer }> {
  const file = path.join(dir, 'f');
  const fd = fs.openSync(file, 'w+');
  try {
    const buffers = Array.from({ length: pieces }, (_, k) => {
      const b = Buffer.allocUnsafeSlow(pieceBytes);
      for (let i = 0; i < b.length; i++) b[i] = (i * 31 + k * 7) & 0xff;
      return b;
    });
    const expected = Buffer.concat(buffers);
    const jobs = buffers.map((buffer, k) => ({ buffer, expected: createHash('sha1').update(buffer).digest(), writes: [{ fd, bufferOffset: 0, length: pieceBytes, position: start + k * pieceBytes }] }));
    const results = await w.runBatch(jobs);
    expect(results.every((r) => r.ok && r.error === null)).toBe(true);
    return { onDisk: fs.readFileSync(file).subarray(start), expected };
  } finally {
    fs.closeSync(fd);
  }
}

describe('DiskWorkers direct writes', () => {
  it('writes the 64 KiB-aligned middle of a run directly and the unaligned ends through the page cache, every byte right', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const w = new DiskWorkers(1);
    try {
      // 40 pieces of 16 KiB starting 5,000 bytes in: an unaligned head, 9 aligned 64 KiB blocks, an unaligned tail.
      const { onDisk, expected } = await writeAdjacent(w, dir, 5000, 16 * 1024, 40);
      expect(onDisk.equals(expected)).toBe(true);
      const aligned = Math.floor((5000 + 40 * 16 * 1024) / 65536) * 65536 - 65536;
      if (directSupported(dir)) expect(w.directBytesWritten).toBe(aligned);
      else expect(w.directBytesWritten).toBe(0);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes whole 1 MiB pieces directly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const w = new DiskWorkers(1);
    try {
      const { onDisk, expected } = await writeAdjacent(w, dir, 0, 1024 * 1024, 3);
      expect(onDisk.equals(expected)).toBe(true);
      expect(w.directBytesWritten).toBe(directSupported(dir) ? 3 * 1024 * 1024 : 0);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes through the page cache once direct writes take most of the time (the device does not keep up)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    // Every window is judged, and any time spent writing directly is too much: after the first batch, paused.
    const w = new DiskWorkers(1, true, { windowMs: 0, busyShare: 0, pauseMs: 3_600_000, minBytes: 0, maxPauseMs: 3_600_000 });
    try {
      const first = await writeAdjacent(w, dir, 0, 1024 * 1024, 2);
      expect(first.onDisk.equals(first.expected)).toBe(true);
      const direct = directSupported(dir) ? 2 * 1024 * 1024 : 0;
      expect(w.directBytesWritten).toBe(direct);
      const second = await writeAdjacent(w, dir, 4 * 1024 * 1024, 1024 * 1024, 2);
      expect(second.onDisk.equals(second.expected)).toBe(true);
      expect(w.directBytesWritten).toBe(direct);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes through the page cache when turned off; on tmpfs as that file system allows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const off = new DiskWorkers(1, false);
    const onTmpfs = new DiskWorkers(1);
    const shm = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/tessera-disk-') : null;
    try {
      const a = await writeAdjacent(off, dir, 0, 1024 * 1024, 2);
      expect(a.onDisk.equals(a.expected)).toBe(true);
      expect(off.directBytesWritten).toBe(0);
      if (shm) {
        // tmpfs takes O_DIRECT from Linux 6.6 on; before, the open is refused and the write buffered.
        const b = await writeAdjacent(onTmpfs, shm, 0, 1024 * 1024, 2);
        expect(b.onDisk.equals(b.expected)).toBe(true);
        expect(onTmpfs.directBytesWritten).toBe(directSupported(shm) ? 2 * 1024 * 1024 : 0);
      }
    } finally {
      await off.close();
      await onTmpfs.close();
      fs.rmSync(dir, { recursive: true, force: true });
      if (shm) fs.rmSync(shm, { recursive: true, force: true });
    }
  });
});

describe('DiskWorkers direct writes from page-aligned pieces', () => {
  /** 40 adjacent 16 KiB pieces from `take`, written at 0 in one batch; true when every byte is right. */
  async function writePieces(w: DiskWorkers, dir: string, take: (bytes: number) => Buffer): Promise<boolean> {
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      const pieces = Array.from({ length: 40 }, (_, k) => {
        const b = take(16 * 1024);
        for (let i = 0; i < b.length; i++) b[i] = (i * 13 + k * 5) & 0xff;
        return b;
      });
      const jobs = pieces.map((buffer, k) => ({ buffer, expected: createHash('sha1').update(buffer).digest(), writes: [{ fd, bufferOffset: 0, length: buffer.length, position: k * buffer.length }] }));
      const results = await w.runBatch(jobs);
      return results.every((r) => r.ok && r.error === null) && fs.readFileSync(file).equals(Buffer.concat(pieces));
    } finally {
      fs.closeSync(fd);
    }
  }

  it('writes pieces of the picker\'s pool from where they are, with no staging copy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const w = new DiskWorkers(1);
    try {
      if (!directSupported(dir)) throw new Error(`this test needs a temp folder that takes O_DIRECT (${os.tmpdir()})`);
      const pool = new BufferPool();
      expect(await writePieces(w, dir, (n) => pool.take(n))).toBe(true);
      // All 640 KiB directly; only the first 4 KiB, the probe that finds the staging buffer's
      // alignment, went through the copy.
      expect(w.directBytesWritten).toBe(40 * 16 * 1024);
      expect(w.inPlaceBytesWritten).toBe(40 * 16 * 1024 - 4096);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies pieces in memory of their own or in shared memory not known to be aligned, every byte right', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const w = new DiskWorkers(1);
    try {
      if (!directSupported(dir)) throw new Error(`this test needs a temp folder that takes O_DIRECT (${os.tmpdir()})`);
      expect(await writePieces(w, dir, (n) => Buffer.allocUnsafeSlow(n))).toBe(true);
      expect(w.directBytesWritten).toBe(40 * 16 * 1024);
      expect(w.inPlaceBytesWritten).toBe(0);
      // malloc'd shared memory: page-aligned or not (the kernel tells), the bytes land right.
      const slab = new SharedArrayBuffer(1024 * 1024);
      let used = 0;
      expect(await writePieces(w, dir, (n) => Buffer.from(slab, (used += n) - n, n))).toBe(true);
      // Views off a page are never tried in place.
      const aligned = new BufferPool();
      const before = w.inPlaceBytesWritten;
      expect(await writePieces(w, dir, (n) => aligned.take(n + 64).subarray(64))).toBe(true);
      expect(w.inPlaceBytesWritten).toBe(before);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
