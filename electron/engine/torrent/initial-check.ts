import type { Metainfo } from '../metainfo/index.js';
import type { PiecePicker } from '../picker/piece-picker.js';
import type { ResumeData } from '../resume/resume-data.js';
import type { Storage } from '../storage/storage.js';
import { Bitfield } from '../util/bitfield.js';
import { STREAMED_CHECK_CHUNK } from './piece-checks.js';

/** What the start-up check works on. */
export interface CheckTarget {
  readonly meta: Metainfo;
  readonly storage: Storage;
  readonly picker: PiecePicker;
  hashMatches(index: number, data: Buffer): Promise<boolean>;
  /** The check of a piece longer than STREAMED_CHECK_CHUNK, read from disk a chunk at a time (throws if it cannot be read). */
  streamedMatches(index: number, size: number): Promise<boolean>;
  /** A piece hashed from disk turned out good. */
  pieceChecked(index: number): void;
  /** The torrent was stopped (removed, or the app quits): the check ends at the next piece. */
  stopped?(): boolean;
}

export interface CheckResult {
  /** Pieces hashed from disk. */
  checked: number;
  /** Pieces trusted from the resume record. */
  resumed: number;
}

/**
 * Creates the save folder and empty files, then learns what is already on disk: from the
 * resume record where the files are as it recorded them (no hashing), by hashing where they
 * are not (changed, missing, or no record at all). Pieces found are marked had in the picker.
 * @param usable a resume record that fits this torrent, or null
 */
export async function checkExistingData(t: CheckTarget, usable: ResumeData | null, onChecking: () => void): Promise<CheckResult> {
  const { meta, storage, picker } = t;
  const result: CheckResult = { checked: 0, resumed: 0 };
  // Pieces whose part-file copy was dropped (their files no longer use it) are hashed from the files.
  const unsettled = new Set(await storage.prepare());
  const stamps = await storage.fileStamps();
  const sizes = stamps.map((s) => s?.size ?? null);
  const changed = meta.files.map((f, i) => {
    if (f.pad || !usable) return true;
    const now = stamps[i];
    const then = usable.files[i]!;
    return now ? now.size !== then.size || now.mtimeMs !== then.mtimeMs : then.mtimeMs !== -1;
  });
  if (!usable && unsettled.size === 0 && nothingOnDisk(t, sizes)) {
    storage.trustStamps(stamps);
    return result;
  }
  const recorded = usable ? new Bitfield(meta.pieceCount, usable.have) : null;
  const toCheck: number[] = [];
  for (let index = 0; index < meta.pieceCount; index++) {
    const segments = storage.map.pieceSegments(index, 0, picker.pieceSize(index));
    const touchesChanged = unsettled.has(index) || segments.some((seg) => !meta.files[seg.fileIndex]!.pad && changed[seg.fileIndex]);
    if (!touchesChanged) {
      // Bytes that belong in the part file must be there (it may have been deleted).
      if (recorded?.has(index) && storage.holdsPiece(index)) {
        picker.markHave(index);
        result.resumed++;
      }
    } else if (pieceFilesPresent(t, index, sizes)) {
      toCheck.push(index);
    }
  }
  if (toCheck.length > 0) onChecking();
  for (const index of toCheck) {
    // Stopped: quitting or removing must not wait for the hashing of a whole torrent (hours for a
    // large one on a slow disk), as libtorrent aborts its check. What the pieces hashed so far
    // say stays, but the record vouches for no file: the next start hashes them all again.
    if (t.stopped?.()) {
      storage.trustNoStamps();
      return result;
    }
    let good: boolean;
    try {
      good = await pieceMatches(t, index);
    } catch {
      continue;
    }
    result.checked++;
    if (good) {
      picker.markHave(index);
      t.pieceChecked(index);
    }
  }
  // Part-file copies of pieces that are not ours (never recorded, or failed the check) go.
  for (const index of storage.partFilePieces()) if (!picker.have.has(index)) await storage.discard(index);
  // What the have bits now say was read from the files as they were stamped above.
  storage.trustStamps(stamps);
  return result;
}

/** Reads and hashes one piece; a piece too long to hold whole is hashed as it is read. Throws when it cannot be read. */
async function pieceMatches(t: CheckTarget, index: number): Promise<boolean> {
  const size = t.picker.pieceSize(index);
  if (size > STREAMED_CHECK_CHUNK) return t.streamedMatches(index, size);
  return t.hashMatches(index, await t.storage.read(index, 0, size));
}

/**
 * A new download: no file holds a byte and the part file holds no piece, so no piece can be
 * whole on disk, and the walk over every piece below (262,144 of them in a 4 GiB torrent of
 * 16 KiB pieces) would find nothing. (Pieces of pad bytes alone are never hashed there.)
 */
function nothingOnDisk(t: CheckTarget, sizes: Array<number | null>): boolean {
  return t.storage.partFilePieces().length === 0 && t.meta.files.every((f, i) => f.pad || !sizes[i]);
}

/** Whether every byte of the piece is on disk to hash: in its files, or in the part file. */
function pieceFilesPresent(t: CheckTarget, index: number, sizes: Array<number | null>): boolean {
  if (!t.storage.holdsPiece(index)) return false;
  return t.storage.map.pieceSegments(index, 0, t.picker.pieceSize(index)).every((seg) => {
    const file = t.meta.files[seg.fileIndex]!;
    const size = sizes[seg.fileIndex];
    return file.pad || t.storage.fileInPartFile(seg.fileIndex) || (size !== null && size !== undefined && size >= seg.fileOffset + seg.length);
  });
}
