import { describe, expect, it } from 'vitest';
import { StaticCache } from './static-cache.js';

/** A file system of one file whose reads are counted (and can be held). */
function disk(content: string): { files: Map<string, Buffer>; reads: string[]; read: (file: string) => Promise<Buffer> } {
  const files = new Map([['/app/a.js', Buffer.from(content)]]);
  const reads: string[] = [];
  return {
    files,
    reads,
    read: (file) => {
      reads.push(file);
      const bytes = files.get(file);
      return bytes ? Promise.resolve(bytes) : Promise.reject(new Error('ENOENT'));
    },
  };
}

describe("the app's files in memory", () => {
  it('reads a file once and answers later requests with the same bytes', async () => {
    const d = disk('console.log(1)');
    const cache = new StaticCache({ maxFileBytes: 1024, maxTotalBytes: 1024 }, d.read);
    const stat = { size: 14, mtimeMs: 1 };
    const first = await cache.get('/app/a.js', stat);
    expect(first?.toString()).toBe('console.log(1)');
    expect(await cache.get('/app/a.js', stat)).toBe(first);
    expect(d.reads).toHaveLength(1);
    expect(cache.size).toBe(14);
  });

  it('requests that arrive together share one read', async () => {
    const d = disk('x');
    const cache = new StaticCache({ maxFileBytes: 1024, maxTotalBytes: 1024 }, d.read);
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('/app/a.js', { size: 1, mtimeMs: 1 })));
    expect(new Set(all).size).toBe(1);
    expect(d.reads).toHaveLength(1);
  });

  it('reads a file again once it changed (a rebuild), and does not count it twice', async () => {
    const d = disk('old');
    const cache = new StaticCache({ maxFileBytes: 1024, maxTotalBytes: 1024 }, d.read);
    await cache.get('/app/a.js', { size: 3, mtimeMs: 1 });
    d.files.set('/app/a.js', Buffer.from('newer'));
    expect((await cache.get('/app/a.js', { size: 5, mtimeMs: 2 }))?.toString()).toBe('newer');
    expect(d.reads).toHaveLength(2);
    expect(cache.size).toBe(5);
  });

  it('keeps no file over the per-file limit or beyond the total: the caller streams those', async () => {
    const d = disk('0123456789');
    d.files.set('/app/b.js', Buffer.from('abcdef'));
    const cache = new StaticCache({ maxFileBytes: 8, maxTotalBytes: 10 }, d.read);
    expect(await cache.get('/app/a.js', { size: 10, mtimeMs: 1 })).toBeNull();
    expect((await cache.get('/app/b.js', { size: 6, mtimeMs: 1 }))?.toString()).toBe('abcdef');
    d.files.set('/app/c.js', Buffer.from('ghijk'));
    expect(await cache.get('/app/c.js', { size: 5, mtimeMs: 1 })).toBeNull();
    expect(cache.size).toBe(6);
    expect(d.reads).toEqual(['/app/b.js']);
  });

  it('does not keep bytes that do not match the stat (changed while read), and rejects what cannot be read', async () => {
    const d = disk('longer than said');
    const cache = new StaticCache({ maxFileBytes: 1024, maxTotalBytes: 1024 }, d.read);
    expect((await cache.get('/app/a.js', { size: 3, mtimeMs: 1 }))?.toString()).toBe('longer than said');
    expect(cache.size).toBe(0);
    await expect(cache.get('/app/missing.js', { size: 3, mtimeMs: 1 })).rejects.toThrow('ENOENT');
    d.files.set('/app/missing.js', Buffer.from('now'));
    expect((await cache.get('/app/missing.js', { size: 3, mtimeMs: 1 }))?.toString()).toBe('now');
  });
});
