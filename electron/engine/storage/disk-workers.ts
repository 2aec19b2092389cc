import { Worker, type ResourceLimits } from 'node:worker_threads';
import { type MerkleCheck, MERKLE_WORKER_SOURCE } from './merkle-check.js';
import { DIRECT_PACE, DIRECT_PACE_SOURCE, type DirectPaceSettings } from './direct-pace.js';

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
 * Bytes per buffered write system call, at most: writes go out in calls of up to 128 KiB (one
 * writev for adjacent small pieces).
 */
const MAX_WRITE_BYTES = 128 * 1024;

/**
 * Direct writes (O_DIRECT: from our memory to the device, past the page cache) for the
 * stretches of a write that start and end on DIRECT_ALIGN boundaries and span at least
 * MIN_DIRECT_BYTES. Why: filling the page cache is the dearest part of a download on these
 * machines. They are VMs that hand freed memory back to the host within about a second
 * (free page reporting), and every fresh page-cache page then faults in the host: measured
 * here, writing 1 GiB through the page cache cost 3.2–4.4 s of system time (2.3–2.8 s through
 * mmap, as libtorrent writes), and 0.15–0.25 s directly in 256 KiB–1 MiB calls. On any machine
 * it also keeps a download from pushing the user's own files out of memory (qBittorrent's
 * "disable OS cache"). Below 64 KiB a direct write waits on the device for too little data
 * (16 KiB calls: 5 s per GiB), so small pieces that are not adjacent stay buffered.
 *
 * Direct writes wait for the device, so they are used only while it keeps up (direct-pace.ts):
 * when they take most of a thread's time, writes go through the page cache for a while.
 *
 * A 4 KiB block is only ever written one way: the direct stretch is cut at 64 KiB boundaries
 * (no page, whatever the page size, is shared with a buffered write), the rest of the write
 * goes through the page cache. Where O_DIRECT is refused (tmpfs, some FUSE file systems) or a
 * direct write fails with EINVAL, the whole write is buffered, as before.
 */
const DIRECT_ALIGN = 64 * 1024;
const MIN_DIRECT_BYTES = 64 * 1024;
/** The worker's aligned staging buffer: direct writes go out in calls of at most this. */
const DIRECT_CHUNK_BYTES = 1024 * 1024;

// Plain CommonJS so it runs from source (tests) and from the build alike, without a loader.
// A job names its pieces in flat tables (cheap to post): `table` holds, per piece, the index of
// its memory in `memory`, offset, length, first write and write count; `writes` holds, per write,
// fd, offset in the piece, length and file position. A batch is hashed piece by piece; the good
// pieces' writes are then sorted by file and position, and runs that are adjacent on disk go out
// together: their aligned middle directly, the rest buffered (see DIRECT_ALIGN).
// Shared memory is read in place; other buffers were transferred and go back in `owned`.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
// One-shot hashing where the runtime has it (no Hash object per piece).
const sha1 = typeof crypto.hash === 'function'
  ? (bytes) => crypto.hash('sha1', bytes, 'buffer')
  : (bytes) => crypto.createHash('sha1').update(bytes).digest();
const fs = require('node:fs');
const MAX_IOV = 1024;
const MAX_WRITE = ${MAX_WRITE_BYTES};
const MAX_RUN = 64 * MAX_WRITE;
const DIRECT_ALIGN = ${DIRECT_ALIGN};
const MIN_DIRECT = ${MIN_DIRECT_BYTES};
const CHUNK = ${DIRECT_CHUNK_BYTES};
const O_DIRECT = fs.constants.O_DIRECT;
// Milliseconds from a monotonic clock (perf_hooks' performance.now would load that module and
// its timing machinery into every disk thread: ~1.5 ms of start-up CPU each).
const performance = { now() { const t = process.hrtime(); return t[0] * 1e3 + t[1] / 1e6; } };
${MERKLE_WORKER_SOURCE}
${DIRECT_PACE_SOURCE}
const pace = new DirectPace(workerData.pace);
function errorOf(err) {
  return { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null };
}
// Views of the run's bytes for file positions [from, to).
function slices(run, from, to) {
  const out = [];
  for (const w of run) {
    const a = Math.max(from, w.position), b = Math.min(to, w.position + w.length);
    if (a < b) out.push(w.bytes.subarray(w.offset + a - w.position, w.offset + b - w.position));
  }
  return out;
}
// Buffered: views written at 'position' in calls of at most MAX_WRITE bytes, short writes resumed.
function writeBuffered(fd, views, position) {
  let i = 0, at = 0;
  while (i < views.length) {
    const iov = [];
    let bytes = 0;
    for (let j = i, skip = at; j < views.length && iov.length < MAX_IOV && bytes < MAX_WRITE; j++, skip = 0) {
      const v = views[j].subarray(skip, skip + MAX_WRITE - bytes);
      iov.push(v);
      bytes += v.length;
    }
    let n = iov.length === 1 ? fs.writeSync(fd, iov[0], 0, iov[0].length, position) : fs.writevSync(fd, iov, position);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    position += n;
    while (n > 0) {
      const left = views[i].length - at;
      if (n >= left) { n -= left; i++; at = 0; } else { at += n; n = 0; }
    }
  }
}
// Direct writes: the worker's staging buffer, aligned in memory; its offset is found by trial
// (JavaScript cannot see addresses; the kernel answers EINVAL for a misaligned one).
const stage = workerData && workerData.direct && O_DIRECT ? Buffer.allocUnsafeSlow(CHUNK + 4096) : null;
let stageAt = -1;
let directBytes = 0;
// Of those, written from the pieces' own memory (no staging copy; see inPlace).
let inPlaceBytes = 0;
const noDirect = new Set();
function openDirect(fd, devs) {
  if (!stage) return -1;
  let dev;
  try { dev = fs.fstatSync(fd).dev; } catch { return -1; }
  if (noDirect.has(dev)) return -1;
  try {
    // The same open file, reopened with O_DIRECT (the descriptor stays ours: no path is looked up).
    const dfd = fs.openSync('/proc/self/fd/' + fd, fs.constants.O_WRONLY | O_DIRECT);
    devs.set(dfd, dev);
    return dfd;
  } catch (err) {
    // Refused by the file system: never again on it. Anything else (out of descriptors): buffered this time.
    if (err.code === 'EINVAL' || err.code === 'EOPNOTSUPP') noDirect.add(dev);
    return -1;
  }
}
function copyInto(views, target) {
  let n = 0;
  for (const v of views) { target.set(v, n); n += v.length; }
}
// Pieces in page-aligned shared memory (BufferPool's slabs, see AlignedSlabs) are written from
// where they are, not copied into the staging buffer first: views that start and end on a page
// of a SharedArrayBuffer not found misaligned in this batch. Whether its memory starts on a page
// only the kernel can tell (EINVAL, nothing written): then the chunk is copied as before.
const PAGE = 4096;
const misaligned = new WeakSet();
function inPlace(views) {
  for (const v of views) {
    if (v.byteOffset % PAGE !== 0 || v.length % PAGE !== 0 || !(v.buffer instanceof SharedArrayBuffer) || misaligned.has(v.buffer)) return false;
  }
  return true;
}
// Bytes written from the views themselves; -1 when the kernel refused their memory.
function writeInPlace(dfd, views, position) {
  try {
    return views.length === 1 ? fs.writeSync(dfd, views[0], 0, views[0].length, position) : fs.writevSync(dfd, views, position);
  } catch (err) {
    if (err.code !== 'EINVAL') throw err;
    return -1;
  }
}
// Writes [from, to) of the run directly; false (nothing written) when direct I/O turns out refused.
function writeDirect(dfd, run, from, to) {
  let position = from;
  if (stageAt < 0) {
    const probe = slices(run, from, from + 4096);
    for (let k = 0; k < 4096 && stageAt < 0; k += 16) {
      copyInto(probe, stage.subarray(k, k + 4096));
      try {
        fs.writeSync(dfd, stage, k, 4096, from);
        stageAt = k;
      } catch (err) {
        if (err.code !== 'EINVAL') throw err;
      }
    }
    if (stageAt < 0) return false;
    position += 4096;
    directBytes += 4096;
  }
  while (position < to) {
    const end = Math.min(to, position + CHUNK);
    const views = slices(run, position, end);
    // Only once direct writes are known to work here (the staging probe above), so an EINVAL
    // from the views means their memory, not the file system.
    const tried = stageAt >= 0 && inPlace(views);
    let n = tried ? writeInPlace(dfd, views, position) : -1;
    if (n < 0) {
      copyInto(views, stage.subarray(stageAt, stageAt + end - position));
      try {
        n = fs.writeSync(dfd, stage, stageAt, end - position, position);
      } catch (err) {
        if (err.code !== 'EINVAL' || position !== from) throw err;
        return false;
      }
      if (tried) for (const v of views) misaligned.add(v.buffer);
    } else inPlaceBytes += n;
    directBytes += n;
    position += n;
    // A short direct write (a full disk): the rest goes through the page cache (which reports the error, if any).
    if (position < end) return writeBuffered(run[0].fd, slices(run, position, to), position), true;
  }
  return true;
}
function writeRun(run, direct) {
  const fd = run[0].fd;
  const from = run[0].position;
  const last = run[run.length - 1];
  const to = last.position + last.length;
  const a = Math.ceil(from / DIRECT_ALIGN) * DIRECT_ALIGN;
  const b = Math.floor(to / DIRECT_ALIGN) * DIRECT_ALIGN;
  if (b - a >= MIN_DIRECT && pace.allowed(performance.now())) {
    const dfd = direct(fd);
    const t0 = performance.now();
    if (dfd >= 0 && writeDirect(dfd, run, a, b)) {
      pace.wrote(performance.now() - t0, b - a);
      if (from < a) writeBuffered(fd, slices(run, from, a), from);
      if (b < to) writeBuffered(fd, slices(run, b, to), b);
      return;
    }
    if (dfd >= 0) noDirect.add(direct.devs.get(dfd));
  } else if (b - a >= MIN_DIRECT && stage) {
    // Direct writes are paused: time what the page cache costs instead (the pace compares).
    // No direct descriptor is opened for this: a pause only follows direct writes that went out.
    const t0 = performance.now();
    writeBuffered(fd, slices(run, from, to), from);
    pace.wroteCached(performance.now() - t0, to - from);
    return;
  }
  writeBuffered(fd, slices(run, from, to), from);
}
// Hashes each piece of a job; returns the writes of those that matched (the loops of a job are
// functions of their own, so each compiles apart and small).
function verifyPieces(job, status, errors) {
  const { table, writes: flat, expected, memory, checks, merkle, merkleExpected } = job;
  const count = status.length;
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
  return writes;
}
function byFileAndPosition(a, b) {
  return a.fd - b.fd || a.position - b.position;
}
// Writes in runs of adjacent writes (one writev, or one direct stretch, per run).
function writeAll(writes, errors) {
  writes.sort(byFileAndPosition);
  // Direct descriptors for this job only: closed before replying, while the caller still holds
  // the original open (a descriptor number is reused once closed, so none is cached across jobs).
  const directFds = new Map();
  const devs = new Map();
  const direct = (fd) => {
    let dfd = directFds.get(fd);
    if (dfd === undefined) directFds.set(fd, (dfd = openDirect(fd, devs)));
    return dfd;
  };
  direct.devs = devs;
  const failed = new Set();
  for (let start = 0; start < writes.length; ) {
    let end = start + 1;
    let bytes = writes[start].length;
    while (end < writes.length && end - start < MAX_IOV && bytes + writes[end].length <= MAX_RUN && writes[end].fd === writes[start].fd && writes[end].position === writes[end - 1].position + writes[end - 1].length) bytes += writes[end++].length;
    const run = writes.slice(start, end);
    try {
      writeRun(run, direct);
    } catch (err) {
      for (const w of run) if (!failed.has(w.piece)) failed.add(w.piece), errors.push([w.piece, errorOf(err)]);
    }
    start = end;
  }
  for (const dfd of directFds.values()) if (dfd >= 0) try { fs.closeSync(dfd); } catch {}
}
parentPort.on('message', (job) => {
  pace.begin(performance.now());
  const status = new Uint8Array(job.table.length / 5);
  const errors = [];
  writeAll(verifyPieces(job, status, errors), errors);
  pace.end(performance.now());
  const owned = job.memory.filter((m) => !(m instanceof SharedArrayBuffer));
  parentPort.postMessage({ id: job.id, status, errors, owned, directBytes, inPlaceBytes }, owned);
});
`;

/**
 * Pieces up to this size in memory of their own travel to a disk thread copied into one
 * staging buffer per batch instead of each transferred: handing over an ArrayBuffer and getting
 * it back costs about 5 µs (measured here: 64 buffers of 16 KiB per message, 170 ms of CPU per
 * 512 MiB; copying them into one buffer and sending that, 73 ms), more than copying 32 KiB.
 * The picker's pieces this small are shared (BufferPool) and need neither: only buffers from
 * elsewhere (tests, callers of `run`) take this path.
 */
const COPY_PIECE_MAX = 32 * 1024;
/** A staging buffer's size (a batch of small pieces is about 1 MiB); larger ones are not kept. */
const STAGE_BYTES = 2 * 1024 * 1024;
/** Staging buffers kept for reuse (one per batch in flight is enough). */
const MAX_IDLE_STAGES = 4;

/** Whether a piece's bytes go to the disk thread copied into the batch's staging buffer. */
function copied(buffer: Buffer): boolean {
  return buffer.length <= COPY_PIECE_MAX && !(buffer.buffer instanceof SharedArrayBuffer);
}

interface WorkerReply {
  id: number;
  /** Per piece: 1 when the hash matched. */
  status: Uint8Array;
  /** Pieces whose hashing or writing failed, with the error. */
  errors: Array<[number, { message: string; code: string | null }]>;
  /** The transferred (not shared) memory, back in the order it went. */
  owned: ArrayBuffer[];
  /** Bytes this worker has written directly (past the page cache) since it started. */
  directBytes: number;
  /** Of those, bytes written from the pieces' memory itself, not copied into a staging buffer. */
  inPlaceBytes: number;
}

/** What a disk thread is sent for a batch (the worker source above reads these fields). */
interface BatchMessage {
  id: number;
  /** The memory the pieces live in: the staging buffer first, if any, then transferred or shared buffers. */
  memory: ArrayBufferLike[];
  /** Per piece, 5 numbers: memory index, byte offset, length, first write, write count. */
  table: Float64Array;
  /** Per write, 4 numbers: fd, offset in the piece, length, file position. */
  writes: Float64Array;
  /** Per piece, its SHA-1 (20 bytes). */
  expected: Uint8Array;
  /** Per piece: bit 1, check the SHA-1; bit 2, check the merkle root. */
  checks: Uint8Array;
  /** Per piece, 2 numbers: bytes under the merkle root, leaves. */
  merkle: Float64Array;
  /** Per piece, its merkle root (32 bytes). */
  merkleExpected: Uint8Array;
}

interface PackedBatch {
  message: BatchMessage;
  transfer: ArrayBuffer[];
  /** Per piece, 1 when it travels copied into the staging buffer. */
  viaStage: Uint8Array;
}

interface Pending {
  id: number;
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

/**
 * A disk thread's JavaScript only unpacks a message and loops over its pieces; the bytes live
 * in transferred buffers, outside its heap. V8 would still grow each thread's young generation
 * towards its default limit (48 MiB on Node 20) as messages come in. Measured on a 1 GiB
 * download in 16 KiB pieces, this limit lowered peak RSS from 166 to 155 MiB at the same speed
 * and CPU (`npm run bench`).
 */
const DISK_WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 };

/**
 * Disk threads, like libtorrent's: completed pieces are hashed and, when they match, written
 * by a worker thread, so the event loop only moves bytes between sockets and piece buffers.
 * Small pieces travel in batches (one message, one writev for adjacent ones), so the cost per
 * message is shared. A piece buffer cut from a SharedArrayBuffer (the BufferPool's small
 * ones) is read in place; one that owns its ArrayBuffer (Buffer.allocUnsafeSlow, the pool's
 * larger ones) is transferred there and back; a small one of its own memory is copied into the
 * batch's staging buffer (see COPY_PIECE_MAX).
 */
export class DiskWorkers {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  /**
   * Each thread's batches awaiting its reply, oldest first: a thread answers its messages one
   * at a time, in order. Not a Map by id: one gaining and losing an entry per batch rehashes
   * often, and once a table is old, each one it abandons keeps its replies' callbacks (and the
   * batches they hold) alive into the old generation until a full GC.
   */
  private readonly pending: Pending[][] = [];
  private nextId = 1;
  private closed = false;

  /** Per worker, its last reported count of bytes written directly. */
  private readonly direct: number[] = [];
  private readonly inPlace: number[] = [];

  constructor(
    private readonly size = 2,
    /** Write aligned stretches past the page cache where the file system allows (see DIRECT_ALIGN). */
    private readonly directWrites = true,
    /** When direct writes count as slowing the download (direct-pace.ts); tests tighten it. */
    private readonly pace: DirectPaceSettings = DIRECT_PACE,
  ) {}

  /** Bytes written directly (O_DIRECT) so far, by all workers. */
  get directBytesWritten(): number {
    return this.direct.reduce((a, b) => a + b, 0);
  }

  /** Of those, bytes written from the pieces' own (page-aligned) memory, with no staging copy. */
  get inPlaceBytesWritten(): number {
    return this.inPlace.reduce((a, b) => a + b, 0);
  }

  /** The heap limits each started thread runs under, as that thread sees them (diagnostics). */
  threadLimits(): ResourceLimits[] {
    return this.workers.map((w) => w.resourceLimits ?? {});
  }

  /**
   * Starts the threads before the first piece needs one: a thread takes 75–100 ms to come up
   * here (loading Node in it, with the seeder busy on the other core), which a download would
   * otherwise spend with its first pieces waiting (measured on a 256 MiB download: nothing was
   * verified until 230 ms after the add, with data arriving from 70 ms).
   */
  warm(): void {
    while (!this.closed && this.workers.length < this.size) this.spawn();
  }

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
    // Packing and unpacking are synchronous functions of their own: the loops then compile
    // apart from the async function's resume points, and a change of types in one does not
    // throw away the compiled code of the others (V8 compiled this method three times,
    // 150 ms each, while a 256 MiB download warmed up).
    const batch = this.pack(pieces);
    const reply = await this.post(batch.message, batch.transfer);
    return this.unpack(pieces, batch.viaStage, reply);
  }

  /** The message that carries `pieces` to a disk thread, and the memory it hands over. */
  private pack(pieces: readonly BatchPiece[]): PackedBatch {
    const count = pieces.length;
    const memory: ArrayBufferLike[] = [];
    const memoryIndex = new Map<ArrayBufferLike, number>();
    const transfer: ArrayBuffer[] = [];
    const table = new Float64Array(count * 5);
    let writeCount = 0;
    for (let i = 0; i < count; i++) writeCount += pieces[i]!.writes.length;
    const writes = new Float64Array(writeCount * 4);
    const expected = new Uint8Array(count * 20);
    const checks = new Uint8Array(count);
    const merkle = new Float64Array(count * 2);
    const merkleExpected = new Uint8Array(count * 32);
    // Small pieces are copied into one staging buffer, which alone travels (see COPY_PIECE_MAX).
    const viaStage = new Uint8Array(count);
    let stageBytes = 0;
    for (let i = 0; i < count; i++) {
      const buffer = pieces[i]!.buffer;
      if (!copied(buffer)) continue;
      viaStage[i] = 1;
      stageBytes += buffer.length;
    }
    const stage = stageBytes > 0 ? this.takeStage(stageBytes) : null;
    if (stage) {
      memory.push(stage);
      transfer.push(stage);
    }
    let staged = 0;
    let w = 0;
    for (let i = 0; i < count; i++) {
      const { buffer, writes: pieceWrites, expected: sha1, merkle: tree } = pieces[i]!;
      const t = i * 5;
      if (stage && viaStage[i] === 1) {
        new Uint8Array(stage, staged, buffer.length).set(buffer);
        table[t] = 0;
        table[t + 1] = staged;
        staged += buffer.length;
      } else {
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
        table[t] = m;
        table[t + 1] = buffer.byteOffset;
      }
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
    return { message: { id: 0, memory, table, writes, expected, checks, merkle, merkleExpected }, transfer, viaStage };
  }

  /** Sends a batch to the least loaded disk thread; resolves with its reply. */
  private post(message: BatchMessage, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    const slot = this.pickWorker();
    const id = (message.id = this.nextId++);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending[slot]!.push({ id, resolve, reject });
      this.load[slot]!++;
      this.workers[slot]!.postMessage(message, transfer);
    });
  }

  /** A result per piece from the reply, each with its buffer back. */
  private unpack(pieces: readonly BatchPiece[], viaStage: Uint8Array, reply: WorkerReply): BatchResult[] {
    const results: BatchResult[] = [];
    let owned = 0;
    // The staging buffer went first (see pack).
    if (viaStage.includes(1)) this.giveStage(reply.owned[owned++]!);
    for (let i = 0; i < pieces.length; i++) {
      const buffer = pieces[i]!.buffer;
      // Transferred memory comes back as a new ArrayBuffer; the piece's Buffer is now empty.
      const back = viaStage[i] === 1 || buffer.buffer instanceof SharedArrayBuffer ? buffer : Buffer.from(reply.owned[owned++]!);
      results.push({ ok: reply.status[i] === 1, buffer: back, error: null });
    }
    for (const [i, e] of reply.errors) results[i]!.error = toError(e);
    return results;
  }

  /** Staging buffers back from the workers, for the next batches of small pieces. */
  private readonly stages: ArrayBuffer[] = [];

  private takeStage(bytes: number): ArrayBuffer {
    const i = this.stages.findIndex((s) => s.byteLength >= bytes);
    if (i >= 0) return this.stages.splice(i, 1)[0]!;
    // Not zero-filled: every byte the worker reads is copied in first.
    return Buffer.allocUnsafeSlow(Math.max(bytes, STAGE_BYTES)).buffer as ArrayBuffer;
  }

  private giveStage(stage: ArrayBuffer): void {
    if (stage.byteLength <= STAGE_BYTES && this.stages.length < MAX_IDLE_STAGES) this.stages.push(stage);
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const queue of this.pending) for (const p of queue.splice(0)) p.reject(new Error('disk workers closed'));
  }

  private pickWorker(): number {
    if (this.workers.length < this.size) return this.spawn();
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    return best;
  }

  private spawn(): number {
    const index = this.workers.length;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { direct: this.directWrites, pace: this.pace }, resourceLimits: DISK_WORKER_LIMITS });
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      this.load[index]!--;
      this.direct[index] = m.directBytes;
      this.inPlace[index] = m.inPlaceBytes;
      const queue = this.pending[index]!;
      const at = queue.findIndex((p) => p.id === m.id);
      if (at < 0) return;
      queue.splice(at, 1)[0]!.resolve(m);
    });
    worker.on('error', (err) => {
      for (const p of this.pending[index]!.splice(0)) p.reject(err);
    });
    this.workers.push(worker);
    this.load.push(0);
    this.pending.push([]);
    return index;
  }
}

function toError(e: { message: string; code: string | null }): NodeJS.ErrnoException {
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code) err.code = e.code;
  return err;
}
