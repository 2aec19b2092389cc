import { Worker } from 'node:worker_threads';

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

// Plain CommonJS so it runs from source (tests) and from the build alike, without a loader.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
parentPort.on('message', (job) => {
  const bytes = new Uint8Array(job.buffer, 0, job.length);
  let ok = false;
  let error = null;
  try {
    ok = createHash('sha1').update(bytes).digest().equals(Buffer.from(job.expected));
    if (ok) {
      for (const w of job.writes) {
        let done = 0;
        while (done < w.length) done += fs.writeSync(w.fd, bytes, w.bufferOffset + done, w.length - done, w.position + done);
      }
    }
  } catch (err) {
    error = { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null };
  }
  parentPort.postMessage({ id: job.id, ok, error, buffer: job.buffer }, [job.buffer]);
});
`;

interface Pending {
  worker: number;
  resolve: (result: HashResult) => void;
  reject: (err: Error) => void;
}

/**
 * Disk threads, like libtorrent's: each completed piece is hashed and, when it matches,
 * written by a worker thread, so the event loop only moves bytes between sockets and
 * piece buffers. Buffers are transferred, never copied. Piece buffers must own their
 * ArrayBuffer (Buffer.allocUnsafeSlow), as the BufferPool's do.
 */
export class DiskWorkers {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size = 2) {}

  /** Hashes `buffer` against `expected`; if equal, performs `writes`. Resolves with the buffer back. */
  run(buffer: Buffer, expected: Uint8Array, writes: WorkerWrite[]): Promise<HashResult> {
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== buffer.length) {
      return Promise.reject(new Error('piece buffers given to disk workers must own their memory'));
    }
    const slot = this.pickWorker();
    const id = this.nextId++;
    return new Promise<HashResult>((resolve, reject) => {
      this.pending.set(id, { worker: slot, resolve, reject });
      this.load[slot]!++;
      const arrayBuffer = buffer.buffer as ArrayBuffer;
      this.workers[slot]!.postMessage(
        { id, buffer: arrayBuffer, length: buffer.length, expected: Uint8Array.from(expected), writes },
        [arrayBuffer],
      );
    });
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
      worker.on('message', (m: { id: number; ok: boolean; error: { message: string; code: string | null } | null; buffer: ArrayBuffer }) => {
        this.load[index]!--;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) {
          const err = new Error(m.error.message) as NodeJS.ErrnoException;
          if (m.error.code) err.code = m.error.code;
          p.reject(err);
        } else {
          p.resolve({ ok: m.ok, buffer: Buffer.from(m.buffer) });
        }
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
