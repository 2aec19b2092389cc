import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDLE_MS, ReadCache } from './read-cache.js';
import { ReadCacheShares } from './read-cache-shares.js';

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

  describe('sharing the session budget', () => {
    afterEach(() => vi.useRealTimers());

    it('caches no more than its part of the total while others upload', async () => {
      const shares = new ReadCacheShares(40, 40, 10);
      const a = new ReadCache(shares, 10);
      const b = new ReadCache(shares, 10);
      for (let i = 1; i <= 4; i++) (await a.borrow(i, 10, filler(i, []))).release();
      expect(a.cachedBytes).toBe(40);
      // b starts uploading: a's part is halved at once, without a's reading anything more.
      (await b.borrow(1, 10, filler(1, []))).release();
      expect(a.cachedBytes).toBe(20);
      expect(a.spareCount * 10).toBeLessThanOrEqual(20 + 10);
    });

    it('copies blocks once held pieces pass its part, not the whole total', async () => {
      const shares = new ReadCacheShares(40, 40, 10);
      const a = new ReadCache(shares, 10);
      (await new ReadCache(shares, 10).borrow(9, 10, filler(9, []))).release(); // another torrent uploads
      const held = [];
      for (let i = 1; i <= 4; i++) held.push(await a.borrow(i, 10, filler(i, [])));
      expect(a.heldBeyondCache).toBe(20);
      expect(a.overHeld).toBe(true);
      for (const p of held) p.release();
    });

    it('gives everything back and leaves the shares when it served nothing for a while', async () => {
      vi.useFakeTimers();
      const shares = new ReadCacheShares(40, 40, 10);
      const cache = new ReadCache(shares, 10);
      for (let i = 1; i <= 3; i++) (await cache.borrow(i, 10, filler(i, []))).release();
      const pinned = await cache.borrow(4, 10, filler(4, []));
      expect(shares.count).toBe(1);
      vi.advanceTimersByTime(IDLE_MS); // used during the first period: stays
      expect(cache.active).toBe(true);
      vi.advanceTimersByTime(IDLE_MS);
      expect(cache.active).toBe(false);
      expect(shares.count).toBe(0);
      expect(cache.cachedBytes).toBe(0);
      expect(cache.spareCount).toBe(0);
      // A block still queued in a socket holds its piece until written, and only until then.
      expect(cache.heldBeyondCache).toBe(10);
      pinned.release();
      expect(cache.heldBeyondCache).toBe(0);
      expect(cache.spareCount).toBe(0);
      // Serving again joins again.
      (await cache.borrow(1, 10, filler(1, []))).release();
      expect(shares.count).toBe(1);
      cache.release();
    });
  });
});
