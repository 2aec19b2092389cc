import { Worker } from 'node:worker_threads';
import { type MerkleCheck, MERKLE_WORKER_SOURCE } from './merkle-check.js';

/** One positional write a worker performs after the hash matched. */
export interface WorkerWrite {
  fd: number;
  bufferOffset: number;
  length: number;
  position: number;
}

export interface HashResult {
  ok: boolean;
  /** The piece buffer, handed back (it travelled to the worker and back without a copy). */
  buffer: Buffer;
}

/**
 * One piece of a batch: hashed against `expected` (SHA-1; empty for none) and `merkle` (BEP 52)
 * and, when every given hash matches, written with `writes`. A piece with neither fails.
 */
export interface BatchPiece {
  buffer: Buffer;
  expected: Uint8Array;
  merkle?: MerkleCheck | null;
  writes: WorkerWrite[];
}

/** What became of one piece of a batch; `error` when a write of it failed (then `ok` says nothing). */
export interface BatchResult extends HashResult {
  error: NodeJS.ErrnoException | null;
}

/**
 * Bytes per write system call, at most. The page cache takes a write's length as the size of
 * the folios to allocate (ext4 on Linux 6.x): writes of 1 MiB get 1 MiB folios, which come
 * from free memory the kernel has not touched for a while (on a VM, memory the host reclaimed:
 * every page faults in the host). Measured here: writing 1 GiB in 1 MiB calls cost 3.8–7.3 s of
 * system time, in 128 KiB calls 0.25–0.28 s (16 KiB calls 0.37 s: more calls). libtorrent
 * writes through mmap, one page at a time, and does not pay it either.
 */
const MAX_WRITE_BYTES = 128 * 1024;

// Plain CommonJS so it runs from source (tests) and from the build alike, without a loader.
// A job names its pieces in flat tables (cheap to post): `table` holds, per piece, the index of
// its memory in `memory`, offset, length, first write and write count; `writes` holds, per write,
// fd, offset in the piece, length and file position. A batch is hashed piece by piece; the good
// pieces' writes are then sorted by file and position, and runs that are adjacent on disk go out
// as one writev (small pieces picked in order are mostly adjacent: one call for many pieces), up
// to MAX_WRITE_BYTES per call (see there).
// Shared memory is read in place; other buffers were transferred and go back in `owned`.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
// One-shot hashing where the runtime has it (no Hash object per piece).
const sha1 = typeof crypto.hash === 'function'
  ? (bytes) => crypto.hash('sha1', bytes, 'buffer')
  : (bytes) => crypto.createHash('sha1').update(bytes).digest();
const fs = require('node:fs');
const MAX_IOV = 1024;
const MAX_WRITE = ${MAX_WRITE_BYTES};
${MERKLE_WORKER_SOURCE}
function errorOf(err) {
  return { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null };
}
function writeAll(fd, bytes, offset, length, position) {
  let done = 0;
  while (done < length) done += fs.writeSync(fd, bytes, offset + done, Math.min(length - done, MAX_WRITE), position + done);
}
function writeRun(run) {
  const first = run[0];
  if (run.length === 1) return writeAll(first.fd, first.bytes, first.offset, first.length, first.position);
  const views = run.map((w) => w.bytes.subarray(w.offset, w.offset + w.length));
  let written = fs.writevSync(first.fd, views, first.position);
  // A short writev: the rest one write at a time.
  for (const w of run) {
    const skip = Math.min(w.length, Math.max(0, written));
    written -= w.length;
    if (skip < w.length) writeAll(w.fd, w.bytes, w.offset + skip, w.length - skip, w.position + skip);
  }
}
parentPort.on('message', (job) => {
  const { table, writes: flat, expected, memory, checks, merkle, merkleExpected } = job;
  const count = table.length / 5;
  const status = new Uint8Array(count);
  const errors = [];
  const failed = new Set();
  const writes = [];
  for (let i = 0; i < count; i++) {
    const t = i * 5;
    const bytes = new Uint8Array(memory[table[t]], table[t + 1], table[t + 2]);
    try {
      // checks: 1 = SHA-1, 2 = merkle (BEP 52); both must hold, and at least one is required.
      if (checks[i] === 0) continue;
      if ((checks[i] & 1) !== 0 && !sha1(bytes).equals(expected.subarray(i * 20, i * 20 + 20))) continue;
      if ((checks[i] & 2) !== 0 && !merkleRoot(bytes, merkle[i * 2], merkle[i * 2 + 1]).equals(merkleExpected.subarray(i * 32, i * 32 + 32))) continue;
    } catch (err) {
      errors.push([i, errorOf(err)]);
      continue;
    }
    status[i] = 1;
    for (let w = table[t + 3], end = w + table[t + 4]; w < end; w++) {
      writes.push({ piece: i, fd: flat[w * 4], bytes, offset: flat[w * 4 + 1], length: flat[w * 4 + 2], position: flat[w * 4 + 3] });
    }
  }
  writes.sort((a, b) => a.fd - b.fd || a.position - b.position);
  for (let start = 0; start < writes.length; ) {
    let end = start + 1;
    let bytes = writes[start].length;
    while (end < writes.length && end - start < MAX_IOV && bytes + writes[end].length <= MAX_WRITE && writes[end].fd === writes[start].fd && writes[end].position === writes[end - 1].position + writes[end - 1].length) bytes += writes[end++].length;
    const run = writes.slice(start, end);
    try {
      writeRun(run);
    } catch (err) {
      for (const w of run) if (!failed.has(w.piece)) failed.add(w.piece), errors.push([w.piece, errorOf(err)]);
    }
    start = end;
  }
  const owned = memory.filter((m) => !(m instanceof SharedArrayBuffer));
  parentPort.postMessage({ id: job.id, status, errors, owned }, owned);
});
`;

interface WorkerReply {
  id: number;
  /** Per piece: 1 when the hash matched. */
  status: Uint8Array;
  /** Pieces whose hashing or writing failed, with the error. */
  errors: Array<[number, { message: string; code: string | null }]>;
  /** The transferred (not shared) memory, back in the order it went. */
  owned: ArrayBuffer[];
}

interface Pending {
  worker: number;
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

/**
 * Disk threads, like libtorrent's: completed pieces are hashed and, when they match, written
 * by a worker thread, so the event loop only moves bytes between sockets and piece buffers.
 * Small pieces travel in batches (one message, one writev for adjacent ones), so the cost per
 * message is shared. Buffers are never copied: a piece buffer that owns its ArrayBuffer
 * (Buffer.allocUnsafeSlow, as the BufferPool's do) is transferred there and back; one cut from
 * a SharedArrayBuffer is read in place. (Piece buffers are not shared: V8 copies received
 * blocks into shared memory several times slower than into plain memory, which costs more
 * than the transfers save.)
 */
export class DiskWorkers {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size = 2) {}

  /** Hashes `buffer` against `expected` (and `merkle`); if equal, performs `writes`. Resolves with the buffer back. */
  async run(buffer: Buffer, expected: Uint8Array, writes: WorkerWrite[], merkle: MerkleCheck | null = null): Promise<HashResult> {
    const [result] = await this.runBatch([{ buffer, expected, merkle, writes }]);
    if (result!.error) throw result!.error;
    return result!;
  }

  /**
   * Hashes and writes several pieces with one message to one worker. Resolves with a result
   * per piece, in order (each with its buffer back); rejects only when the worker itself fails.
   */
  async runBatch(pieces: readonly BatchPiece[]): Promise<BatchResult[]> {
    const memory: ArrayBufferLike[] = [];
    const memoryIndex = new Map<ArrayBufferLike, number>();
    const transfer: ArrayBuffer[] = [];
    const table = new Float64Array(pieces.length * 5);
    const writeCount = pieces.reduce((n, p) => n + p.writes.length, 0);
    const writes = new Float64Array(writeCount * 4);
    const expected = new Uint8Array(pieces.length * 20);
    const checks = new Uint8Array(pieces.length);
    const merkle = new Float64Array(pieces.length * 2);
    const merkleExpected = new Uint8Array(pieces.length * 32);
    let w = 0;
    for (let i = 0; i < pieces.length; i++) {
      const { buffer, writes: pieceWrites } = pieces[i]!;
      const backing = buffer.buffer;
      const shared = backing instanceof SharedArrayBuffer;
      // Transferred memory must be the piece's alone (and given once): it leaves this thread.
      if (!shared && (buffer.byteOffset !== 0 || backing.byteLength !== buffer.length || memoryIndex.has(backing))) {
        throw new Error('piece buffers given to disk workers must own their memory or be shared');
      }
      let m = memoryIndex.get(backing);
      if (m === undefined) {
        memoryIndex.set(backing, (m = memory.length));
        memory.push(backing);
        if (!shared) transfer.push(backing as ArrayBuffer);
      }
      const t = i * 5;
      table[t] = m;
      table[t + 1] = buffer.byteOffset;
      table[t + 2] = buffer.length;
      table[t + 3] = w;
      table[t + 4] = pieceWrites.length;
      for (const write of pieceWrites) {
        writes[4 * w] = write.fd;
        writes[4 * w + 1] = write.bufferOffset;
        writes[4 * w + 2] = write.length;
        writes[4 * w + 3] = write.position;
        w++;
      }
      const { expected: sha1, merkle: tree } = pieces[i]!;
      if (sha1.length === 20) {
        expected.set(sha1, i * 20);
        checks[i]! |= 1;
      }
      if (tree) {
        merkle[2 * i] = Math.min(tree.dataLength, buffer.length);
        merkle[2 * i + 1] = tree.leaves;
        merkleExpected.set(tree.expected.subarray(0, 32), i * 32);
        checks[i]! |= 2;
      }
    }
    const slot = this.pickWorker();
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { worker: slot, resolve, reject });
      this.load[slot]!++;
      this.workers[slot]!.postMessage({ id, memory, table, writes, expected, checks, merkle, merkleExpected }, transfer);
    });
    const results: BatchResult[] = [];
    let owned = 0;
    for (let i = 0; i < pieces.length; i++) {
      const buffer = pieces[i]!.buffer;
      // Transferred memory comes back as a new ArrayBuffer; the piece's Buffer is now empty.
      const back = buffer.buffer instanceof SharedArrayBuffer ? buffer : Buffer.from(reply.owned[owned++]!);
      results.push({ ok: reply.status[i] === 1, buffer: back, error: null });
    }
    for (const [i, e] of reply.errors) results[i]!.error = toError(e);
    return results;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('disk workers closed'));
    this.pending.clear();
  }

  private pickWorker(): number {
    if (this.workers.length < this.size) {
      const index = this.workers.length;
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (m: WorkerReply) => {
        this.load[index]!--;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.resolve(m);
      });
      worker.on('error', (err) => {
        for (const [id, p] of this.pending) {
          if (p.worker !== index) continue;
          this.pending.delete(id);
          p.reject(err);
        }
      });
      this.workers.push(worker);
      this.load.push(0);
      return index;
    }
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    return best;
  }
}

function toError(e: { message: string; code: string | null }): NodeJS.ErrnoException {
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code) err.code = e.code;
  return err;
}
