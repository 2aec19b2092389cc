/**
 * Runs the CLI bundle with V8's code cache, as Node 22's `module.enableCompileCache` does (this
 * Node, 20, has none for ES modules). Why: each `tessera` process used to parse and compile its
 * bundle and every function it then ran from source — ~30 ms of CPU at every start, a fifth of a
 * small download's whole cost. The first run of a command writes the bytecode it compiled, up to
 * its exit, to the cache folder; later runs of that command load it and compile almost nothing.
 *
 * Only Node built-ins here: this runs before the bundle, and is in the startup path it shortens.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The environment variable naming the cache folder; "off" runs without a cache. */
export const COMPILE_CACHE_ENV = 'TESSERA_COMPILE_CACHE';

/**
 * Where compiled bytecode is kept: `TESSERA_COMPILE_CACHE`, else the user's cache folder
 * (`$XDG_CACHE_HOME/tessera/v8`, `~/.cache/tessera/v8`); null when turned off.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv, home: () => string = homedir): string | null {
  const chosen = env[COMPILE_CACHE_ENV];
  if (chosen === 'off') return null;
  if (chosen) return chosen;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home(), '.cache'), 'tessera', 'v8');
}

/**
 * The cache file for one command of one build. The bundle's content hash is in the name because
 * V8 checks a cache against its source's length, not its content: a rebuilt bundle of the same
 * length must never meet the old bytecode. Node's version too: its V8 would reject the cache anyway.
 */
export function compileCacheFile(dir: string, bundleHash: string, command: string, nodeVersion: string = process.version): string {
  const safeCommand = /^[a-z]{1,16}$/.test(command) ? command : 'other';
  return join(dir, `${bundleHash}-${nodeVersion}-${safeCommand}.v8`);
}

export interface CachedRun {
  /** True when the cache was there and V8 took it. */
  readonly cacheUsed: boolean;
  /** Writes the cache if this run had none (or V8 refused it): call at exit. Never throws. */
  save(): void;
}

/**
 * Compiles and runs the CommonJS bundle at `bundlePath` as Node would `require` it, with the
 * bytecode in `cacheFile` when there is one. A missing, unreadable, corrupt or outdated cache only
 * costs the compile; a cache folder that cannot be written to is left alone.
 */
export function runBundleWithCache(bundlePath: string, cacheFile: string | null): CachedRun {
  const source = readFileSync(bundlePath, 'utf8').replace(/^#!.*/, '');
  const cached = cacheFile === null ? undefined : readOwnCache(cacheFile);
  // The same wrapper Node puts around a CommonJS module, so the bundle sees require, module, ….
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: bundlePath, cachedData: cached });
  const cacheUsed = cached !== undefined && !script.cachedDataRejected;
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const module = { exports: {} };
  run.call(module.exports, module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return {
    cacheUsed,
    save(): void {
      if (cacheFile === null || cacheUsed) return;
      let data: Buffer;
      try {
        data = script.createCachedData();
      } catch {
        return;
      }
      if (writeCacheFile(cacheFile, data)) pruneOtherBuilds(cacheFile);
    },
  };
}

/**
 * The cache file, if it is ours alone: bytecode runs as code, so a file someone else owns or
 * may write (a cache folder pointed at /tmp) is not loaded. Else undefined.
 */
function readOwnCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    // Non-blocking: a FIFO put where the cache file goes must not hang the start.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A cache file's name (see compileCacheFile): its build's hash first. */
const CACHE_FILE = /^([0-9a-f]{16})-v\d+\.\d+\.\d+-[a-z]+\.v8$/;

/**
 * Removes the cache files of other builds from the folder: each upgrade would otherwise leave
 * ~1 MB per command behind for good. Only files named as ours are touched.
 */
function pruneOtherBuilds(file: string): void {
  const own = CACHE_FILE.exec(basename(file))?.[1];
  if (own === undefined) return;
  try {
    for (const name of readdirSync(dirname(file))) {
      const build = CACHE_FILE.exec(name)?.[1];
      if (build !== undefined && build !== own) rmSync(join(dirname(file), name), { force: true });
    }
  } catch {
    // A folder we cannot list or a file we cannot remove: left as it is.
  }
}

/** Written beside and renamed into place, so a process starting meanwhile never reads half a file. True when written. */
function writeCacheFile(file: string, data: Buffer): boolean {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, file);
    return true;
  } catch {
    // A read-only or full disk: the next run compiles again, nothing else is lost.
    try {
      rmSync(partial, { force: true });
    } catch {
      // not even that: a stray .tmp file in the cache folder
    }
    return false;
  }
}
