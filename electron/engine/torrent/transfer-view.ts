import type { FilePriority, FileStats } from '../api.js';
import type { Metainfo } from '../metainfo/index.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import type { Storage } from '../storage/storage.js';

/** Piece states in `pieceStatus`: missing, in flight, verified, failed its hash (and still missing), not wanted. */
const MISSING = 0;
const IN_FLIGHT = 1;
const VERIFIED = 2;
const FAILED = 3;
const SKIPPED = 4;

/**
 * Read-only figures of a transfer for snapshots and trackers: bytes done and left, piece
 * states, availability, per-file progress. Computes from the picker and the file map; owns nothing.
 */
export class TransferView {
  private readonly hasPadFiles: boolean;

  constructor(
    private readonly meta: Metainfo,
    private readonly picker: PiecePicker,
    private readonly storage: Storage,
    private readonly filePriorities: readonly FilePriority[],
    private readonly failedPieces: ReadonlySet<number>,
  ) {
    this.hasPadFiles = meta.files.some((f) => f.pad);
  }

  /**
   * Verified payload bytes (pad bytes never count). Without pad files, from the count of
   * verified pieces: snapshots ask several times a second, and a walk of 262,144 pieces each
   * time was the CLI's largest cost after the transfer itself.
   */
  completedBytes(): number {
    const have = this.picker.have;
    if (have.complete) return this.meta.payloadLength;
    if (!this.hasPadFiles) {
      const last = this.meta.pieceCount - 1;
      const shortBy = have.has(last) ? this.picker.pieceLength - this.picker.pieceSize(last) : 0;
      return have.count * this.picker.pieceLength - shortBy;
    }
    let total = 0;
    for (let i = 0; i < this.meta.pieceCount; i++) if (have.has(i)) total += this.piecePayload(i);
    return total;
  }

  /**
   * Payload bytes of the wanted pieces, and how many of them are verified: what qBittorrent
   * (libtorrent's total_wanted / total_wanted_done) shows as Size and progress. A piece shared
   * by a wanted and a skipped file is wanted whole, as libtorrent counts it.
   */
  wantedBytes(): { size: number; done: number } {
    if (this.picker.allWanted) return { size: this.meta.payloadLength, done: this.completedBytes() };
    const have = this.picker.have;
    let size = 0;
    let done = 0;
    for (let i = 0; i < this.meta.pieceCount; i++) {
      if (!this.picker.isWanted(i)) continue;
      const payload = this.piecePayload(i);
      size += payload;
      if (have.has(i)) done += payload;
    }
    return { size, done };
  }

  /** Bytes still wanted (for tracker `left`). */
  leftBytes(): number {
    return Math.max(0, this.meta.payloadLength - this.completedBytes());
  }

  /**
   * @param pending file priorities set while the data is checked, which the picker learns only
   *                when the check ends (Torrent.setFilePriority): the mosaic shows them already.
   */
  pieceStatus(pending?: ReadonlyMap<number, FilePriority>): Uint8Array {
    const out = new Uint8Array(this.meta.pieceCount).fill(MISSING);
    const have = this.picker.have;
    // A missing piece nobody asked for (all its files skipped) is not "still to come": the
    // mosaic of a torrent whose wanted files are done must not look unfinished.
    for (let i = 0; i < out.length; i++) out[i] = have.has(i) ? VERIFIED : this.picker.isWanted(i) ? MISSING : SKIPPED;
    if (pending && pending.size > 0) this.applyPending(out, pending);
    for (const index of this.failedPieces) if (!have.has(index)) out[index] = FAILED;
    for (const index of this.picker.inFlight.keys()) out[index] = IN_FLIGHT;
    return out;
  }

  /** Missing pieces of the files in `pending` as those priorities make them: Skipped when no wanted file has bytes in them. */
  private applyPending(out: Uint8Array, pending: ReadonlyMap<number, FilePriority>): void {
    const priority = (fileIndex: number): FilePriority => pending.get(fileIndex) ?? this.filePriorities[fileIndex]!;
    // Only the changed files' pieces: bounded by what the user changed, not by the torrent.
    for (const fileIndex of pending.keys()) {
      const range = this.storage.map.filePieces(fileIndex);
      if (!range) continue;
      for (let p = range[0]; p <= range[1]; p++) {
        if (out[p] !== MISSING && out[p] !== SKIPPED) continue;
        const segments = this.storage.map.pieceSegments(p, 0, this.picker.pieceSize(p));
        out[p] = segments.some((s) => !this.meta.files[s.fileIndex]!.pad && priority(s.fileIndex) > 0) ? MISSING : SKIPPED;
      }
    }
  }

  /** [index, blocks received, blocks] of each piece in flight. */
  inFlight(): Array<[number, number, number]> {
    return [...this.picker.inFlight.values()].map((p) => [p.index, p.received, p.blockCount]);
  }

  availability(): Uint16Array {
    const out = new Uint16Array(this.meta.pieceCount);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(0xffff, this.picker.availability(i));
    return out;
  }

  files(): FileStats[] {
    const have = this.picker.have;
    const pieceLength = this.meta.pieceLength;
    return this.meta.files.map((f, index) => {
      let completed = 0;
      const range = this.storage.map.filePieces(index);
      if (range) {
        for (let p = range[0]; p <= range[1]; p++) {
          if (!have.has(p)) continue;
          const start = Math.max(f.offset, p * pieceLength);
          const end = Math.min(f.offset + f.length, p * pieceLength + this.picker.pieceSize(p));
          completed += Math.max(0, end - start);
        }
      }
      return { index, path: f.path, size: f.length, completedBytes: completed, priority: this.filePriorities[index]!, pad: f.pad };
    });
  }

  /** Bytes of piece `index` that belong to real (non-pad) files. */
  private piecePayload(index: number): number {
    const size = this.picker.pieceSize(index);
    if (!this.hasPadFiles) return size;
    let payload = 0;
    for (const seg of this.storage.map.pieceSegments(index, 0, size)) if (!this.meta.files[seg.fileIndex]!.pad) payload += seg.length;
    return payload;
  }
}
