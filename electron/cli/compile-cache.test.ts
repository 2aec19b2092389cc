import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheDir, compileCacheFile, runBundleWithCache } from './compile-cache.js';

describe('compileCacheDir', () => {
  it('is TESSERA_COMPILE_CACHE when set, none when that is "off"', () => {
    expect(compileCacheDir({ TESSERA_COMPILE_CACHE: '/srv/cache' }, () => '/home/u')).toBe('/srv/cache');
    expect(compileCacheDir({ TESSERA_COMPILE_CACHE: 'off', XDG_CACHE_HOME: '/x' }, () => '/home/u')).toBeNull();
  });

  it('is under XDG_CACHE_HOME, else ~/.cache (a relative XDG_CACHE_HOME is ignored, as the spec says)', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x/cache' }, () => '/home/u')).toBe('/x/cache/tessera/v8');
    expect(compileCacheDir({}, () => '/home/u')).toBe('/home/u/.cache/tessera/v8');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'cache' }, () => '/home/u')).toBe('/home/u/.cache/tessera/v8');
  });
});

describe('compileCacheFile', () => {
  it('names the build, the Node and the command; anything but a plain command name is "other"', () => {
    expect(compileCacheFile('/c', 'abc123', 'download', 'v20.1.0')).toBe('/c/abc123-v20.1.0-download.v8');
    expect(compileCacheFile('/c', 'abc123', '--version', 'v20.1.0')).toBe('/c/abc123-v20.1.0-other.v8');
    expect(compileCacheFile('/c', 'abc123', '../../etc/x', 'v20.1.0')).toBe('/c/abc123-v20.1.0-other.v8');
    expect(compileCacheFile('/c', 'abc123', '', 'v20.1.0')).toBe('/c/abc123-v20.1.0-other.v8');
  });
});

describe('runBundleWithCache', () => {
  let dir: string;
  let bundle: string;
  const ran = (): number => (globalThis as { compileCacheRuns?: number }).compileCacheRuns ?? 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-compile-cache-'));
    bundle = join(dir, 'bundle.cjs');
    // A shebang (the CLI bundle has one), require, module and a function compiled lazily.
    await writeFile(
      bundle,
      [
        '#!/usr/bin/env node',
        'const { basename } = require("node:path");',
        'function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }',
        'globalThis.compileCacheRuns = (globalThis.compileCacheRuns ?? 0) + 1;',
        'module.exports.name = basename(__filename) + ":" + work(10);',
      ].join('\n'),
    );
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the bundle as a CommonJS module, then writes a cache the next run uses', () => {
    const cache = join(dir, 'cache', 'b.v8');
    const before = ran();
    const first = runBundleWithCache(bundle, cache);
    expect(ran()).toBe(before + 1);
    expect(first.cacheUsed).toBe(false);
    expect(existsSync(cache)).toBe(false);
    first.save();
    expect(existsSync(cache)).toBe(true);

    const second = runBundleWithCache(bundle, cache);
    expect(ran()).toBe(before + 2);
    expect(second.cacheUsed).toBe(true);
  });

  it('compiles from source when the cache is corrupt, and replaces it', async () => {
    const cache = join(dir, 'b.v8');
    await writeFile(cache, Buffer.from('not a V8 code cache at all'));
    const run = runBundleWithCache(bundle, cache);
    expect(run.cacheUsed).toBe(false);
    run.save();
    expect((await readFile(cache)).toString()).not.toBe('not a V8 code cache at all');
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(true);
  });

  it('loads no cache that others may write (bytecode runs as code)', async () => {
    const cache = join(dir, 'b.v8');
    runBundleWithCache(bundle, cache).save();
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(true);
    await chmod(cache, 0o666);
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(false);
    await chmod(cache, 0o620);
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(false);
    await chmod(cache, 0o600);
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(true);
  });

  it("removes other builds' cache files when it writes its own, and nothing else", async () => {
    const caches = join(dir, 'caches');
    const old = compileCacheFile(caches, '0123456789abcdef', 'download', 'v20.1.0');
    const mine = compileCacheFile(caches, 'fedcba9876543210', 'download', 'v20.1.0');
    const sibling = compileCacheFile(caches, 'fedcba9876543210', 'seed', 'v20.1.0');
    runBundleWithCache(bundle, old).save();
    runBundleWithCache(bundle, sibling).save();
    await writeFile(join(caches, 'notes.txt'), 'keep');
    runBundleWithCache(bundle, mine).save();
    expect([existsSync(old), existsSync(mine), existsSync(sibling), existsSync(join(caches, 'notes.txt'))]).toEqual([false, true, true, true]);
  });

  it('starts at once when a FIFO sits where the cache file goes', () => {
    const fifo = join(dir, 'fifo.v8');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const run = runBundleWithCache(bundle, fifo);
    expect(run.cacheUsed).toBe(false);
  });

  it('refuses a cache made for another source', async () => {
    const cache = join(dir, 'b.v8');
    runBundleWithCache(bundle, cache).save();
    await writeFile(bundle, '#!/usr/bin/env node\nmodule.exports.other = function () { return 2; }();\n');
    expect(runBundleWithCache(bundle, cache).cacheUsed).toBe(false);
  });

  it('runs without a cache when there is no folder for one, or none can be written', async () => {
    expect(runBundleWithCache(bundle, null).cacheUsed).toBe(false);
    // A file where the cache folder should be: nothing can be written under it.
    await writeFile(join(dir, 'blocked'), 'x');
    const cache = join(dir, 'blocked', 'b.v8');
    const run = runBundleWithCache(bundle, cache);
    expect(() => run.save()).not.toThrow();
    expect(existsSync(cache)).toBe(false);
  });

  it('propagates an error the bundle throws while loading', async () => {
    await writeFile(bundle, 'throw new Error("bundle broke");\n');
    expect(() => runBundleWithCache(bundle, null)).toThrow('bundle broke');
  });
});
