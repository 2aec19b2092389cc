import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHandles } from './file-handles.js';
import { defaultFilePoolSize, FilePool, softNoFileLimit } from './file-pool.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-file-pool-'));
});

afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

/** Descriptors of this process that point into `dir`. */
function openInDir(): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir + path.sep);
    } catch {
      return false;
    }
  }).length;
}

/**
 * Asserts that `count` descriptors point into `dir`, once pending closes have had time to run:
 * fs.close completes on libuv's thread pool, after any number of event-loop turns on a busy machine.
 */
async function expectOpenInDir(count: number): Promise<void> {
  for (const end = Date.now() + 2000; openInDir() !== count && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(openInDir()).toBe(count);
}

async function settle(): Promise<void> {
  // Closing is asynchronous (fs.close callbacks).
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('FilePool', () => {
  it('closes the least recently used idle entries beyond its budget, never a busy one', () => {
    const pool = new FilePool(2);
    const closed: string[] = [];
    const a = { users: 0 };
    const b = { users: 1 };
    const c = { users: 0 };
    pool.add(a, () => closed.push('a'));
    pool.add(b, () => closed.push('b'));
    pool.touch(a); // b is now the least recently used, but busy
    pool.add(c, () => closed.push('c'));
    // a was touched after b; b is busy: the oldest idle one is a.
    expect(closed).toEqual(['a']);
    expect(pool.size).toBe(2);
    const d = { users: 1 };
    pool.add(d, () => closed.push('d'));
    // Over budget with b and d busy: c (idle) goes, the busy ones stay.
    expect(closed).toEqual(['a', 'c']);
    expect(pool.size).toBe(2);
    pool.remove(b);
    expect(pool.size).toBe(1);
  });

  it('stays over budget while everything is busy and shrinks when released', () => {
    const pool = new FilePool(1);
    const closed: number[] = [];
    const entries = [{ users: 1 }, { users: 1 }, { users: 1 }];
    entries.forEach((e, i) => pool.add(e, () => closed.push(i)));
    expect(closed).toEqual([]);
    expect(pool.size).toBe(3);
    entries[0]!.users = 0;
    entries[2]!.users = 0;
    pool.evict();
    expect(closed).toEqual([0, 2]);
    expect(pool.size).toBe(1);
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => new FilePool(0)).toThrow(RangeError);
    expect(() => new FilePool(1.5)).toThrow(RangeError);
  });

  it('takes a quarter of a low descriptor limit, 256 at most, 8 at least', () => {
    const limits = (soft: string): string =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 4096                 files\n`;
    expect(softNoFileLimit(limits('1024'))).toBe(1024);
    expect(defaultFilePoolSize(limits('1024'))).toBe(256);
    expect(defaultFilePoolSize(limits('256'))).toBe(64);
    expect(defaultFilePoolSize(limits('20'))).toBe(8);
    expect(defaultFilePoolSize(limits('unlimited'))).toBe(256);
    expect(defaultFilePoolSize(null)).toBe(256);
  });
});

describe('FileHandles sharing one FilePool', () => {
  it('keeps the descriptors of several owners within one budget, reopening on next use', async () => {
    const pool = new FilePool(3);
    const owners = [0, 1, 2, 3].map((i) => new FileHandles(path.join(dir, `t${i}`), () => undefined, pool));
    const write = (owner: number, file: string, text: string): Promise<number> =>
      owners[owner]!.use(path.join(dir, `t${owner}`, file), 16, true, (fd) => Promise.resolve(fs.writeSync(fd, text, 0)));
    for (let i = 0; i < 4; i++) for (const f of ['a', 'b']) await write(i, f, `${i}${f}`);
    await settle();
    expect(pool.size).toBe(3);
    await expectOpenInDir(3);
    // The first files were closed to make room; using one again reopens it, same file.
    await write(0, 'a', 'x');
    await settle();
    expect(pool.size).toBe(3);
    await expectOpenInDir(3);
    expect(fs.readFileSync(path.join(dir, 't0', 'a'), 'utf8').slice(0, 2)).toBe('xa'); // "x" over "0a"
    expect(fs.readFileSync(path.join(dir, 't3', 'b'), 'utf8').slice(0, 2)).toBe('3b');
    for (const o of owners) await o.closeAll();
    await settle();
    expect(pool.size).toBe(0);
    await expectOpenInDir(0);
  });

  it('never closes a descriptor while an operation uses it', async () => {
    const pool = new FilePool(1);
    const a = new FileHandles(path.join(dir, 'a'), () => undefined, pool);
    const b = new FileHandles(path.join(dir, 'b'), () => undefined, pool);
    const lease = await a.acquire(path.join(dir, 'a', 'f'), 8, true);
    await b.use(path.join(dir, 'b', 'f'), 8, true, async (fd) => {
      // Two in use at once: over budget, both stay open.
      expect(pool.size).toBe(2);
      fs.writeSync(fd, 'b');
    });
    expect(fs.writeSync(lease.fd, 'a')).toBe(1);
    await settle();
    expect(pool.size).toBe(1); // b's idle descriptor went
    lease.release();
    await a.closeAll();
    await b.closeAll();
  });
});

describe('FileHandles.closeAll', () => {
  it('never closes a descriptor an operation is using: it closes when that operation releases it', async () => {
    const handles = new FileHandles(dir, () => undefined, new FilePool(8));
    await fs.promises.writeFile(path.join(dir, 'busy.bin'), Buffer.alloc(1024, 7));
    await fs.promises.writeFile(path.join(dir, 'idle.bin'), Buffer.alloc(1024, 8));
    const busy = await handles.acquire(path.join(dir, 'busy.bin'), 1024, false);
    const idle = await handles.acquire(path.join(dir, 'idle.bin'), 1024, false);
    idle.release();
    await expectOpenInDir(2);

    await handles.closeAll();
    await settle();
    // The idle one is closed; the busy one still reads its file (an upload in flight at stop).
    await expectOpenInDir(1);
    const out = Buffer.alloc(16);
    expect(fs.readSync(busy.fd, out, 0, 16, 0)).toBe(16);
    expect(out.every((b) => b === 7)).toBe(true);

    busy.release();
    await settle();
    await expectOpenInDir(0);
    // The next use opens the file again.
    await handles.use(path.join(dir, 'busy.bin'), 1024, false, async (fd) => {
      expect(fs.readSync(fd, out, 0, 16, 0)).toBe(16);
    });
  });
});
