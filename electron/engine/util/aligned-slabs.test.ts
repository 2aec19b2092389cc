import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlignedSlabs, PAGE_BYTES, WASM_PAGE_BYTES } from './aligned-slabs.js';

const MiB = 1024 * 1024;

describe('AlignedSlabs', () => {
  it('carves consecutive slabs of one shared WebAssembly memory, growing it as needed', () => {
    const slabs = new AlignedSlabs(8 * MiB);
    const got = [slabs.take(MiB)!, slabs.take(3 * MiB)!, slabs.take(1000)!];
    expect(got.map((s) => [s.offset, s.bytes])).toEqual([[0, MiB], [MiB, 3 * MiB], [4 * MiB, WASM_PAGE_BYTES]]);
    for (const s of got) {
      expect(s.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(s.buffer.byteLength).toBeGreaterThanOrEqual(s.offset + s.bytes);
    }
    // One memory: what is written through one slab's buffer is seen through a later one's.
    new Uint8Array(got[0]!.buffer, got[0]!.offset, 4).set([1, 2, 3, 4]);
    expect([...new Uint8Array(got[2]!.buffer, 0, 4)]).toEqual([1, 2, 3, 4]);
    new Uint8Array(got[1]!.buffer, got[1]!.offset, 1)[0] = 9;
    expect(new Uint8Array(got[0]!.buffer, 0, 4)[0]).toBe(1);
  });

  it('answers null past its limit, and for nothing', () => {
    const slabs = new AlignedSlabs(2 * MiB);
    expect(slabs.take(MiB)).not.toBeNull();
    expect(slabs.take(MiB + 1)).toBeNull();
    expect(slabs.take(MiB)).not.toBeNull();
    expect(slabs.take(1)).toBeNull();
    expect(new AlignedSlabs(MiB).take(0)).toBeNull();
  });

  it('takes a limit of whole WebAssembly pages', () => {
    expect(() => new AlignedSlabs(1000)).toThrow(RangeError);
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
      const slabs = new AlignedSlabs(4 * MiB);
      for (const s of [slabs.take(100_000)!, slabs.take(MiB)!]) {
        const view = Buffer.from(s.buffer, s.offset + 3 * PAGE_BYTES, 2 * PAGE_BYTES).fill(7);
        expect(fs.writeSync(fd, view, 0, view.length, 0)).toBe(view.length);
      }
      // The kernel does check: a view one cache line past a page is refused.
      const s = slabs.take(MiB)!;
      const off = Buffer.from(s.buffer, s.offset + 64, PAGE_BYTES);
      expect(() => fs.writeSync(fd, off, 0, off.length, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
