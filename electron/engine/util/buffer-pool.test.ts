import { describe, expect, it } from 'vitest';
import { BufferPool, copyInto, SHARED_SLICE_MAX } from './buffer-pool.js';

describe('BufferPool', () => {
  it('gives a piece-sized buffer a page-aligned slab of shared memory of its own, and a huge one memory of its own', () => {
    const pool = new BufferPool();
    const a = pool.take(SHARED_SLICE_MAX + 1);
    const b = pool.take(1024 * 1024);
    expect([a.length, b.length]).toEqual([SHARED_SLICE_MAX + 1, 1024 * 1024]);
    for (const buffer of [a, b]) {
      expect(buffer.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(buffer.byteOffset % 4096).toBe(0);
    }
    // Apart: b starts past the end of a.
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length);
    const huge = pool.take(8 * 1024 * 1024 + 1);
    expect(huge.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(huge.byteOffset).toBe(0);
    expect(huge.buffer.byteLength).toBe(huge.length);
  });

  it('always takes an aligned piece buffer back (its memory is only ever reused), whatever its retention limit', () => {
    // (Compared with ===: expect() would print megabytes of buffer on the way.)
    const pool = new BufferPool(0);
    const a = pool.take(1024 * 1024);
    pool.give(a);
    expect(pool.take(1024 * 1024) === a).toBe(true);
    const huge = pool.take(9 * 1024 * 1024);
    pool.give(huge);
    expect(pool.take(9 * 1024 * 1024) === huge).toBe(false);
  });

  it('hands out buffers of memory of their own past its aligned memory', () => {
    const pool = new BufferPool();
    const pieces = Array.from({ length: 20 }, () => pool.take(8 * 1024 * 1024));
    expect(pieces.filter((p) => p.buffer instanceof SharedArrayBuffer)).toHaveLength(16);
    expect(pieces.at(-1)!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    for (const p of pieces) expect(p.length).toBe(8 * 1024 * 1024);
  });

  it('cuts small buffers from shared slabs, none overlapping another, a new slab when one is full', () => {
    const pool = new BufferPool();
    const pieces = Array.from({ length: 130 }, (_, i) => pool.take(i === 64 ? 1000 : 16 * 1024));
    const slabs = new Set(pieces.map((p) => p.buffer));
    expect(slabs.size).toBe(3);
    for (const slab of slabs) expect(slab).toBeInstanceOf(SharedArrayBuffer);
    for (const slab of slabs) {
      const inSlab = pieces.filter((p) => p.buffer === slab).sort((x, y) => x.byteOffset - y.byteOffset);
      for (let i = 1; i < inSlab.length; i++) expect(inSlab[i]!.byteOffset).toBeGreaterThanOrEqual(inSlab[i - 1]!.byteOffset + inSlab[i - 1]!.length);
      expect(inSlab.at(-1)!.byteOffset + inSlab.at(-1)!.length).toBeLessThanOrEqual(slab.byteLength);
    }
    expect(pieces[64]!.length).toBe(1000);
    expect(pieces[65]!.byteOffset % 64).toBe(0);
    pool.give(pieces[3]!);
    expect(pool.take(16 * 1024)).toBe(pieces[3]);
  });

  it('copyInto copies into shared and plain buffers alike, truncated at the end like Buffer#copy', () => {
    const source = Buffer.from([1, 2, 3, 4, 5]);
    for (const target of [Buffer.from(new SharedArrayBuffer(8)), Buffer.alloc(8)]) {
      copyInto(target, 1, source);
      expect([...target]).toEqual([0, 1, 2, 3, 4, 5, 0, 0]);
      copyInto(target, 6, source);
      expect([...target]).toEqual([0, 1, 2, 3, 4, 5, 1, 2]);
      copyInto(target, 8, source);
      copyInto(target, 0, Buffer.alloc(0));
      expect([...target]).toEqual([0, 1, 2, 3, 4, 5, 1, 2]);
    }
  });

  it('reuses a returned buffer of the same length', () => {
    const pool = new BufferPool();
    const a = pool.take(4096);
    pool.give(a);
    expect(pool.take(4096)).toBe(a);
    expect(pool.take(4096)).not.toBe(a);
  });

  it('never hands out a buffer of another length', () => {
    const pool = new BufferPool();
    const small = pool.take(16);
    pool.give(small);
    const other = pool.take(32);
    expect(other).not.toBe(small);
    expect(other.length).toBe(32);
    expect(pool.take(16)).toBe(small);
  });

  it('hands each returned buffer out once (most recently returned first)', () => {
    const pool = new BufferPool();
    const a = pool.take(8);
    const b = pool.take(8);
    pool.give(a);
    pool.give(b);
    const first = pool.take(8);
    const second = pool.take(8);
    expect(first).toBe(b);
    expect(second).toBe(a);
    expect(pool.take(8)).not.toBe(a);
  });

  // Buffers of memory of their own (past ALIGNED_PIECE_MAX) are kept up to the retention limit.
  const HUGE = 8 * 1024 * 1024 + 1;

  it('drops returned buffers of memory of their own beyond its retention limit', () => {
    const pool = new BufferPool(2 * HUGE);
    const bufs = [pool.take(HUGE), pool.take(HUGE), pool.take(HUGE)];
    for (const b of bufs) pool.give(b);
    const back = [pool.take(HUGE), pool.take(HUGE), pool.take(HUGE)];
    expect(bufs.map((b) => back.includes(b))).toEqual([true, true, false]);
  });

  it('frees retention when buffers are taken back out', () => {
    const pool = new BufferPool(HUGE);
    const a = pool.take(HUGE);
    const b = pool.take(HUGE);
    pool.give(a);
    expect(pool.take(HUGE) === a).toBe(true); // retained drops back to 0
    pool.give(b);
    expect(pool.take(HUGE) === b).toBe(true);
  });

  it('retains nothing of memory of its own with a zero limit, and every aligned buffer', () => {
    const pool = new BufferPool(0);
    const huge = pool.take(HUGE);
    pool.give(huge);
    expect(pool.take(HUGE) === huge).toBe(false);
    // Small ones are slices of aligned slabs: dropping them would lose their memory for good.
    const small = Array.from({ length: 100 }, () => pool.take(16 * 1024));
    for (const b of small) pool.give(b);
    const again = Array.from({ length: 100 }, () => pool.take(16 * 1024));
    expect(small.every((b) => again.includes(b))).toBe(true);
  });
});
