import { createHash } from 'node:crypto';
import type { PieceDownload } from '../picker/piece-download.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import type { DiskWorkers } from '../storage/disk-workers.js';
import type { Storage } from '../storage/storage.js';

/** What checking and writing completed pieces needs from the transfer. */
export interface VerifierHost {
  readonly disk: DiskWorkers;
  /** Counts file priority changes: a piece written across one is fetched again. */
  priorityEpoch(): number;
  /** Whether piece `index` has bytes in a file that is skipped right now. */
  touchesSkippedFile(index: number): boolean;
  /** Hashed right and on disk. */
  verified(index: number): void;
  /** Failed the hash check: its blocks were thrown away. */
  failed(piece: PieceDownload): void;
  /** The disk refused the write: the torrent cannot go on. */
  writeFailed(message: string): void;
  /** The disk queue went back under its bound: requests may flow again. */
  caughtUp(): void;
}

/** Pieces at least this large are hashed and written on a disk thread. */
const WORKER_MIN_PIECE = 128 * 1024;
/** Stop requesting while this many completed bytes wait to be hashed or written: the disk sets the pace. */
const MAX_PENDING_DISK_BYTES = 32 * 1024 * 1024;

/**
 * Hashes completed pieces and writes the good ones (large pieces on a disk thread, small ones
 * here), keeps count of the bytes waiting for the disk (backpressure on requests) and of the
 * work in flight (so a resume record can wait for it).
 */
export class PieceVerifier {
  private readonly work = new Set<Promise<void>>();
  private pendingBytes = 0;

  constructor(
    private readonly pieceHashes: Buffer,
    private readonly storage: Storage,
    private readonly picker: PiecePicker,
    private readonly host: VerifierHost,
  ) {}

  /** More completed bytes wait for the disk than we allow: stop requesting. */
  get backlogged(): boolean {
    return this.pendingBytes > MAX_PENDING_DISK_BYTES;
  }

  expectedHash(index: number): Buffer {
    return this.pieceHashes.subarray(index * 20, index * 20 + 20);
  }

  /** Hash check for data read back from disk (re-check): large pieces on a disk worker. */
  async hashMatches(index: number, data: Buffer): Promise<boolean> {
    if (data.length < WORKER_MIN_PIECE) return createHash('sha1').update(data).digest().equals(this.expectedHash(index));
    return (await this.host.disk.run(data, this.expectedHash(index), [])).ok;
  }

  /** Disk work to wait for before the resume record is taken (`drain`). */
  track(work: Promise<void>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  /** Waits for pieces being hashed and written: after this, the resume record matches the disk. */
  async drain(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Every block of `piece` is in: hash it, write it, report. */
  verify(piece: PieceDownload): void {
    this.track(this.run(piece));
  }

  private async run(piece: PieceDownload): Promise<void> {
    piece.verifying = true;
    this.pendingBytes += piece.length;
    // Bytes in skipped files that are not on disk go to the part file (see Storage.setSkipped).
    const epoch = this.host.priorityEpoch();
    const skippedAtStart = this.host.touchesSkippedFile(piece.index);
    let buffer = piece.buffer;
    try {
      let ok: boolean;
      if (piece.length >= WORKER_MIN_PIECE) {
        // Hash and write on a disk thread; the buffer travels there and back without a copy.
        const result = await this.storage.hashAndWrite(piece.index, piece.buffer, this.expectedHash(piece.index), this.host.disk);
        buffer = result.buffer;
        ok = result.ok;
      } else {
        // Small pieces: a worker round trip costs more than hashing 16 KiB here.
        ok = createHash('sha1').update(piece.buffer).digest().equals(this.expectedHash(piece.index));
        if (ok) await this.storage.writePiece(piece.index, piece.buffer);
      }
      if (!ok) return this.host.failed(piece);
      // A file of this piece skipped or un-skipped meanwhile: what was written is uncertain, fetch it again.
      if (this.host.priorityEpoch() !== epoch && (skippedAtStart || this.host.touchesSkippedFile(piece.index))) {
        this.picker.pieceFailed(piece.index);
        return await this.storage.discard(piece.index);
      }
      this.host.verified(piece.index);
    } catch (err) {
      this.picker.pieceFailed(piece.index);
      this.host.writeFailed(`disk write failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      // A buffer lost to a failed worker call is detached (length 0): nothing to recycle.
      if (buffer.length > 0) this.picker.buffers.give(buffer);
      this.pendingBytes -= piece.length;
      if (!this.backlogged) this.host.caughtUp();
    }
  }
}
