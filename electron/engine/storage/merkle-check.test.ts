import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { dataRoot } from '../merkle/merkle.js';
import { fileData } from '../metainfo/test-torrents.js';
import { DiskWorkers } from './disk-workers.js';

const workers = new DiskWorkers(1);
afterAll(() => workers.close());

/** A 64 KiB v2 piece whose first `dataLength` bytes are file data, the rest zero padding. */
function piece(dataLength: number, seed: number): Buffer {
  const out = Buffer.allocUnsafeSlow(65536).fill(0);
  fileData(dataLength, seed).copy(out);
  return out;
}

describe('disk workers: BEP 52 merkle checks', () => {
  it('accepts a piece whose blocks hash up to the piece-layer entry, and no other', async () => {
    const good = piece(40000, 1);
    const expected = dataRoot(good.subarray(0, 40000), 4);
    const merkle = { expected, dataLength: 40000, leaves: 4 };
    const ok = await workers.runBatch([
      { buffer: good, expected: Buffer.alloc(0), merkle, writes: [] },
      { buffer: piece(40000, 2), expected: Buffer.alloc(0), merkle, writes: [] },
      // Same data, but the tree of a file of one piece is only as wide as its blocks (here 4).
      { buffer: piece(40000, 1), expected: Buffer.alloc(0), merkle: { ...merkle, leaves: 8 }, writes: [] },
    ]);
    expect(ok.map((r) => r.ok)).toEqual([true, false, false]);
  });

  it('hybrid: both hashes must match', async () => {
    const data = piece(65536, 3);
    const sha1 = createHash('sha1').update(data).digest();
    const merkle = { expected: dataRoot(data, 4), dataLength: 65536, leaves: 4 };
    const wrongMerkle = { ...merkle, expected: Buffer.alloc(32, 9) };
    const results = await workers.runBatch([
      { buffer: Buffer.from(data), expected: sha1, merkle, writes: [] },
      { buffer: piece(65536, 3), expected: sha1, merkle: wrongMerkle, writes: [] },
      { buffer: piece(65536, 3), expected: Buffer.alloc(20, 1), merkle, writes: [] },
    ].map((p) => ({ ...p, buffer: ownBuffer(p.buffer) })));
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
  });

  it('a piece with no hash to check against is never accepted', async () => {
    const [result] = await workers.runBatch([{ buffer: piece(100, 4), expected: Buffer.alloc(0), merkle: null, writes: [] }]);
    expect(result!.ok).toBe(false);
  });
});

/** Transferred buffers must own their memory. */
function ownBuffer(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}
