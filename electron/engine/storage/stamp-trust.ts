/**
 * Which file stamps (size, modification time) a resume record may vouch for. At start-up a
 * file whose stamp equals the record's is trusted without hashing, so the record must only
 * ever hold a stamp for bytes we know: the files as a check found them (hashed, or matching
 * the last record), moved on only by our own writes. A stamp that changed for another reason
 * (the file edited, truncated or deleted while we seeded; deleted and made again while we
 * downloaded) keeps its last trusted value, which no longer matches the file: the next start
 * hashes it instead of trusting pieces that are not there.
 *
 * The one gap, as in libtorrent: a change made by someone else between two of our writes to
 * the same file, before the next record, is taken for ours.
 */

export type FileStamp = { size: number; mtimeMs: number } | null;

/**
 * A stamp no file on disk has, and not the record's "missing" one (mtime -1): a record showing
 * it has the next start hash whatever is there.
 */
export const UNKNOWN_STAMP: { readonly size: number; readonly mtimeMs: number } = { size: -1, mtimeMs: -2 };

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a === null || b === null ? a === b : a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** A file's flag in StampTrust.changes: we wrote to it since its trusted stamp was taken. */
const WRITTEN = 1;
/** A file's flag in StampTrust.changes: found replaced (renamed over, deleted) since its trusted stamp was taken. */
const REPLACED = 2;

export class StampTrust {
  /** Per file, the stamp a record may show; null before the first check. */
  private trusted: FileStamp[] | null = null;
  /** Per file, WRITTEN and REPLACED (one array for both: a small typed array costs ~200 bytes of heap, a torrent has one). */
  private readonly changes: Uint8Array;

  constructor(fileCount: number) {
    this.changes = new Uint8Array(fileCount);
  }

  /** The files as a check just found them: from here on, what the record may show. */
  checked(stamps: readonly FileStamp[]): void {
    this.trusted = [...stamps];
    this.changes.fill(0);
  }

  /** Nothing on disk is known (a check stopped half-way): a record vouches for no file. */
  unknown(): void {
    this.checked(Array.from(this.changes, () => UNKNOWN_STAMP));
  }

  /** A write to the file is starting or just ended (both: one ending after a record moves the stamp again). */
  wrote(fileIndex: number): void {
    if (fileIndex < this.changes.length) this.changes[fileIndex]! |= WRITTEN;
  }

  /** The file was found replaced: what was verified in it is gone until it is checked again. */
  lost(fileIndex: number): void {
    if (fileIndex < this.changes.length) this.changes[fileIndex]! |= REPLACED;
  }

  /**
   * The stamps a record taken now may show, given the files' stamps now: a changed stamp is
   * taken up only when our writes changed it (and the file is still the one we wrote to).
   */
  vouch(now: readonly FileStamp[]): FileStamp[] {
    // Only before any check (nothing verified can be in the record yet): the files as they are.
    if (this.trusted === null) return [...now];
    const trusted = this.trusted;
    for (let i = 0; i < trusted.length; i++) {
      if (sameStamp(now[i] ?? null, trusted[i] ?? null)) {
        this.changes[i]! &= ~WRITTEN;
      } else if (this.changes[i] === WRITTEN) {
        trusted[i] = now[i] ?? null;
        this.changes[i] = 0;
      }
    }
    return [...trusted];
  }
}
