import { describe, expect, it } from 'vitest';
import { MAX_READ_CACHE_SHARE, MIN_READ_CACHE_SHARE, ReadCacheShares, SESSION_READ_CACHE_BYTES } from './read-cache-shares.js';

describe('ReadCacheShares', () => {
  it('gives a torrent alone what one torrent always had', () => {
    const shares = new ReadCacheShares();
    shares.join(() => undefined);
    expect(shares.share).toBe(MAX_READ_CACHE_SHARE);
  });

  it('splits the total among uploading torrents, never below the floor', () => {
    const shares = new ReadCacheShares();
    const leaves = Array.from({ length: 8 }, () => shares.join(() => undefined));
    expect(shares.share).toBe(SESSION_READ_CACHE_BYTES / 8);
    const more = Array.from({ length: 92 }, () => shares.join(() => undefined));
    expect(shares.share).toBe(MIN_READ_CACHE_SHARE);
    for (const leave of [...leaves, ...more]) leave();
    expect(shares.count).toBe(0);
  });

  it('tells the others to shrink when a newcomer makes the parts smaller', () => {
    const shares = new ReadCacheShares(40, 20, 1);
    let shrunk = 0;
    shares.join(() => shrunk++);
    shares.join(() => undefined); // 20 each: no smaller than before
    expect(shrunk).toBe(0);
    shares.join(() => undefined); // 13 each
    expect(shrunk).toBe(1);
  });

  it('counts a leave once, however often it is called', () => {
    const shares = new ReadCacheShares();
    const leave = shares.join(() => undefined);
    shares.join(() => undefined);
    leave();
    leave();
    expect(shares.count).toBe(1);
  });
});
