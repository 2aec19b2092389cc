/**
 * SHA-1 of every piece of a list of files, for `createTorrent`. The byte range is cut into
 * runs of whole pieces (about 32 MiB each) that worker threads read with large positional
 * reads and hash in parallel, so creating a torrent runs at disk/SHA-1 speed whatever the
 * piece size (reading one 16 KiB piece at a time on the event loop was 6× slower than
 * libtorrent). Memory: one read buffer of at most READ_BYTES per worker, whatever the piece
 * length (a piece longer than that is hashed incrementally, read by read), and the runs
 * being hashed: they are planned as workers ask for them, not all up front.
 */
import { defaultHashThreads, runOnWorkers, type HashWatch } from './hash-workers.js';

export interface HashSource {
  absolute: string;
  length: number;
}

/** A stretch of one file inside a run of pieces. */
interface Segment {
  path: string;
  position: number;
  length: number;
}

interface Run {
  firstPiece: number;
  pieceCount: number;
  bytes: number;
  segments: Segment[];
}

const RUN_BYTES = 32 * 1024 * 1024;
const READ_BYTES = 4 * 1024 * 1024;
/** Files (stretches of files) in one job at most, beside its bytes: see {@link planRuns}. */
const MAX_FILES_PER_JOB = 1024;

// Plain CommonJS for hash-workers.ts.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
// One-shot hashing (Node ≥ 20.12) saves a Hash object per piece, and a latin1 digest a Buffer.
const sha1Into = typeof crypto.hash === 'function'
  ? (data, out, at) => out.write(crypto.hash('sha1', data, 'latin1'), at, 'latin1')
  : (data, out, at) => out.write(crypto.createHash('sha1').update(data).digest('latin1'), at, 'latin1');
const fs = require('node:fs');
const pieceLength = workerData.pieceLength;
const buffer = Buffer.allocUnsafe(workerData.bufferBytes);
// Pieces longer than the buffer are hashed incrementally, a buffer at a time.
const incremental = pieceLength > buffer.length;
parentPort.on('message', (run) => {
  const hashes = Buffer.allocUnsafe(run.pieceCount * 20);
  let fill = 0;
  let done = 0;
  let inPiece = 0;
  let h = null;
  const lastPiece = run.bytes - (run.pieceCount - 1) * pieceLength;
  const flushIncremental = () => {
    for (let at = 0; at < fill; ) {
      const pieceBytes = done === run.pieceCount - 1 ? lastPiece : pieceLength;
      const take = Math.min(fill - at, pieceBytes - inPiece);
      if (h === null) h = crypto.createHash('sha1');
      h.update(buffer.subarray(at, at + take));
      at += take;
      inPiece += take;
      if (inPiece === pieceBytes) {
        h.digest().copy(hashes, done * 20);
        h = null;
        inPiece = 0;
        done++;
      }
    }
    fill = 0;
  };
  const flush = () => {
    if (incremental) return flushIncremental();
    let at = 0;
    while (fill - at >= pieceLength || (done === run.pieceCount - 1 && at < fill)) {
      const n = Math.min(pieceLength, fill - at);
      sha1Into(buffer.subarray(at, at + n), hashes, done * 20);
      done++;
      at += n;
    }
    buffer.copy(buffer, 0, at, fill);
    fill -= at;
  };
  try {
    for (const s of run.segments) {
      const fd = fs.openSync(s.path, 'r');
      try {
        let read = 0;
        while (read < s.length) {
          const want = Math.min(buffer.length - fill, s.length - read);
          const n = fs.readSync(fd, buffer, fill, want, s.position + read);
          if (n === 0) throw new Error(s.path + ' shrank while it was being hashed');
          fill += n;
          read += n;
          if (fill === buffer.length) flush();
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    flush();
    if (done !== run.pieceCount) throw new Error('internal error: piece count mismatch while hashing');
    parentPort.postMessage({ ok: true, firstPiece: run.firstPiece, hashes }, [hashes.buffer]);
  } catch (err) {
    parentPort.postMessage({ ok: false, message: err && err.message ? err.message : String(err) });
  }
});
`;

/**
 * The worker's read buffer: whole pieces of about `readBytes`, or `readBytes` when a piece is
 * longer (it is then hashed read by read). It was at least a piece: 256 MiB pieces took 256 MiB
 * per hashing thread (537 MiB peak RSS for a 1 GiB file with 2 threads; libtorrent: 6 MiB).
 */
export function readBufferBytes(pieceLength: number, readBytes = READ_BYTES): number {
  return pieceLength <= readBytes ? Math.floor(readBytes / pieceLength) * pieceLength : readBytes;
}

/**
 * Cuts the concatenated files into runs of whole pieces, each listing the file stretches it
 * covers; made one by one as the workers take them, so that only the runs in flight exist (a
 * run per piece when pieces are over RUN_BYTES, and its file paths). A run ends at the first
 * piece boundary after `maxSegments` stretches: 32 MiB of small files was 50,000 of them, each
 * with its file's path, held by the main thread and copied into the worker.
 */
export function* planRuns(files: readonly HashSource[], pieceLength: number, runBytes = RUN_BYTES, maxSegments = MAX_FILES_PER_JOB): Generator<Run, void, undefined> {
  const total = files.reduce((n, f) => n + f.length, 0);
  const piecesPerRun = Math.max(1, Math.floor(runBytes / pieceLength));
  let fileIndex = 0;
  let inFile = 0;
  for (let start = 0; start < total; ) {
    const firstPiece = start / pieceLength;
    let end = Math.min(start + piecesPerRun * pieceLength, total);
    const segments: Segment[] = [];
    let at = start;
    while (at < end) {
      const f = files[fileIndex];
      if (!f) throw new Error('internal error: ran out of files while planning');
      const take = Math.min(end - at, f.length - inFile);
      if (take > 0) segments.push({ path: f.absolute, position: inFile, length: take });
      inFile += take;
      at += take;
      if (inFile === f.length) {
        fileIndex++;
        inFile = 0;
      }
      // Enough files for one job: end with the piece being hashed.
      if (segments.length >= maxSegments) end = Math.min(end, Math.ceil(at / pieceLength) * pieceLength, total);
    }
    const bytes = end - start;
    yield { firstPiece, pieceCount: Math.ceil(bytes / pieceLength), bytes, segments };
    start = end;
  }
}

/** Hashes every piece into `hashes` (by default new); `onProgress` gets the bytes hashed so far (in run order of completion); aborting `signal` stops at once. */
export async function hashPieces(
  files: readonly HashSource[],
  pieceLength: number,
  { onProgress, signal }: HashWatch = {},
  tuning: { threads?: number; runBytes?: number; readBytes?: number; maxFiles?: number } = {},
  hashes: Buffer = Buffer.alloc(Math.ceil(files.reduce((n, f) => n + f.length, 0) / pieceLength) * 20),
): Promise<Buffer> {
  const total = files.reduce((n, f) => n + f.length, 0);
  if (hashes.length !== Math.ceil(total / pieceLength) * 20) throw new Error('internal error: room for the piece hashes of the wrong size');
  const runs = planRuns(files, pieceLength, tuning.runBytes, tuning.maxFiles);
  const bufferBytes = readBufferBytes(pieceLength, tuning.readBytes);
  let hashed = 0;
  await runOnWorkers<Run, { firstPiece: number; hashes: Uint8Array }>(WORKER_SOURCE, { pieceLength, bufferBytes }, runs, tuning.threads ?? defaultHashThreads(), (run, reply) => {
    Buffer.from(reply.hashes.buffer, reply.hashes.byteOffset, reply.hashes.byteLength).copy(hashes, reply.firstPiece * 20);
    hashed += run.bytes;
    onProgress?.(hashed, total);
  }, signal);
  return hashes;
}
