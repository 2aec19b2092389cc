/**
 * BEP 52 hashes of the files of a new v2 or hybrid torrent, computed by worker threads: each
 * file's piece layer and 'pieces root' and, for a hybrid, the SHA-1 of each of its pieces
 * zero-padded to the piece length (every file of a hybrid starts on a piece, followed by a pad
 * file). Hashing a 16 KiB block at a time on the event loop ran at 0.6× libtorrent's speed.
 *
 * Each file is cut into slices of whole pieces: a power-of-two number of them, so that a slice
 * is an aligned subtree of the file's piece layer. A worker reads a slice with large
 * positional reads and returns its piece hashes, their SHA-1s and the root of the slice's
 * subtree; the main thread only joins the slice roots into the file's root (a few hashes per
 * file). Slices (small files several at a time) are batched into jobs of about RUN_BYTES.
 * Memory: one READ_BYTES buffer per worker, whatever the piece length, the jobs in flight, and
 * the hashes: one buffer per kind (32 B per file and per piece, 20 B per piece for a hybrid).
 */
import { merkleRoot, MERKLE_BLOCK, nextPowerOfTwo, zeroSubtree } from '../merkle/merkle.js';
import { defaultHashThreads, runOnWorkers, type HashWatch } from './hash-workers.js';

export interface V2HashSource {
  absolute: string;
  length: number;
}

export interface V2HashOptions {
  /** Also hash each piece with SHA-1 (a hybrid's v1 'pieces'). */
  sha1: boolean;
  /**
   * Pad each file's last SHA-1 piece with zeros to the piece length, as its pad file does.
   * False for a single-file hybrid, whose last v1 piece is short.
   */
  padLastPiece: boolean;
}

/**
 * Every file's hashes, each kind in one buffer: a Buffer per file and kind (3 per file, each
 * with its own ArrayBuffer) cost ~500 B per file of a folder, beside the 32 to 52 B per piece
 * the torrent holds. {@link fileRoot} and {@link fileLayer} give one file's as views.
 */
export interface V2Hashes {
  /** 32 bytes per file: its 'pieces root' (zeros for an empty file). */
  roots: Buffer;
  /** 32 bytes per piece, the files' pieces in order: file i's from piece firstPiece[i]. */
  layers: Buffer;
  /**
   * 20 bytes per piece likewise, empty without `sha1`: as every file starts on a piece (pad
   * files), this is a hybrid's v1 'pieces' as it is.
   */
  sha1: Buffer;
  /** Each file's first piece among all the files' pieces; one more entry at the end: the total. */
  firstPiece: Float64Array;
}

/** Room for the hashes of `files` (zeros), and where each file's pieces start. */
export function allocV2Hashes(files: readonly { length: number }[], pieceLength: number, sha1: boolean): V2Hashes {
  const firstPiece = new Float64Array(files.length + 1);
  for (let i = 0; i < files.length; i++) firstPiece[i + 1] = firstPiece[i]! + Math.ceil(files[i]!.length / pieceLength);
  const pieces = firstPiece[files.length]!;
  return { roots: Buffer.alloc(32 * files.length), layers: Buffer.alloc(32 * pieces), sha1: Buffer.alloc(sha1 ? 20 * pieces : 0), firstPiece };
}

function piecesOf(h: V2Hashes, file: number): number {
  return h.firstPiece[file + 1]! - h.firstPiece[file]!;
}

/** File `file`'s 'pieces root' (a view), null for an empty file. */
export function fileRoot(h: V2Hashes, file: number): Buffer | null {
  return piecesOf(h, file) > 0 ? h.roots.subarray(32 * file, 32 * file + 32) : null;
}

/** File `file`'s piece layer (a view), null for a file of at most one piece (its root is its only piece's hash). */
export function fileLayer(h: V2Hashes, file: number): Buffer | null {
  return piecesOf(h, file) > 1 ? h.layers.subarray(32 * h.firstPiece[file]!, 32 * h.firstPiece[file + 1]!) : null;
}

/** File `file`'s SHA-1s (a view), empty without `sha1`. */
export function fileSha1(h: V2Hashes, file: number): Buffer {
  return h.sha1.length === 0 ? h.sha1 : h.sha1.subarray(20 * h.firstPiece[file]!, 20 * h.firstPiece[file + 1]!);
}

/** Whole pieces of one file: an aligned subtree of its piece layer. */
export interface Slice {
  file: number;
  path: string;
  /** First piece of the slice, counted within its file. */
  firstPiece: number;
  pieceCount: number;
  /** Byte offset in the file (firstPiece × piece length) and bytes (the last slice may end short). */
  position: number;
  length: number;
  /** Leaves of each piece's subtree: blocks per piece, or for a file of one piece its block count rounded up to a power of two. */
  leaves: number;
  /** Pieces the slice's root covers (≥ pieceCount, a power of two), padded with empty piece subtrees. */
  rootWidth: number;
  /** Whether the slice ends its file and its last SHA-1 piece gets the pad file's zeros. */
  padLast: boolean;
}

export interface Job {
  slices: Slice[];
  bytes: number;
}

const RUN_BYTES = 16 * 1024 * 1024;
// Small enough that a read stays in the L2 cache while both hashes go over it.
const READ_BYTES = 1024 * 1024;
/** Slices (so files) in one job at most, beside its bytes: see {@link planSlices}. */
const MAX_FILES_PER_JOB = 1024;

/** Largest power of two ≤ n (1 for n < 2). */
function powerOfTwoBelow(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Pieces per slice: a power of two, about `runBytes` of data. */
export function piecesPerSlice(pieceLength: number, runBytes = RUN_BYTES): number {
  return powerOfTwoBelow(Math.floor(runBytes / pieceLength));
}

/**
 * Cuts every file into slices and batches them into jobs of about `runBytes` and at most
 * `maxSlices` slices (at least one slice each); made one by one as the workers take them, so
 * that only the jobs in flight exist (a slice per piece when pieces are over RUN_BYTES, and a
 * path per file of a folder). Without the slice cap, 16 MiB of small files was a job of 25,000
 * slices, each with its file's path, held by the main thread and copied into the worker.
 */
export function* planSlices(
  files: readonly V2HashSource[],
  pieceLength: number,
  options: V2HashOptions,
  runBytes = RUN_BYTES,
  maxSlices = MAX_FILES_PER_JOB,
): Generator<Job, void, undefined> {
  const perSlice = piecesPerSlice(pieceLength, runBytes);
  const blocksPerPiece = pieceLength / MERKLE_BLOCK;
  let job: Job = { slices: [], bytes: 0 };
  for (let file = 0; file < files.length; file++) {
    const f = files[file]!;
    const pieces = Math.ceil(f.length / pieceLength);
    const leaves = pieces === 1 ? nextPowerOfTwo(Math.ceil(f.length / MERKLE_BLOCK)) : blocksPerPiece;
    const rootWidth = Math.min(perSlice, nextPowerOfTwo(pieces));
    for (let first = 0; first < pieces; first += perSlice) {
      const position = first * pieceLength;
      const length = Math.min(perSlice * pieceLength, f.length - position);
      const pieceCount = Math.ceil(length / pieceLength);
      if (job.slices.length > 0 && (job.bytes + length > runBytes || job.slices.length >= maxSlices)) {
        yield job;
        job = { slices: [], bytes: 0 };
      }
      job.slices.push({ file, path: f.absolute, firstPiece: first, pieceCount, position, length, leaves, rootWidth, padLast: options.padLastPiece && first + pieceCount === pieces });
      job.bytes += length;
    }
  }
  if (job.slices.length > 0) yield job;
}

// Plain CommonJS for hash-workers.ts. A job's answer holds, for each slice in order, its
// piece hashes, then its SHA-1s (hybrid), then its root. Blocks never straddle two reads:
// reads start on a piece and are a whole number of blocks; pieces straddle reads only when
// longer than the buffer (their SHA-1 is then hashed incrementally).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const BLOCK = ${MERKLE_BLOCK};
const { pieceLength, bufferBytes, sha1 } = workerData;
// Hashes data into out at 'at'. One-shot (Node ≥ 20.12): no Hash object per 16 KiB block; and
// the digest as a latin1 string, not a Buffer, whose allocation cost ~1 µs a call (as much as
// hashing a 64-byte pair, and ~15% on top of a 16 KiB block).
const digestInto = typeof crypto.hash === 'function'
  ? (alg, data, out, at) => out.write(crypto.hash(alg, data, 'latin1'), at, 'latin1')
  : (alg, data, out, at) => out.write(crypto.createHash(alg).update(data).digest('latin1'), at, 'latin1');
const buffer = Buffer.allocUnsafe(bufferBytes);
// Views of every whole block (and piece) of the buffer, made once: not two per 16 KiB.
const blockViews = [];
for (let at = 0; at + BLOCK <= bufferBytes; at += BLOCK) blockViews.push(buffer.subarray(at, at + BLOCK));
const pieceViews = [];
for (let at = 0; at + pieceLength <= bufferBytes; at += pieceLength) pieceViews.push(buffer.subarray(at, at + pieceLength));
const blocksPerPiece = pieceLength / BLOCK;
const pieceLevel = Math.round(Math.log2(blocksPerPiece));
const leafHashes = Buffer.allocUnsafe(blocksPerPiece * 32);
let layerScratch = Buffer.allocUnsafe(32);
let zeros = null;
// pads[k]: root of a subtree of 2^k zero leaves.
const pads = [Buffer.alloc(32)];
const pad = (k) => {
  while (pads.length <= k) {
    const p = pads[pads.length - 1];
    const next = Buffer.alloc(32);
    digestInto('sha256', Buffer.concat([p, p]), next, 0);
    pads.push(next);
  }
  return pads[k];
};
// Hashes n nodes (in nodes, room for width) up to their root, padding with empty subtrees
// whose level starts at 'level'; the root is left in nodes[0..32].
const reduce = (nodes, n, width, level) => {
  for (; width > 1; width /= 2, level++) {
    if (n % 2 === 1) pad(level).copy(nodes, n * 32);
    n = (n + 1) >> 1;
    for (let i = 0; i < n; i++) digestInto('sha256', nodes.subarray(64 * i, 64 * i + 64), nodes, 32 * i);
  }
};
const padSha1 = (h, bytes) => {
  if (zeros === null) zeros = Buffer.alloc(Math.min(pieceLength, bufferBytes));
  for (let left = bytes; left > 0; left -= zeros.length) h.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
};
const hashSlice = (s, out, at) => {
  const sha1At = at + s.pieceCount * 32;
  const rootAt = sha1At + (sha1 ? s.pieceCount * 20 : 0);
  let piece = 0;
  let inPiece = 0;
  let leaves = 0;
  let h1 = null;
  const fd = fs.openSync(s.path, 'r');
  try {
    for (let read = 0; read < s.length; ) {
      const want = Math.min(buffer.length, s.length - read);
      for (let got = 0; got < want; ) {
        const n = fs.readSync(fd, buffer, got, want - got, s.position + read + got);
        if (n === 0) throw new Error(s.path + ' shrank while it was being hashed');
        got += n;
      }
      read += want;
      for (let off = 0; off < want; ) {
        const pieceBytes = Math.min(pieceLength, s.length - piece * pieceLength);
        const take = Math.min(pieceBytes - inPiece, want - off);
        const ends = inPiece + take === pieceBytes;
        for (let b = 0; b < take; b += BLOCK) {
          const view = b + BLOCK <= take ? blockViews[(off + b) / BLOCK] : buffer.subarray(off + b, off + take);
          digestInto('sha256', view, leafHashes, 32 * leaves++);
        }
        if (sha1) {
          const padding = ends && s.padLast && piece === s.pieceCount - 1 ? pieceLength - pieceBytes : 0;
          if (inPiece === 0 && ends && off + take + padding <= buffer.length) {
            if (padding > 0) buffer.fill(0, off + take, off + take + padding);
            const view = take + padding === pieceLength ? pieceViews[off / pieceLength] : buffer.subarray(off, off + take);
            digestInto('sha1', view, out, sha1At + piece * 20);
          } else {
            if (h1 === null) h1 = crypto.createHash('sha1');
            h1.update(buffer.subarray(off, off + take));
            if (ends) {
              padSha1(h1, padding);
              h1.digest().copy(out, sha1At + piece * 20);
              h1 = null;
            }
          }
        }
        off += take;
        inPiece += take;
        if (ends) {
          reduce(leafHashes, leaves, s.leaves, 0);
          leafHashes.copy(out, at + piece * 32, 0, 32);
          piece++;
          inPiece = 0;
          leaves = 0;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (piece !== s.pieceCount) throw new Error('internal error: piece count mismatch while hashing');
  if (layerScratch.length < s.rootWidth * 32) layerScratch = Buffer.allocUnsafe(s.rootWidth * 32);
  out.copy(layerScratch, 0, at, at + s.pieceCount * 32);
  reduce(layerScratch, s.pieceCount, s.rootWidth, pieceLevel);
  layerScratch.copy(out, rootAt, 0, 32);
  return rootAt + 32;
};
parentPort.on('message', (job) => {
  try {
    let bytes = 0;
    for (const s of job.slices) bytes += s.pieceCount * (sha1 ? 52 : 32) + 32;
    const out = Buffer.alloc(bytes);
    let at = 0;
    for (const s of job.slices) at = hashSlice(s, out, at);
    parentPort.postMessage({ ok: true, out }, [out.buffer]);
  } catch (err) {
    parentPort.postMessage({ ok: false, message: err && err.message ? err.message : String(err) });
  }
});
`;

/**
 * Hashes every file into `hashes` (made by allocV2Hashes for these files; by default new);
 * `onProgress` gets the bytes hashed so far, after each job; aborting `signal` stops at once. `tuning` is for tests: the number of threads, the bytes per job and
 * per read (a whole number of blocks), the files per job.
 */
export async function hashV2Files(
  files: readonly V2HashSource[],
  pieceLength: number,
  options: V2HashOptions,
  { onProgress, signal }: HashWatch = {},
  tuning: { threads?: number; runBytes?: number; readBytes?: number; maxFiles?: number } = {},
  hashes: V2Hashes = allocV2Hashes(files, pieceLength, options.sha1),
): Promise<V2Hashes> {
  const total = files.reduce((n, f) => n + f.length, 0);
  const perSlice = piecesPerSlice(pieceLength, tuning.runBytes);
  // The roots of the slices of files of more than one slice (a file of one slice has its root
  // written straight into place): 32 bytes per RUN_BYTES of those files.
  const sliceRoots = new Map<number, Buffer>();
  const readBytes = tuning.readBytes ?? READ_BYTES;
  if (readBytes % MERKLE_BLOCK !== 0 || readBytes <= 0) throw new Error(`read size must be a whole number of blocks (got ${readBytes})`);
  // Whole pieces when they fit, so that a piece's SHA-1 is one call; else the pieces straddle reads.
  const bufferBytes = pieceLength <= readBytes ? Math.floor(readBytes / pieceLength) * pieceLength : readBytes;
  let hashed = 0;
  const jobs = planSlices(files, pieceLength, options, tuning.runBytes, tuning.maxFiles);
  await runOnWorkers<Job, { out: Uint8Array }>(WORKER_SOURCE, { pieceLength, bufferBytes, sha1: options.sha1 }, jobs, tuning.threads ?? defaultHashThreads(), (job, reply) => {
    const out = Buffer.from(reply.out.buffer, reply.out.byteOffset, reply.out.byteLength);
    let at = 0;
    for (const s of job.slices) {
      const n = s.pieceCount;
      const first = hashes.firstPiece[s.file]! + s.firstPiece;
      out.copy(hashes.layers, first * 32, at, at + n * 32);
      at += n * 32;
      if (options.sha1) {
        out.copy(hashes.sha1, first * 20, at, at + n * 20);
        at += n * 20;
      }
      const slices = Math.ceil((hashes.firstPiece[s.file + 1]! - hashes.firstPiece[s.file]!) / perSlice);
      if (slices === 1) {
        out.copy(hashes.roots, s.file * 32, at, at + 32);
      } else {
        let roots = sliceRoots.get(s.file);
        if (roots === undefined) sliceRoots.set(s.file, (roots = Buffer.alloc(slices * 32)));
        out.copy(roots, (s.firstPiece / perSlice) * 32, at, at + 32);
      }
      at += 32;
    }
    if (at !== out.length) throw new Error('internal error: worker answer size mismatch');
    hashed += job.bytes;
    onProgress?.(hashed, total);
  }, signal);
  // Slices are aligned subtrees of the layer padded to a power of two: join them the same way.
  const pad = sliceRoots.size > 0 ? zeroSubtree(perSlice * (pieceLength / MERKLE_BLOCK)) : null;
  for (const [file, roots] of sliceRoots) {
    const nodes: Buffer[] = [];
    for (let i = 0; i < roots.length; i += 32) nodes.push(roots.subarray(i, i + 32));
    merkleRoot(nodes, nextPowerOfTwo(nodes.length), pad!).copy(hashes.roots, file * 32);
  }
  return hashes;
}
