import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskWorkers } from './disk-workers.js';

const workers = new DiskWorkers(2);
afterAll(() => workers.close());

function pieceOf(bytes: number, fill: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes).fill(fill);
}

describe('DiskWorkers', () => {
  it('hashes on a worker and hands the buffer back intact', async () => {
    const piece = pieceOf(256 * 1024, 7);
    const expected = createHash('sha1').update(piece).digest();
    const result = await workers.run(piece, expected, []);
    expect(result.ok).toBe(true);
    expect(piece.length).toBe(0); // transferred, not copied
    expect(result.buffer.length).toBe(256 * 1024);
    expect(result.buffer.every((b) => b === 7)).toBe(true);
  });

  it('writes only when the hash matches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-disk-'));
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w+');
    try {
      const good = pieceOf(1024, 1);
      const goodHash = createHash('sha1').update(good).digest();
      const bad = await workers.run(pieceOf(1024, 2), goodHash, [{ fd, bufferOffset: 0, length: 1024, position: 0 }]);
      expect(bad.ok).toBe(false);
      expect(fs.statSync(file).size).toBe(0);
      const ok = await workers.run(good, goodHash, [{ fd, bufferOffset: 512, length: 512, position: 100 }]);
      expect(ok.ok).toBe(true);
      const onDisk = fs.readFileSync(file);
      expect(onDisk.length).toBe(612);
      expect(onDisk.subarray(100).every((b) => b === 1)).toBe(true);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed write with its error code', async () => {
    const piece = pieceOf(64, 3);
    const expected = createHash('sha1').update(piece).digest();
    await expect(workers.run(piece, expected, [{ fd: 987654, bufferOffset: 0, length: 64, position: 0 }])).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('refuses buffers that share memory with others (they cannot be transferred safely)', async () => {
    const shared = Buffer.allocUnsafe(64);
    await expect(workers.run(shared, Buffer.alloc(20), [])).rejects.toThrow(/own their memory/);
  });
});
