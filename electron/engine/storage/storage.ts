import fs from 'node:fs';
import path from 'node:path';
import { FileHandles } from './file-handles.js';
import { FileMap, type Segment, type StorageFile } from './file-map.js';
import type { BatchPiece, BatchResult, DiskWorkers, HashResult, WorkerWrite } from './disk-workers.js';
import type { MerkleCheck } from './merkle-check.js';
import { PartFile } from './part-file.js';
import { FolderListings } from './folder-listings.js';
import { checkFolders, openInside, SymlinkError } from './safe-open.js';
import { StampTrust, type FileStamp } from './stamp-trust.js';
import { Chunker, forEachBounded } from '../util/yield.js';
import { LazyMap, LazySet } from '../util/lazy-collections.js';
import { RESOLVED } from '../util/resolved.js';

/** Resolves a torrent-relative path inside the save directory, throwing if it would escape. */
export type PathResolver = (saveDir: string, relativePath: string) => string;

/** File system calls in flight at once while walking every file (checks, stamps, deletion). */
const WALK_CONCURRENCY = 16;
/** Bytes copied at a time from the part file into a file wanted again. */
const PART_COPY_CHUNK = 1024 * 1024;

/** What the part-file queue settles with (see serial). */
function nothing(): void {}

/**
 * Maps pieces onto the files of one torrent and does the disk I/O: positional writes of
 * verified pieces, reads for upload and re-checks. Every path is resolved through the
 * resolver, which asserts it stays inside the save directory.
 *
 * A skipped file is never created. The bytes a verified piece has in such a file go to the
 * part file (see PartFile), so pieces shared with wanted files can be served and re-checked;
 * when the file is wanted again they move into it. Everything touching the part file runs
 * one operation at a time (`serial`), and decides file or part file when it runs.
 *
 * Nothing is ever written, created or deleted through a symbolic link below the save folder
 * (safe-open.ts): one found is a SymlinkError naming the file. And a file replaced on disk
 * while we write to it (another file renamed over it, or deleted) is noticed: see
 * `replacedFiles()`.
 *
 * Torrents may have 100,000 files: walks over all of them run in chunks with turns of the event
 * loop between, a bounded number of system calls at a time, and learn which files are missing
 * from folder listings (FolderListings) instead of a failing call per file.
 */
export class Storage {
  readonly map: FileMap;
  private readonly handles: FileHandles;
  /** Paths found naming another file than the one written to, not yet reported. */
  private readonly replacedPaths = new LazySet<string>();
  /** Which stamps a resume record may show (see resumeStamps). */
  private readonly trust: StampTrust;
  /** Each file's lstat as prepare() found it, for the fileStamps() that follows (taken once). */
  private statsAtPrepare = new LazyMap<number, fs.Stats>();
  private readonly absolutePaths: string[];
  private readonly skipped = new LazySet<number>();
  /** Files whose bytes go to and come from the part file: skipped while not on disk, until moved out. */
  private readonly viaPartFile = new LazySet<number>();
  private readonly parts: PartFile;
  private queue: Promise<unknown> = RESOLVED;

  constructor(
    readonly saveDir: string,
    readonly files: readonly StorageFile[],
    pieceLength: number,
    totalLength: number,
    resolve: PathResolver,
    /** The part file's name in the save directory (`.<info-hash>.parts`). */
    partFileName: string,
  ) {
    this.map = new FileMap(files, pieceLength, totalLength);
    this.absolutePaths = files.map((f) => resolve(saveDir, f.path));
    this.trust = new StampTrust(files.length);
    this.handles = new FileHandles(saveDir, (filePath) => this.foundReplaced(filePath));
    this.parts = new PartFile(resolve(saveDir, partFileName), pieceLength, this.map.pieceCount, saveDir);
  }

  get partFilePath(): string {
    return this.parts.filePath;
  }

  filePath(fileIndex: number): string {
    return this.absolutePaths[fileIndex]!;
  }

  /**
   * A skipped file is not created: if it is not on disk, the bytes pieces have in it go to the
   * part file (one that exists, skipped while downloading, keeps getting its bytes). Wanted
   * again, its bytes move from the part file into it: the promise returned then resolves with
   * the pieces whose copy could not be read back (no longer ours), and rejects if the file
   * cannot be written. `close()` waits for it.
   */
  setSkipped(fileIndex: number, skipped: boolean): Promise<number[]> | null {
    if (skipped === this.skipped.has(fileIndex)) return null;
    if (skipped) {
      this.skipped.add(fileIndex);
      if (!this.files[fileIndex]!.pad && !fs.existsSync(this.filePath(fileIndex))) this.viaPartFile.add(fileIndex);
      return null;
    }
    this.skipped.delete(fileIndex);
    const file = this.files[fileIndex]!;
    if (file.length === 0 && !file.pad) {
      // No piece will ever make an empty file: made now, as prepare() makes the wanted ones (and
      // as libtorrent does on un-skipping). Before, one skipped when added never appeared.
      this.viaPartFile.delete(fileIndex);
      return this.serial(async () => {
        if (!this.skipped.has(fileIndex)) await this.createEmptyFile(fileIndex);
        return [];
      });
    }
    return this.viaPartFile.has(fileIndex) ? this.serial(() => this.moveOutOfPartFile(fileIndex)) : null;
  }

  /**
   * Whether every byte of the piece is stored somewhere we read it from: false when some of
   * it belongs in the part file but the part file does not hold the piece.
   */
  holdsPiece(index: number): boolean {
    return this.map.pieceSegments(index).every((seg) => !this.viaPartFile.has(seg.fileIndex) || this.parts.has(index));
  }

  /** Whether the file's bytes live in the part file (skipped, not on disk). */
  fileInPartFile(fileIndex: number): boolean {
    return this.viaPartFile.has(fileIndex);
  }

  /** Whether some of the piece's bytes live in the part file. */
  usesPartFile(index: number): boolean {
    return this.map.pieceSegments(index).some((seg) => this.viaPartFile.has(seg.fileIndex));
  }

  /** Pieces the part file holds (known once `prepare()` ran). */
  partFilePieces(): number[] {
    return this.parts.pieces();
  }

  /** Drops the part file's copy of a piece (one that is not ours after all). */
  async discard(index: number): Promise<void> {
    if (!this.parts.has(index)) return;
    await this.serial(() => this.parts.free(index));
  }

  /**
   * Creates the save folder and the empty files (they have no piece that would create them),
   * and reads the part file's table. Returns the pieces the part file held for files that no
   * longer use it (a move into the real file may have been cut short): their copies are
   * dropped, and the caller should hash them from the files.
   */
  async prepare(): Promise<number[]> {
    await this.handles.ensureRoot();
    // A symbolic link where data goes is an error on the torrent now, before anything is read or written.
    const checked = new Set<string>();
    const missing = new Set<string>();
    const listings = new FolderListings();
    await forEachBounded(this.files.length, WALK_CONCURRENCY, async (i) => {
      if (this.files[i]!.pad) return;
      const file = this.filePath(i);
      if ((await checkFolders(this.saveDir, file, false, checked, missing)) === 'missing') return;
      const seen = await listings.look(file);
      if (seen.kind === 'link') throw new SymlinkError(file, file);
      if (seen.stats) this.statsAtPrepare.set(i, seen.stats);
    });
    // (The part file is checked for links by opening it: parts.load() below, without following one.)
    const chunker = new Chunker();
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files[i]!;
      if (file.pad || file.length > 0 || this.skipped.has(i)) continue;
      await this.createEmptyFile(i);
      await chunker.step();
    }
    return this.serial(async () => {
      await this.parts.load();
      const stale = this.parts.pieces().filter((index) => !this.usesPartFile(index));
      for (const index of stale) await this.parts.free(index);
      return stale;
    });
  }

  /** Creates an empty file of the torrent (with its folders) if it is not there; never through a link. */
  private async createEmptyFile(fileIndex: number): Promise<void> {
    await this.handles.ensureRoot();
    const { fd } = await openInside(this.saveDir, this.filePath(fileIndex), 'write');
    await new Promise<void>((done) => fs.close(fd, () => done()));
  }

  /** Writes a whole verified piece. */
  async writePiece(index: number, data: Buffer): Promise<void> {
    const writes: Promise<void>[] = [];
    const toPartFile: Segment[] = [];
    for (const seg of this.map.pieceSegments(index, 0, data.length)) {
      if (this.files[seg.fileIndex]!.pad) continue;
      if (this.viaPartFile.has(seg.fileIndex)) toPartFile.push(seg);
      else writes.push(this.writeSegment(seg, data));
    }
    if (toPartFile.length > 0) writes.push(this.writeToPartFile(index, data, toPartFile));
    await Promise.all(writes);
  }

  /**
   * Writes bytes of a piece that is not verified yet: a block of a piece too big to hold in
   * memory (see StagedWrites), at `begin` in the piece. Bytes in files that live in the part file
   * go to a slot there that is named only by `commitStaged` once the piece verified; which way a
   * file's bytes go is decided when they are written, as for whole pieces (`writeToPartFile`).
   */
  async writeRange(index: number, begin: number, data: Buffer): Promise<void> {
    const writes: Promise<void>[] = [];
    const toPartFile: Segment[] = [];
    for (const seg of this.map.pieceSegments(index, begin, data.length)) {
      if (this.files[seg.fileIndex]!.pad) continue;
      if (this.viaPartFile.has(seg.fileIndex)) toPartFile.push(seg);
      else writes.push(this.writeSegment(seg, data));
    }
    if (toPartFile.length > 0) {
      writes.push(
        this.serial(async () => {
          for (const seg of toPartFile) {
            if (!this.viaPartFile.has(seg.fileIndex)) await this.writeSegment(seg, data);
            else await this.parts.stage(index, begin + seg.bufferOffset, data, seg.bufferOffset, seg.length);
          }
        }),
      );
    }
    await Promise.all(writes);
  }

  /**
   * A piece written with `writeRange` verified: its part-file share (if any) is held from now on.
   * `keep` false: it failed or is fetched again; the staged share is dropped.
   */
  async settleStaged(index: number, keep: boolean): Promise<void> {
    await this.serial(async () => {
      if (keep && this.usesPartFile(index)) await this.parts.commit(index);
      else await this.parts.unstage(index);
    });
  }

  /**
   * Hands a completed piece to a disk worker: it is hashed against `expected` and, when it
   * matches, written there (the part file's share after it comes back). The buffer comes
   * back in the result (it was transferred).
   */
  async hashAndWrite(index: number, data: Buffer, expected: Uint8Array, workers: DiskWorkers): Promise<HashResult> {
    // A batch of one: the same planning, leases and part-file share as the download's batches.
    const [result] = await this.hashAndWriteBatch([{ index, data, expected }], workers);
    if (result!.error) throw result!.error;
    return result!;
  }

  /**
   * `hashAndWrite` for several pieces in one message to a disk worker (see DiskWorkers.runBatch):
   * resolves with a result per piece, in order, each with its buffer back; a piece whose write
   * failed has its `error` set. A descriptor is leased once per file for the whole batch.
   */
  async hashAndWriteBatch(pieces: readonly BatchInput[], workers: DiskWorkers): Promise<BatchResult[]> {
    // Each step is a function of its own, the loops synchronous: with the awaits inside its
    // loops, V8 compiled this method twice, at 75–155 ms each, while a download warmed up.
    const plan = this.planBatch(pieces);
    const leases = await this.leaseFiles(plan.files);
    let results: BatchResult[];
    try {
      results = await workers.runBatch(batchJobs(pieces, plan.direct, leases));
    } finally {
      for (const lease of leases.values()) lease.release();
      for (const fileIndex of plan.files) this.trust.wrote(fileIndex);
    }
    if (plan.parted.some((segments) => segments.length > 0)) await this.writePartedShares(pieces, results, plan.parted);
    return results;
  }

  /** A write descriptor for each file, by file index (all released if one cannot be had). */
  private async leaseFiles(files: Iterable<number>): Promise<Map<number, FileLease>> {
    const leases = new Map<number, FileLease>();
    try {
      for (const fileIndex of files) {
        // Opening for writing may create and size the file: that changes its stamp too.
        this.trust.wrote(fileIndex);
        leases.set(fileIndex, await this.handles.acquire(this.absolutePaths[fileIndex]!, this.files[fileIndex]!.length, true));
      }
    } catch (err) {
      for (const lease of leases.values()) lease.release();
      throw err;
    }
    return leases;
  }

  /** The part file's share of each piece that hashed right; a failed write sets that piece's `error`. */
  private async writePartedShares(pieces: readonly BatchInput[], results: BatchResult[], parted: readonly Segment[][]): Promise<void> {
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (!result.ok || result.error || parted[i]!.length === 0) continue;
      try {
        await this.writeToPartFile(pieces[i]!.index, result.buffer, parted[i]!);
      } catch (err) {
        result.error = err as NodeJS.ErrnoException;
      }
    }
  }

  /** Per piece, the segments written in place and those that go to the part file; the files written in place. */
  private planBatch(pieces: readonly BatchInput[]): BatchPlan {
    const direct: Segment[][] = [];
    const parted: Segment[][] = [];
    const files = new Set<number>();
    for (const { index, data } of pieces) {
      const inPlace: Segment[] = [];
      const toPartFile: Segment[] = [];
      for (const seg of this.map.pieceSegments(index, 0, data.length)) {
        if (this.files[seg.fileIndex]!.pad) continue;
        if (this.viaPartFile.has(seg.fileIndex)) {
          toPartFile.push(seg);
        } else {
          inPlace.push(seg);
          files.add(seg.fileIndex);
        }
      }
      direct.push(inPlace);
      parted.push(toPartFile);
    }
    return { direct, parted, files };
  }

  /**
   * Reads `length` bytes at `begin` of piece `index` (into `into` when given, which must hold
   * at least `length` bytes). Pad bytes read as zeros. Throws if a file is missing.
   */
  async read(index: number, begin: number, length: number, into?: Buffer): Promise<Buffer> {
    if (into && into.length < length) throw new RangeError(`read buffer of ${into.length} bytes is too small for ${length}`);
    // Not zero-filled up front: every byte is either read from a file or a pad byte zeroed below.
    const out = into ? into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
    const segments = this.map.pieceSegments(index, begin, length);
    const covered = segments.reduce((n, seg) => n + seg.length, 0);
    if (covered < length) out.fill(0, covered);
    const fromPartFile = segments.filter((seg) => this.viaPartFile.has(seg.fileIndex));
    await Promise.all([
      ...segments.filter((seg) => !this.viaPartFile.has(seg.fileIndex)).map((seg) => this.readSegment(seg, out)),
      ...(fromPartFile.length > 0 ? [this.serial(() => this.readFromPartFile(index, begin, fromPartFile, out))] : []),
    ]);
    return out;
  }

  /**
   * Files whose path names another file than the one we wrote to (another file renamed over
   * it, or it was deleted), found while writing or now: what was verified in them is not on
   * disk. Each is reported once. Call before declaring the torrent complete (synchronous: a
   * few lstat calls, so completion is decided in the same step).
   */
  replacedFiles(): number[] {
    this.handles.replacedNow();
    const out: number[] = [];
    if (this.replacedPaths.size === 0) return out;
    for (let i = 0; i < this.files.length; i++) if (!this.files[i]!.pad && this.replacedPaths.has(this.filePath(i))) out.push(i);
    this.replacedPaths.clear();
    return out;
  }

  /** A path now names another file than the one we wrote to (reported through FileHandles). */
  private foundReplaced(filePath: string): void {
    this.replacedPaths.add(filePath);
    const index = this.absolutePaths.indexOf(filePath);
    if (index >= 0) this.trust.lost(index);
  }

  /** The files as the start-up check (or a recheck) found them: a resume record may show these stamps. */
  trustStamps(stamps: readonly FileStamp[]): void {
    this.trust.checked(stamps);
  }

  /** A check stopped before it hashed everything: no stamp is vouched for, so the next start hashes every file. */
  trustNoStamps(): void {
    this.trust.unknown();
  }

  /**
   * The stamps for a resume record: each file's stamp now where our own writes moved it, else
   * the one last trusted (see StampTrust), so a file changed behind our back is hashed at the
   * next start instead of trusted.
   */
  async resumeStamps(): Promise<FileStamp[]> {
    this.handles.replacedNow();
    return this.trust.vouch(await this.fileStamps());
  }

  /** Size and modification time of each file on disk (null where missing or a pad file). */
  async fileStamps(): Promise<Array<{ size: number; mtimeMs: number } | null>> {
    const stamps = new Array<{ size: number; mtimeMs: number } | null>(this.files.length).fill(null);
    const listings = new FolderListings();
    // Right after prepare() (the start-up check): the files it looked at need no second lstat.
    const known = this.statsAtPrepare;
    this.statsAtPrepare = new LazyMap();
    await forEachBounded(this.files.length, WALK_CONCURRENCY, async (i) => {
      if (this.files[i]!.pad) return;
      const atPrepare = known.get(i);
      if (atPrepare) {
        stamps[i] = { size: atPrepare.size, mtimeMs: Math.round(atPrepare.mtimeMs) };
        return;
      }
      const file = this.filePath(i);
      const seen = await listings.look(file);
      if (seen.kind === 'missing') return;
      const stat = seen.stats ?? (await new Promise<fs.Stats | null>((resolve) => fs.lstat(file, (err, st) => resolve(err ? null : st))));
      stamps[i] = stat ? { size: stat.size, mtimeMs: Math.round(stat.mtimeMs) } : null;
    });
    return stamps;
  }

  /** Closes every file (after the part file's pending work); they reopen on next use. */
  async close(): Promise<void> {
    await this.serial(() => this.parts.close());
    await this.handles.closeAll();
  }

  /**
   * Deletes the torrent's files, its part file, and the folders it leaves empty. Never
   * through a symbolic link: a file that is a link, or lies behind a linked folder, is left
   * alone (as is the link). Resolves with the paths left for that reason.
   *
   * `onProgress` hears how many of the files (pad files aside) are dealt with, after each chunk.
   */
  async deleteFiles(onProgress?: (done: number, total: number) => void): Promise<string[]> {
    await this.serial(() => this.parts.remove());
    await this.handles.closeAll();
    const total = this.files.reduce((n, f) => (f.pad ? n : n + 1), 0);
    const leftAt = new Set<number>();
    const dirs = new Set<string>();
    const inside = path.join(path.resolve(this.saveDir), path.sep);
    const checked = new Set<string>();
    const missing = new Set<string>();
    const listings = new FolderListings();
    let done = 0;
    await forEachBounded(this.files.length, WALK_CONCURRENCY, async (i) => {
      if (this.files[i]!.pad) return;
      const file = this.filePath(i);
      try {
        if ((await checkFolders(this.saveDir, file, false, checked, missing)) === 'ok') {
          const kind = await listings.lookup(file);
          if (kind === 'link') throw new SymlinkError(file, file);
          if (kind === 'present') await unlinkIfThere(file);
        }
      } catch (err) {
        if (!(err instanceof SymlinkError)) throw err;
        leftAt.add(i);
        return;
      } finally {
        if (++done % 512 === 0) onProgress?.(done, total);
      }
      for (let dir = path.dirname(file); dir.startsWith(inside) && !dirs.has(dir); dir = path.dirname(dir)) dirs.add(dir);
    });
    onProgress?.(total, total);
    const left = [...leftAt].sort((a, b) => a - b).map((i) => this.filePath(i));
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      // rmdir removes only an empty folder, never a link's target; the check keeps the walk honest.
      const usable = await checkFolders(this.saveDir, path.join(dir, '_'), false).catch(() => 'missing' as const);
      if (usable === 'ok') await fs.promises.rmdir(dir).catch(() => undefined);
    }
    return left;
  }

  /** Runs part-file work one task at a time, in order; a failed task does not stop later ones. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    // Settled with nothing: the queue would otherwise hold the last task's result for as long
    // as the torrent lives.
    this.queue = run.then(nothing, nothing);
    return run;
  }

  /**
   * The part file's share of a verified piece: `segments` were bound for it when the piece was
   * written. When its turn comes, those whose file moved out meanwhile go to the file, and the
   * whole piece goes to the part file if some of it still belongs there.
   */
  private writeToPartFile(index: number, data: Buffer, segments: readonly Segment[]): Promise<void> {
    return this.serial(async () => {
      await Promise.all(segments.filter((seg) => !this.viaPartFile.has(seg.fileIndex)).map((seg) => this.writeSegment(seg, data)));
      if (this.usesPartFile(index)) await this.parts.write(index, data.subarray(0, this.map.pieceSize(index)));
    });
  }

  private async readFromPartFile(index: number, begin: number, segments: readonly Segment[], out: Buffer): Promise<void> {
    for (const seg of segments) {
      // Moved into its file while this read waited its turn: read it there.
      if (!this.viaPartFile.has(seg.fileIndex)) await this.readSegment(seg, out);
      else await this.parts.read(index, out, seg.bufferOffset, begin + seg.bufferOffset, seg.length);
    }
  }

  /**
   * A file wanted again: copies its bytes of every piece the part file holds into it, then
   * drops the copies no longer needed. Returns the pieces whose copy could not be read.
   */
  private async moveOutOfPartFile(fileIndex: number): Promise<number[]> {
    // Skipped again before its turn came: it stays in the part file.
    if (this.skipped.has(fileIndex) || !this.viaPartFile.has(fileIndex)) return [];
    await this.parts.load();
    const lost: number[] = [];
    // Copied a chunk at a time: a piece may be declared 2^30 - 1 bytes long, whatever the file holds.
    const buffer = Buffer.allocUnsafe(Math.min(this.map.pieceLength, PART_COPY_CHUNK));
    for (const index of this.parts.pieces()) {
      const segments = this.map.pieceSegments(index).filter((seg) => seg.fileIndex === fileIndex);
      copy: for (const seg of segments) {
        for (let done = 0; done < seg.length; done += buffer.length) {
          const length = Math.min(buffer.length, seg.length - done);
          try {
            await this.parts.read(index, buffer, 0, seg.bufferOffset + done, length);
          } catch {
            lost.push(index);
            break copy;
          }
          await this.writeSegment({ fileIndex, fileOffset: seg.fileOffset + done, bufferOffset: 0, length }, buffer);
        }
      }
    }
    this.viaPartFile.delete(fileIndex);
    for (const index of lost) await this.parts.free(index);
    for (const index of this.parts.pieces()) if (!this.usesPartFile(index)) await this.parts.free(index);
    return lost;
  }

  private async readSegment(seg: Segment, out: Buffer): Promise<void> {
    const file = this.files[seg.fileIndex]!;
    if (file.pad) {
      out.fill(0, seg.bufferOffset, seg.bufferOffset + seg.length);
      return;
    }
    const filePath = this.filePath(seg.fileIndex);
    await this.handles.use(filePath, file.length, false, (fd) => readFully(fd, out, seg.bufferOffset, seg.length, seg.fileOffset, filePath));
  }

  private async writeSegment(seg: Segment, data: Buffer): Promise<void> {
    const file = this.files[seg.fileIndex]!;
    // Opening for writing may create and size the file: that changes its stamp too.
    this.trust.wrote(seg.fileIndex);
    await this.handles.use(this.filePath(seg.fileIndex), file.length, true, async (fd) => {
      let done = 0;
      while (done < seg.length) {
        done += await new Promise<number>((resolve, reject) =>
          fs.write(fd, data, seg.bufferOffset + done, seg.length - done, seg.fileOffset + done, (err, written) =>
            err ? reject(err) : resolve(written),
          ),
        );
      }
      this.trust.wrote(seg.fileIndex);
    });
  }
}

/** Deletes a file (never a folder); nothing there is fine. */
function unlinkIfThere(file: string): Promise<void> {
  return new Promise((resolve, reject) => fs.unlink(file, (err) => (err && err.code !== 'ENOENT' ? reject(err) : resolve())));
}

async function readFully(fd: number, into: Buffer, offset: number, length: number, position: number, filePath: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const got = await new Promise<number>((resolve, reject) =>
      fs.read(fd, into, offset + done, length - done, position + done, (err, n) => (err ? reject(err) : resolve(n))),
    );
    if (got === 0) throw new Error(`${filePath} is shorter than the torrent says`);
    done += got;
  }
}

/** A completed piece for `hashAndWriteBatch`. */
export type BatchInput = { index: number; data: Buffer; expected: Uint8Array; merkle?: MerkleCheck | null };

/** A descriptor held for writing; `release()` exactly once. */
type FileLease = { fd: number; release: () => void };

interface BatchPlan {
  /** Per piece, its segments in files written in place. */
  direct: Segment[][];
  /** Per piece, its segments in files whose bytes go to the part file. */
  parted: Segment[][];
  /** The files written in place, in the order first met. */
  files: Set<number>;
}

/** The disk-thread jobs of a batch: each piece with its writes at the leased descriptors. */
function batchJobs(pieces: readonly BatchInput[], direct: readonly Segment[][], leases: ReadonlyMap<number, { fd: number }>): BatchPiece[] {
  const jobs: BatchPiece[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const { data, expected, merkle } = pieces[i]!;
    const writes: WorkerWrite[] = [];
    for (const seg of direct[i]!) writes.push({ fd: leases.get(seg.fileIndex)!.fd, bufferOffset: seg.bufferOffset, length: seg.length, position: seg.fileOffset });
    jobs.push({ buffer: data, expected, merkle: merkle ?? null, writes });
  }
  return jobs;
}
