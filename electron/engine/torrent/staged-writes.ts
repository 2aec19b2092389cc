import type { PieceDownload } from '../picker/piece-download.js';
import { LazyMap } from '../util/lazy-collections.js';

/** What staging blocks needs: the storage write, and the state a piece's outcome depends on. */
export interface StagedWritesHost {
  /** Writes bytes of a piece not verified yet (Storage.writeRange). */
  writeRange(index: number, begin: number, data: Buffer): Promise<void>;
  /** The block's buffer is written (or failed): it may be reused. */
  release(data: Buffer): void;
  /** Counts file priority changes (see PieceVerifier's `settle`). */
  priorityEpoch(): number;
  /** Whether piece `index` has bytes in a file that is skipped right now. */
  touchesSkippedFile(index: number): boolean;
  /** Disk work to wait for before a resume record or a close. */
  track(work: Promise<void>): void;
  /** Fewer bytes wait for the disk than before: requests may flow again. */
  progressed(): void;
}

/** How a staged piece's writes went, once all of them are done. */
export interface StagedOutcome {
  /** The first write that failed, or null. */
  error: unknown;
  /** The priority epoch when its first block was written. */
  epoch: number;
  /** Whether it touched a skipped file when its first block was written. */
  skippedAtStart: boolean;
}

/**
 * Writes on the disk at once; more blocks wait here, in arrival order. A few keep the disk busy
 * (libuv has four threads, shared with every other file operation of the process).
 */
const MAX_WRITES_IN_FLIGHT = 4;

interface PieceState extends StagedOutcome {
  pending: number;
  waiters: Array<(outcome: StagedOutcome) => void>;
}

interface Job {
  piece: PieceDownload;
  state: PieceState;
  begin: number;
  data: Buffer;
}

/**
 * The blocks of pieces too big to hold in memory (PieceDownload.staged), written to storage as
 * they arrive: memory is the blocks waiting for the disk (`bytes`, part of the disk backlog that
 * holds requests back), not the piece. `settled` tells when every block of a piece is on disk,
 * so it can be read back and hashed.
 */
export class StagedWrites {
  private readonly pieces = new LazyMap<PieceDownload, PieceState>();
  private readonly waiting: Array<Job | undefined> = [];
  private head = 0;
  private writing = 0;
  /** Bytes of blocks handed over and not yet written. */
  bytes = 0;

  constructor(private readonly host: StagedWritesHost) {}

  /** Takes block data of `piece` at `begin` (the buffer is the writer's until `release`). */
  write(piece: PieceDownload, begin: number, data: Buffer): void {
    let state = this.pieces.get(piece);
    if (!state) {
      state = { pending: 0, waiters: [], error: null, epoch: this.host.priorityEpoch(), skippedAtStart: this.host.touchesSkippedFile(piece.index) };
      this.pieces.set(piece, state);
    }
    state.pending++;
    this.bytes += data.length;
    this.waiting.push({ piece, state, begin, data });
    this.startWrites();
  }

  /** Resolves once every block handed over for `piece` is written (at once if none is pending); forgets the piece. */
  settled(piece: PieceDownload): Promise<StagedOutcome> {
    const state = this.pieces.get(piece);
    if (!state) return Promise.resolve({ error: null, epoch: this.host.priorityEpoch(), skippedAtStart: this.host.touchesSkippedFile(piece.index) });
    return new Promise((resolve) => {
      if (state.pending === 0) this.finish(piece, state, resolve);
      else state.waiters.push(resolve);
    });
  }

  private finish(piece: PieceDownload, state: PieceState, resolve: (outcome: StagedOutcome) => void): void {
    this.pieces.delete(piece);
    resolve({ error: state.error, epoch: state.epoch, skippedAtStart: state.skippedAtStart });
  }

  private startWrites(): void {
    while (this.writing < MAX_WRITES_IN_FLIGHT && this.head < this.waiting.length) {
      const job = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      }
      this.writing++;
      this.host.track(this.run(job));
    }
  }

  private async run({ piece, state, begin, data }: Job): Promise<void> {
    try {
      // A piece whose write failed is lost anyway: its other blocks are not written.
      if (state.error === null) await this.host.writeRange(piece.index, begin, data);
    } catch (err) {
      state.error ??= err;
    }
    this.writing--;
    this.bytes -= data.length;
    this.host.release(data);
    if (--state.pending === 0 && state.waiters.length > 0) {
      const waiters = state.waiters;
      this.pieces.delete(piece);
      for (const resolve of waiters) resolve({ error: state.error, epoch: state.epoch, skippedAtStart: state.skippedAtStart });
    }
    this.startWrites();
    this.host.progressed();
  }
}
