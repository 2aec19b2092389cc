import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.js';

/** A loader that fills the buffer it is given with `fill` and counts its calls. */
function filler(fill: number, calls: number[]): (into: Buffer) => Promise<Buffer> {
  return async (into) => {
    calls.push(fill);
    return into.fill(fill);
  };
}

describe('ReadCache', () => {
  it('reads a piece once for many blocks', async () => {
    const cache = new ReadCache(100, 10);
    const calls: number[] = [];
    const pieces = await Promise.all([1, 2, 3].map(() => cache.borrow(1, 10, filler(7, calls))));
    expect(calls).toEqual([7]);
    for (const p of pieces) expect(p.data).toEqual(Buffer.alloc(10, 7));
  });

  it('evicts least recently used pieces beyond its byte budget', async () => {
    const cache = new ReadCache(20, 10);
    const calls: number[] = [];
    const get = async (i: number): Promise<void> => (await cache.borrow(i, 10, filler(i, calls))).release();
    await get(1);
    await get(2);
    await get(1); // refresh 1
    await get(3); // evicts 2
    await get(1);
    await get(2);
    expect(calls).toEqual([1, 2, 3, 2]);
  });

  it('counts pieces that left the cache while borrowed, until their last borrower releases them', async () => {
    const cache = new ReadCache(20, 10);
    const held = [];
    // One block of each piece, never released (a peer that does not read): pieces 1..4 pinned.
    for (let i = 1; i <= 4; i++) held.push(await cache.borrow(i, 10, filler(i, [])));
    expect(cache.heldBeyondCache).toBe(20);
    expect(cache.overHeld).toBe(true);
    held[0]!.release();
    held[0]!.release();
    expect(cache.heldBeyondCache).toBe(10);
    expect(cache.overHeld).toBe(false);
    held[2]!.release(); // still cached: was never counted
    expect(cache.heldBeyondCache).toBe(10);
    held[1]!.release();
    expect(cache.heldBeyondCache).toBe(0);
  });

  it('does not keep failed reads', async () => {
    const cache = new ReadCache(100, 10);
    await expect(cache.borrow(1, 10, () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    const ok = await cache.borrow(1, 10, filler(5, []));
    expect(ok.data).toEqual(Buffer.alloc(10, 5));
  });

  it('reuses an evicted piece buffer only after every borrower released it', async () => {
    const cache = new ReadCache(10, 10);
    const first = await cache.borrow(1, 10, filler(1, []));
    const held = first.data;
    await cache.borrow(2, 10, filler(2, [])).then((p) => p.release()); // evicts piece 1, still borrowed
    await Promise.resolve();
    expect(cache.spareCount).toBe(0);
    // Piece 3 must not be read into piece 1's buffer while a socket may still be sending it.
    await cache.borrow(3, 10, filler(3, [])).then((p) => p.release());
    expect(held).toEqual(Buffer.alloc(10, 1));
    first.release();
    first.release(); // idempotent: one buffer is not recycled twice
    await Promise.resolve();
    expect(cache.spareCount).toBe(2);
    const fourth = await cache.borrow(4, 10, filler(4, []));
    expect(fourth.data.buffer).toBe(held.buffer);
  });

  it('serves the shorter last piece from a recycled buffer', async () => {
    const cache = new ReadCache(10, 10);
    (await cache.borrow(1, 10, filler(1, []))).release();
    const last = await cache.borrow(2, 4, filler(9, []));
    expect(last.data).toEqual(Buffer.alloc(4, 9));
  });
});
