import { afterEach, describe, expect, it, vi } from 'vitest';
import { PieceDownload } from '../picker/piece-download.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import type { BatchResult, DiskWorkers } from '../storage/disk-workers.js';
import type { Storage } from '../storage/storage.js';
import type { PieceChecks } from './piece-checks.js';
import { PieceVerifier } from './piece-verifier.js';

const KiB = 1024;

/** A verifier over fakes: every batch sent to "disk" is recorded and answered as good. */
function setUp() {
  const batches: number[][] = [];
  const verified: number[] = [];
  const storage = {
    hashAndWriteBatch: async (pieces: ReadonlyArray<{ index: number; data: Buffer }>): Promise<BatchResult[]> => {
      batches.push(pieces.map((p) => p.index));
      await new Promise((resolve) => setImmediate(resolve));
      return pieces.map((p) => ({ ok: true, buffer: p.data, error: null }));
    },
  } as unknown as Storage;
  const checks = { sha1: () => Buffer.alloc(20), merkle: () => null } as unknown as PieceChecks;
  const picker = { buffers: { give: () => undefined }, pieceFailed: () => undefined } as unknown as PiecePicker;
  const verifier = new PieceVerifier(checks, storage, picker, {
    disk: {} as DiskWorkers,
    priorityEpoch: () => 0,
    touchesSkippedFile: () => false,
    verified: (index) => verified.push(index),
    failed: () => undefined,
    writeFailed: (message) => {
      throw new Error(message);
    },
    caughtUp: () => undefined,
  });
  const complete = (index: number, length = 16 * KiB): void => verifier.verify(new PieceDownload(index, length, Buffer.alloc(length)));
  return { verifier, batches, verified, complete };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PieceVerifier batching', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gathers small pieces completed over several event-loop turns into one batch', async () => {
    // Timers frozen: however slow the machine, the gathering window has not closed yet.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { batches, verified, complete } = setUp();
    // A few pieces per socket read, as a fast peer delivers them.
    for (let i = 0; i < 12; i++) {
      complete(i);
      if (i % 3 === 2) await turn();
    }
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(3);
    for (let i = 0; i < 5; i++) await turn();
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
    expect(verified).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('sends a full 1 MiB batch at once and never more than 2 MiB in one', async () => {
    const { verifier, batches, complete } = setUp();
    for (let i = 0; i < 64; i++) complete(i);
    expect(batches).toHaveLength(1); // 64 × 16 KiB: sent as the 64th completed, without waiting
    expect(batches[0]).toHaveLength(64);
    for (let i = 64; i < 64 + 3 * 128; i++) complete(i);
    await verifier.drain();
    expect(batches.flat()).toHaveLength(64 + 3 * 128);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(128);
  });

  it('sends the last pieces of a download without any more arriving', async () => {
    const { batches, verified, complete } = setUp();
    complete(7);
    for (let i = 0; i < 400 && verified.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([[7]]);
    expect(verified).toEqual([7]);
  });

  it('drain waits for every queued piece, even beyond the batches allowed in flight', async () => {
    const { verifier, verified, complete } = setUp();
    for (let i = 0; i < 300; i++) complete(i);
    await verifier.drain();
    expect(verified).toHaveLength(300);
    expect(verifier.backlogged).toBe(false);
  });
});

describe('PieceVerifier: tracked disk work', () => {
  function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  }

  it('drain waits until all tracked work has settled, rejected work included, and every waiter wakes', async () => {
    const { verifier } = setUp();
    const [a, b] = [deferred(), deferred()];
    verifier.track(a.promise);
    verifier.track(b.promise);
    const woke: string[] = [];
    const first = verifier.drain().then(() => woke.push('first'));
    const second = verifier.drain().then(() => woke.push('second'));
    a.resolve();
    for (let i = 0; i < 5; i++) await turn();
    expect(woke).toEqual([]);
    b.reject(new Error('disk gone'));
    await Promise.all([first, second]);
    expect(woke.sort()).toEqual(['first', 'second']);
    // Nothing in flight: drain returns at once, and new work is waited for again.
    await verifier.drain();
    const c = deferred();
    verifier.track(c.promise);
    let done = false;
    const third = verifier.drain().then(() => (done = true));
    await turn();
    expect(done).toBe(false);
    c.resolve();
    await third;
    expect(done).toBe(true);
  });
});

describe('PieceVerifier: staged pieces (no piece buffer)', () => {
  function stagedSetUp(writeRange: (index: number, begin: number, data: Buffer) => Promise<void>) {
    const events: string[] = [];
    const storage = {
      writeRange,
      read: async (_index: number, _offset: number, length: number, into: Buffer) => into.subarray(0, length),
      settleStaged: async (index: number, keep: boolean) => void events.push(`settle ${index} ${keep}`),
    } as unknown as Storage;
    const checks = { matchesStreamed: async (index: number) => (events.push(`hash ${index}`), index !== 9) } as unknown as PieceChecks;
    const picker = { buffers: { give: () => undefined }, pieceFailed: (index: number) => events.push(`pieceFailed ${index}`) } as unknown as PiecePicker;
    const verifier = new PieceVerifier(checks, storage, picker, {
      disk: {} as DiskWorkers,
      priorityEpoch: () => 0,
      touchesSkippedFile: () => false,
      verified: (index) => events.push(`verified ${index}`),
      failed: (piece) => events.push(`failed ${piece.index}`),
      writeFailed: (message) => events.push(`fatal ${message}`),
      caughtUp: () => undefined,
    });
    return { verifier, events };
  }

  it('hashes a staged piece only once its blocks are written, and reports it; a wrong one fails', async () => {
    const writes: Array<() => void> = [];
    const { verifier, events } = stagedSetUp((index, begin) => new Promise<void>((resolve) => writes.push(() => (events.push(`wrote ${index}@${begin}`), resolve()))));
    for (const index of [3, 9]) {
      const piece = new PieceDownload(index, 2 * 16 * KiB, null);
      verifier.stageBlock(piece, 0, Buffer.alloc(16 * KiB));
      verifier.stageBlock(piece, 16 * KiB, Buffer.alloc(16 * KiB));
      verifier.verify(piece);
    }
    await turn();
    expect(events).toEqual([]);
    expect(verifier.backlogged).toBe(false);
    while (writes.length > 0) {
      writes.shift()!();
      await turn();
    }
    await verifier.drain();
    expect(events.filter((e) => !e.startsWith('wrote')).sort()).toEqual(['failed 9', 'hash 3', 'hash 9', 'settle 3 true', 'settle 9 false', 'verified 3']);
    // Each piece was hashed after both of its writes.
    for (const index of [3, 9]) expect(events.indexOf(`hash ${index}`)).toBeGreaterThan(events.indexOf(`wrote ${index}@${16 * KiB}`));
  });

  it('a failed block write stops the torrent (as a failed piece write does), the piece is not hashed', async () => {
    const { verifier, events } = stagedSetUp(async () => {
      throw new Error('ENOSPC: no space left on device');
    });
    const piece = new PieceDownload(4, 16 * KiB, null);
    verifier.stageBlock(piece, 0, Buffer.alloc(16 * KiB));
    verifier.verify(piece);
    await verifier.drain();
    expect(events).toEqual(['pieceFailed 4', 'fatal disk write failed: ENOSPC: no space left on device']);
  });
});
