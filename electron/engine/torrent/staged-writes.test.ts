import { describe, expect, it } from 'vitest';
import { PieceDownload } from '../picker/piece-download.js';
import { StagedWrites, type StagedWritesHost } from './staged-writes.js';

const BLOCK = 16 * 1024;

/** A host whose writes wait until the test finishes them, one by one. */
function setUp(options: { epoch?: () => number; skipped?: (index: number) => boolean } = {}) {
  const pending: Array<{ index: number; begin: number; data: Buffer; done: (err?: Error) => void }> = [];
  const released: Buffer[] = [];
  const work: Array<Promise<void>> = [];
  let progressed = 0;
  const host: StagedWritesHost = {
    writeRange: (index, begin, data) =>
      new Promise<void>((resolve, reject) => pending.push({ index, begin, data, done: (err) => (err ? reject(err) : resolve()) })),
    release: (data) => released.push(data),
    priorityEpoch: options.epoch ?? (() => 0),
    touchesSkippedFile: options.skipped ?? (() => false),
    track: (w) => work.push(w),
    progressed: () => progressed++,
  };
  const writes = new StagedWrites(host);
  const turn = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { writes, pending, released, work, turn, progressed: () => progressed };
}

describe('StagedWrites', () => {
  it('writes at most 4 blocks at once, the rest in arrival order; counts their bytes until written', async () => {
    const { writes, pending, released, turn } = setUp();
    const piece = new PieceDownload(3, 10 * BLOCK, null);
    const blocks = Array.from({ length: 10 }, (_, b) => Buffer.alloc(BLOCK, b));
    blocks.forEach((data, b) => writes.write(piece, b * BLOCK, data));
    expect(pending.map((p) => p.begin / BLOCK)).toEqual([0, 1, 2, 3]);
    expect(writes.bytes).toBe(10 * BLOCK);
    pending.shift()!.done();
    await turn();
    expect(pending.map((p) => p.begin / BLOCK)).toEqual([1, 2, 3, 4]);
    expect(writes.bytes).toBe(9 * BLOCK);
    expect(released).toEqual([blocks[0]]);
    while (pending.length > 0) {
      pending.shift()!.done();
      await turn();
    }
    expect(writes.bytes).toBe(0);
    expect(released).toHaveLength(10);
  });

  it('settled resolves only once every block handed over is written, with the epoch and skipped state at the first block', async () => {
    let epoch = 5;
    const { writes, pending, turn } = setUp({ epoch: () => epoch, skipped: (index) => index === 3 });
    const piece = new PieceDownload(3, 2 * BLOCK, null);
    writes.write(piece, 0, Buffer.alloc(BLOCK));
    epoch = 6;
    writes.write(piece, BLOCK, Buffer.alloc(BLOCK));
    let outcome: unknown = null;
    void writes.settled(piece).then((o) => (outcome = o));
    pending.shift()!.done();
    await turn();
    expect(outcome).toBeNull();
    pending.shift()!.done();
    await turn();
    expect(outcome).toEqual({ error: null, epoch: 5, skippedAtStart: true });
  });

  it('a failed write: the outcome carries the error, later blocks of that piece are not written, other pieces are', async () => {
    const { writes, pending, released, turn } = setUp();
    const bad = new PieceDownload(1, 8 * BLOCK, null);
    const good = new PieceDownload(2, 2 * BLOCK, null);
    for (let b = 0; b < 6; b++) writes.write(bad, b * BLOCK, Buffer.alloc(BLOCK));
    writes.write(good, 0, Buffer.alloc(BLOCK));
    const failure = new Error('ENOSPC');
    pending.shift()!.done(failure);
    await turn();
    // The queued blocks of the failed piece were dropped without a write (their buffers back).
    for (let i = 0; i < 10 && pending.length > 0; i++) {
      pending.shift()!.done();
      await turn();
    }
    expect(await writes.settled(bad)).toMatchObject({ error: failure });
    expect(await writes.settled(good)).toMatchObject({ error: null });
    expect(released).toHaveLength(7);
    expect(writes.bytes).toBe(0);
  });

  it('settled for a piece with nothing pending resolves at once', async () => {
    const { writes } = setUp();
    expect(await writes.settled(new PieceDownload(0, BLOCK, null))).toEqual({ error: null, epoch: 0, skippedAtStart: false });
  });
});
