/**
 * A small pool of worker threads for hashing a torrent's data when creating it (piece-hasher.ts
 * for v1, v2-hasher.ts for v2 and hybrids). Each worker is started from plain CommonJS source
 * (so it runs from source in tests and from the build alike, without a loader) and answers one
 * job at a time with `{ ok: true, ... }` or `{ ok: false, message }`; jobs are taken from their
 * iterator in order as workers come free, so at most `threads` jobs (and their buffers) exist
 * at once: a plan of every job up front cost an object per piece for long pieces, and held a
 * path per file of a folder for the whole run.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type WorkerReply<R> = ({ ok: true } & R) | { ok: false; message: string };

/** What the caller of a hashing run watches it with. */
export interface HashWatch {
  /** Called after each job a worker finished with the bytes hashed so far and the total. */
  onProgress?: (hashed: number, total: number) => void;
  /** Aborting terminates the workers at once (a job in progress is dropped) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Hashing threads by default: one per core, at most 4 (beyond that the disk is the limit). */
export function defaultHashThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Runs every job on up to `threads` workers; `onReply` gets each job with its reply as it
 * completes (not necessarily in job order). Rejects with the first worker's error, or with
 * `signal`'s reason as soon as it is aborted: the workers are then terminated without waiting
 * for the jobs they are on, and no reply after that reaches `onReply`.
 */
export async function runOnWorkers<J, R>(
  source: string,
  workerData: unknown,
  jobs: Iterable<J>,
  threads: number,
  onReply: (job: J, reply: R) => void,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  const iterator = jobs[Symbol.iterator]();
  // The first jobs are taken now, to start no more workers than there are jobs.
  const first: J[] = [];
  while (first.length < threads) {
    const r = iterator.next();
    if (r.done === true) break;
    first.push(r.value);
  }
  const nextJob = (): J | undefined => {
    if (first.length > 0) return first.shift();
    const r = iterator.next();
    return r.done === true ? undefined : r.value;
  };
  const workers = Array.from({ length: first.length }, () => new Worker(source, { eval: true, workerData }));
  let failed = false;
  let rejectAborted: (reason: unknown) => void = () => {};
  const aborted = new Promise<never>((_, reject) => (rejectAborted = reject));
  const onAbort = (): void => {
    failed = true;
    rejectAborted(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const all = Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const give = (): void => {
              if (failed) return resolve();
              let job: J | undefined;
              try {
                job = nextJob();
              } catch (err) {
                failed = true;
                return reject(err as Error);
              }
              if (job === undefined) return resolve();
              worker.once('message', (reply: WorkerReply<R>) => {
                // Aborted (or another worker failed): this reply is not wanted.
                if (failed) return resolve();
                if (!reply.ok) {
                  failed = true;
                  return reject(new Error(reply.message));
                }
                try {
                  onReply(job, reply);
                } catch (err) {
                  failed = true;
                  return reject(err as Error);
                }
                give();
              });
              worker.postMessage(job);
            };
            worker.once('error', (err) => {
              failed = true;
              reject(err);
            });
            give();
          }),
      ),
    );
    await (signal === undefined ? all : Promise.race([all, aborted]));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
