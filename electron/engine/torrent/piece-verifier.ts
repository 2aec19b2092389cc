import type { PieceDownload } from '../picker/piece-download.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import type { BatchResult, DiskWorkers } from '../storage/disk-workers.js';
import type { BatchInput, Storage } from '../storage/storage.js';
import type { PieceChecks } from './piece-checks.js';
import { StagedWrites, type StagedWritesHost } from './staged-writes.js';

/** What checking and writing completed pieces needs from the transfer. */
export interface VerifierHost {
  readonly disk: DiskWorkers;
  /** Counts file priority changes: a piece written across one is fetched again. */
  priorityEpoch(): number;
  /** Whether piece `index` has bytes in a file that is skipped right now. */
  touchesSkippedFile(index: number): boolean;
  /** Hashed right and on disk (`piece`: who sent it, for the mosaic). */
  verified(index: number, piece: PieceDownload): void;
  /** Failed the hash check: its blocks were thrown away. */
  failed(piece: PieceDownload): void;
  /** The disk refused the write: the torrent cannot go on. */
  writeFailed(message: string): void;
  /** The disk queue went back under its bound: requests may flow again. */
  caughtUp(): void;
}

/** Pieces at least this large are hashed on a disk thread when re-checked (smaller ones here). */
const WORKER_MIN_PIECE = 128 * 1024;
/**
 * Stop requesting while this many completed bytes wait to be hashed or written: the disk sets
 * the pace. Two batches of up to 2 MiB are on the disk threads at once, so 8 MiB keeps them fed;
 * more only adds to peak memory (16 MiB here put a 4 GiB download at 202–207 MiB RSS, 8 at 192–195).
 */
const MAX_PENDING_DISK_BYTES = 8 * 1024 * 1024;
/** Completed pieces go to a disk thread in batches of this many bytes (one message, few writes)... */
const BATCH_BYTES = 1024 * 1024;
/** ...and at most this many, whatever waits (small pieces are copied into a staging buffer of 2 MiB per batch). */
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
/**
 * Batches on the disk threads at once; more completed pieces wait to join the next batch. A
 * batch goes out once BATCH_BYTES wait, or GATHER_MS after its first piece: small pieces then
 * gather instead of leaving in batches of the few that one socket read completes (which is
 * what an idle disk thread would get on every turn of the event loop). A message to a disk
 * thread and back costs about as much CPU as hashing and writing 64 KiB (measured here:
 * 256 MiB in 16 KiB pieces took 1.3 CPU-s in batches of 4 and 0.6 in batches of 64), so at
 * small piece sizes the batch size is most of the cost.
 */
const MAX_BATCHES_IN_FLIGHT = 2;
/** How long a batch smaller than BATCH_BYTES gathers: ~1 MiB at 400 MiB/s; nothing a person notices. */
const GATHER_MS = 3;

interface Queued {
  piece: PieceDownload;
  /** The priority epoch when the piece completed (see `settle`). */
  epoch: number;
  skippedAtStart: boolean;
}

/**
 * Hashes completed pieces and writes the good ones on disk threads, keeps count of the bytes
 * waiting for the disk (backpressure on requests) and of the work in flight (so a resume
 * record can wait for it). Completed pieces are gathered into batches: one message to a disk
 * thread per batch, not per piece, which is what small pieces cost most in.
 */
export class PieceVerifier {
  /**
   * Disk work in flight (batches, discards, staged writes): counted, not kept in a Set. A Set
   * gaining and losing a promise per batch rehashes often, and once one of its tables is old,
   * each table it abandons keeps its promises (and the batches they hold) alive into the old
   * generation until a full GC.
   */
  private workInFlight = 0;
  /** Settles once `workInFlight` is back to 0: made by the first drain that waits, shared by the others. */
  private workSettled: { promise: Promise<void>; resolve: () => void } | null = null;
  private pendingBytes = 0;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private gatherTimer: NodeJS.Timeout | null = null;
  private batchesInFlight = 0;
  /** Blocks of pieces too big to hold, written as they arrive (PieceDownload.staged). */
  private readonly staged: StagedWrites;
  /** Whether `backlogged` was true when staged blocks last came or went (a write finishing then resumes requests). */
  private stagedBacklog = false;

  constructor(
    private readonly checks: PieceChecks,
    private readonly storage: Storage,
    private readonly picker: PiecePicker,
    private readonly host: VerifierHost,
  ) {
    this.staged = new StagedWrites(new PieceVerifier.StagedHost(this));
  }

  /**
   * The staged writes' view of the verifier: a class, not an object literal of closures (one
   * small object per torrent instead of ~470 bytes). Declared here to reach private members.
   */
  private static readonly StagedHost = class implements StagedWritesHost {
    constructor(private readonly verifier: PieceVerifier) {}
    writeRange(index: number, begin: number, data: Buffer): Promise<void> {
      return this.verifier.storage.writeRange(index, begin, data);
    }
    release(data: Buffer): void {
      this.verifier.picker.buffers.give(data);
    }
    priorityEpoch(): number {
      return this.verifier.host.priorityEpoch();
    }
    touchesSkippedFile(index: number): boolean {
      return this.verifier.host.touchesSkippedFile(index);
    }
    track(work: Promise<void>): void {
      this.verifier.track(work);
    }
    progressed(): void {
      const verifier = this.verifier;
      if (verifier.stagedBacklog && !verifier.backlogged) verifier.host.caughtUp();
      verifier.stagedBacklog = verifier.backlogged;
    }
  };

  /** More completed bytes (or staged blocks) wait for the disk than we allow: stop requesting. */
  get backlogged(): boolean {
    return this.pendingBytes + this.staged.bytes > MAX_PENDING_DISK_BYTES;
  }

  /**
   * A block of a staged piece arrived, in `data` (taken from `picker.buffers`, given back once
   * written). Call before the piece is reported complete: `verify` waits for its write.
   */
  stageBlock(piece: PieceDownload, begin: number, data: Buffer): void {
    this.staged.write(piece, begin, data);
    this.stagedBacklog = this.backlogged;
  }

  /** Hash check for data read back from disk (re-check): large pieces on a disk worker. */
  async hashMatches(index: number, data: Buffer): Promise<boolean> {
    if (data.length < WORKER_MIN_PIECE) return this.checks.matches(index, data);
    return (await this.host.disk.run(data, this.checks.sha1(index), [], this.checks.merkle(index))).ok;
  }

  /** Disk work to wait for before the resume record is taken (`drain`). */
  track(work: Promise<void>): void {
    this.workInFlight++;
    const settled = (): void => {
      if (--this.workInFlight > 0 || this.workSettled === null) return;
      const { resolve } = this.workSettled;
      this.workSettled = null;
      resolve();
    };
    void work.then(settled, settled);
  }

  /** Waits for pieces being hashed and written: after this, the resume record matches the disk. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.workInFlight > 0) {
      while (this.queue.length > 0) this.flush();
      if (this.workInFlight > 0) await this.workDone();
    }
  }

  /** Settles once no disk work is in flight. */
  private workDone(): Promise<void> {
    if (this.workSettled === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.workSettled = { promise, resolve };
    }
    return this.workSettled.promise;
  }

  /** Every block of `piece` is in: hash it, write it, report (soon, with the next batch). */
  verify(piece: PieceDownload): void {
    if (piece.staged) return this.verifyStaged(piece);
    piece.verifying = true;
    this.pendingBytes += piece.length;
    // Bytes in skipped files that are not on disk go to the part file (see Storage.setSkipped).
    this.queue.push({ piece, epoch: this.host.priorityEpoch(), skippedAtStart: this.host.touchesSkippedFile(piece.index) });
    this.queuedBytes += piece.length;
    this.sendBatch(false);
  }

  /**
   * Sends a batch if one is full, or has `gathered` for GATHER_MS, and a disk thread is free;
   * otherwise a batch still gathering gets its timer. One decision for both callers: the first
   * batches leave on their timers, so V8 has seen this send run by the time it optimises the
   * per-block path that fills batches (a send first run there would throw that code away).
   */
  private sendBatch(gathered: boolean): void {
    if ((gathered || this.queuedBytes >= BATCH_BYTES) && this.batchesInFlight < MAX_BATCHES_IN_FLIGHT) this.flush();
    else if (!gathered) this.armGatherTimer();
  }

  /**
   * A staged piece's blocks are all in: once they are on disk, it is read back and hashed a
   * chunk at a time (SHA-1 and v2 block hashes), never held whole.
   */
  private verifyStaged(piece: PieceDownload): void {
    piece.verifying = true;
    this.track(this.checkStaged(piece));
  }

  private async checkStaged(piece: PieceDownload): Promise<void> {
    const { index } = piece;
    const outcome = await this.staged.settled(piece);
    let ok = false;
    let doing = 'disk write failed';
    try {
      if (outcome.error) throw outcome.error;
      doing = `cannot read piece ${index} back to check it`;
      ok = await this.checks.matchesStreamed(index, piece.length, (offset, length, into) => this.storage.read(index, offset, length, into));
      doing = 'disk write failed';
      // A file of this piece skipped or un-skipped while it was written: where its bytes went is uncertain, fetch it again.
      const moved = this.host.priorityEpoch() !== outcome.epoch && (outcome.skippedAtStart || this.host.touchesSkippedFile(index));
      await this.storage.settleStaged(index, ok && !moved);
      if (ok && moved) {
        this.picker.pieceFailed(index);
        return;
      }
    } catch (err) {
      this.picker.pieceFailed(index);
      this.host.writeFailed(`${doing}: ${errorText(err)}`);
      return;
    }
    if (!ok) return this.host.failed(piece);
    this.host.verified(index, piece);
  }

  /** Sends what gathered within GATHER_MS, if a disk thread is free (a returning batch re-arms it). */
  private armGatherTimer(): void {
    if (this.gatherTimer !== null || this.queue.length === 0) return;
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = null;
      this.sendBatch(true);
    }, GATHER_MS);
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && (count === 0 || bytes + this.queue[count]!.piece.length <= MAX_BATCH_BYTES)) bytes += this.queue[count++]!.piece.length;
    const batch = count === this.queue.length ? this.queue : this.queue.slice(0, count);
    this.queue = count === this.queue.length ? [] : this.queue.slice(count);
    this.queuedBytes -= bytes;
    this.batchesInFlight++;
    this.track(this.runBatch(batch));
  }

  private async runBatch(batch: Queued[]): Promise<void> {
    let results: BatchResult[] | null = null;
    let failure: unknown = null;
    try {
      results = await this.storage.hashAndWriteBatch(this.inputsOf(batch), this.host.disk);
    } catch (err) {
      failure = err;
    }
    this.batchDone(batch, results, failure);
  }

  /**
   * What the disk is given for a batch. A plain loop, not `map`: V8's optimized `map` makes
   * arrays of another kind than the builtin's, and code compiled for one deoptimizes on the other.
   */
  private inputsOf(batch: readonly Queued[]): BatchInput[] {
    const inputs: BatchInput[] = [];
    for (const { piece } of batch) {
      inputs.push({ index: piece.index, data: piece.buffer!, expected: this.checks.sha1(piece.index), merkle: this.checks.merkle(piece.index) });
    }
    return inputs;
  }

  /** Reports each piece of a returned batch and sends what waits meanwhile. */
  private batchDone(batch: readonly Queued[], results: BatchResult[] | null, failure: unknown): void {
    this.batchesInFlight--;
    for (let i = 0; i < batch.length; i++) {
      const result = results?.[i];
      this.settle(batch[i]!, result ?? null, result ? result.error : failure);
    }
    if (!this.backlogged) this.host.caughtUp();
    while (this.queuedBytes >= BATCH_BYTES && this.batchesInFlight < MAX_BATCHES_IN_FLIGHT) this.flush();
    this.armGatherTimer();
  }

  /** One piece of a batch is back: report it, give its buffer back. */
  private settle({ piece, epoch, skippedAtStart }: Queued, result: BatchResult | null, error: unknown): void {
    // A buffer lost to a failed worker call is detached (length 0): nothing to recycle.
    const buffer = result?.buffer ?? piece.buffer!;
    if (buffer.length > 0) this.picker.buffers.give(buffer);
    this.pendingBytes -= piece.length;
    if (error || !result) {
      this.picker.pieceFailed(piece.index);
      this.host.writeFailed(`disk write failed: ${errorText(error)}`);
      return;
    }
    if (!result.ok) return this.host.failed(piece);
    // A file of this piece skipped or un-skipped meanwhile: what was written is uncertain, fetch it again.
    if (this.host.priorityEpoch() !== epoch && (skippedAtStart || this.host.touchesSkippedFile(piece.index))) {
      this.picker.pieceFailed(piece.index);
      this.track(this.storage.discard(piece.index).catch((err: unknown) => this.host.writeFailed(`disk write failed: ${errorText(err)}`)));
      return;
    }
    this.host.verified(piece.index, piece);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
