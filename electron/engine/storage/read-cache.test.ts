import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.js';

describe('ReadCache', () => {
  it('reads a piece once for many blocks', async () => {
    const cache = new ReadCache(100);
    let loads = 0;
    const load = async (): Promise<Buffer> => {
      loads++;
      return Buffer.from('piece');
    };
    await Promise.all([cache.get(1, 10, load), cache.get(1, 10, load), cache.get(1, 10, load)]);
    expect(loads).toBe(1);
  });

  it('evicts least recently used pieces beyond its byte budget', async () => {
    const cache = new ReadCache(20);
    const loads: number[] = [];
    const loader = (i: number) => async (): Promise<Buffer> => {
      loads.push(i);
      return Buffer.alloc(10);
    };
    await cache.get(1, 10, loader(1));
    await cache.get(2, 10, loader(2));
    await cache.get(1, 10, loader(1)); // refresh 1
    await cache.get(3, 10, loader(3)); // evicts 2
    await cache.get(1, 10, loader(1));
    await cache.get(2, 10, loader(2));
    expect(loads).toEqual([1, 2, 3, 2]);
  });

  it('does not keep failed reads', async () => {
    const cache = new ReadCache(100);
    await expect(cache.get(1, 10, () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    await expect(cache.get(1, 10, async () => Buffer.from('ok'))).resolves.toEqual(Buffer.from('ok'));
  });
});
