import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('allocates a buffer of the requested length when the pool is empty', () => {
    const pool = new BufferPool();
    const a = pool.take(1000);
    const b = pool.take(1000);
    expect(a.length).toBe(1000);
    expect(b.length).toBe(1000);
    expect(a).not.toBe(b);
    expect(a.buffer).not.toBe(b.buffer);
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

  it('drops returned buffers beyond its retention limit', () => {
    const pool = new BufferPool(2048);
    const bufs = [pool.take(1024), pool.take(1024), pool.take(1024)];
    for (const b of bufs) pool.give(b);
    const back = new Set([pool.take(1024), pool.take(1024), pool.take(1024)]);
    expect(back.has(bufs[0]!)).toBe(true);
    expect(back.has(bufs[1]!)).toBe(true);
    expect(back.has(bufs[2]!)).toBe(false);
  });

  it('frees retention when buffers are taken back out', () => {
    const pool = new BufferPool(1024);
    const a = pool.take(1024);
    const b = pool.take(1024);
    pool.give(a);
    expect(pool.take(1024)).toBe(a); // retained drops back to 0
    pool.give(b);
    expect(pool.take(1024)).toBe(b);
  });

  it('retains nothing with a zero limit', () => {
    const pool = new BufferPool(0);
    const a = pool.take(1);
    pool.give(a);
    expect(pool.take(1)).not.toBe(a);
  });
});
