import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlignedSlabs, PAGE_BYTES } from './aligned-slabs.js';

const MiB = 1024 * 1024;

describe('AlignedSlabs', () => {
  it('carves consecutive slabs of shared WebAssembly memory, growing it one slab at a time', () => {
    const slabs = new AlignedSlabs(MiB, 4 * MiB);
    const got = [slabs.next(), slabs.next(), slabs.next()];
    expect(got.map((s) => s.offset)).toEqual([0, MiB, 2 * MiB]);
    for (const s of got) {
      expect(s.aligned).toBe(true);
      expect(s.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(s.buffer.byteLength).toBeGreaterThanOrEqual(s.offset + MiB);
    }
    // One memory: what is written through one slab's buffer is seen through a later one's.
    new Uint8Array(got[0]!.buffer, got[0]!.offset, 4).set([1, 2, 3, 4]);
    expect([...new Uint8Array(got[2]!.buffer, 0, 4)]).toEqual([1, 2, 3, 4]);
    new Uint8Array(got[1]!.buffer, got[1]!.offset, 1)[0] = 9;
    expect(new Uint8Array(got[0]!.buffer, 0, 4)[0]).toBe(1);
  });

  it('hands out plain shared slabs past its limit', () => {
    const slabs = new AlignedSlabs(MiB, 2 * MiB);
    expect([slabs.next().aligned, slabs.next().aligned]).toEqual([true, true]);
    const third = slabs.next();
    expect(third.aligned).toBe(false);
    expect(third.offset).toBe(0);
    expect(third.buffer.byteLength).toBe(MiB);
  });

  it('takes only whole WebAssembly pages that fill the limit', () => {
    expect(() => new AlignedSlabs(1000, 4000)).toThrow(RangeError);
    expect(() => new AlignedSlabs(MiB, 3 * MiB + 65536)).toThrow(RangeError);
  });

  it('starts every slab on a page in memory: the kernel takes it for a direct (O_DIRECT) write', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-aligned-'));
    const file = path.join(dir, 'f');
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT);
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`this test needs a temp folder that takes O_DIRECT (${os.tmpdir()}: ${(err as Error).message})`);
    }
    try {
      const slabs = new AlignedSlabs(MiB, 3 * MiB);
      for (const s of [slabs.next(), slabs.next()]) {
        const view = Buffer.from(s.buffer, s.offset + 3 * PAGE_BYTES, 2 * PAGE_BYTES).fill(7);
        expect(fs.writeSync(fd, view, 0, view.length, 0)).toBe(view.length);
      }
      // The kernel does check: a view one cache line past a page is refused.
      const s = slabs.next();
      const off = Buffer.from(s.buffer, s.offset + 64, PAGE_BYTES);
      expect(() => fs.writeSync(fd, off, 0, off.length, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
