import fs from 'node:fs';
import path from 'node:path';
import { FileHandles } from './file-handles.js';
import { FileMap, type Segment, type StorageFile } from './file-map.js';
import type { DiskWorkers, HashResult, WorkerWrite } from './disk-workers.js';

/** Resolves a torrent-relative path inside the save directory, throwing if it would escape. */
export type PathResolver = (saveDir: string, relativePath: string) => string;

/**
 * Maps pieces onto the files of one torrent and does the disk I/O: positional writes of
 * verified pieces, reads for upload and re-checks. Every path is resolved through the
 * resolver, which asserts it stays inside the save directory.
 */
export class Storage {
  readonly map: FileMap;
  private readonly handles = new FileHandles();
  private readonly absolutePaths: string[];
  private readonly skipped = new Set<number>();

  constructor(
    readonly saveDir: string,
    readonly files: readonly StorageFile[],
    pieceLength: number,
    totalLength: number,
    resolve: PathResolver,
  ) {
    this.map = new FileMap(files, pieceLength, totalLength);
    this.absolutePaths = files.map((f) => resolve(saveDir, f.path));
  }

  filePath(fileIndex: number): string {
    return this.absolutePaths[fileIndex]!;
  }

  /** A skipped file is not created; pieces it shares with wanted files still write their wanted part. */
  setSkipped(fileIndex: number, skipped: boolean): void {
    if (skipped) this.skipped.add(fileIndex);
    else this.skipped.delete(fileIndex);
  }

  /**
   * Whether writing a piece stores this file's bytes: never for pad files, always for wanted
   * files, and for a skipped file only if it exists already (skipped while downloading): it is
   * never created, but one that exists gets correct bytes, so what we announce we can serve.
   */
  storesFile(fileIndex: number): boolean {
    const file = this.files[fileIndex]!;
    if (file.pad) return false;
    return !this.skipped.has(fileIndex) || fs.existsSync(this.absolutePaths[fileIndex]!);
  }

  /** Creates the save folder and the empty files (they have no piece that would create them). */
  async prepare(): Promise<void> {
    await this.handles.ensureDir(this.saveDir);
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files[i]!;
      if (file.pad || file.length > 0 || this.skipped.has(i)) continue;
      const target = this.absolutePaths[i]!;
      await this.handles.ensureDir(path.dirname(target));
      const fd = await fs.promises.open(target, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
      await fd.close();
    }
  }

  /** Writes a whole verified piece. */
  async writePiece(index: number, data: Buffer): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const seg of this.map.pieceSegments(index, 0, data.length)) {
      if (!this.storesFile(seg.fileIndex)) continue;
      writes.push(this.writeSegment(seg, data));
    }
    await Promise.all(writes);
  }

  /**
   * Hands a completed piece to a disk worker: it is hashed against `expected` and, when it
   * matches, written there. The buffer comes back in the result (it was transferred).
   */
  async hashAndWrite(index: number, data: Buffer, expected: Uint8Array, workers: DiskWorkers): Promise<HashResult> {
    const leases: Array<{ release: () => void }> = [];
    try {
      const writes: WorkerWrite[] = [];
      for (const seg of this.map.pieceSegments(index, 0, data.length)) {
        const file = this.files[seg.fileIndex]!;
        if (!this.storesFile(seg.fileIndex)) continue;
        const lease = await this.handles.acquire(this.absolutePaths[seg.fileIndex]!, file.length, true);
        leases.push(lease);
        writes.push({ fd: lease.fd, bufferOffset: seg.bufferOffset, length: seg.length, position: seg.fileOffset });
      }
      return await workers.run(data, expected, writes);
    } finally {
      for (const lease of leases) lease.release();
    }
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
    await Promise.all(
      segments.map(async (seg) => {
        const file = this.files[seg.fileIndex]!;
        if (file.pad) {
          out.fill(0, seg.bufferOffset, seg.bufferOffset + seg.length);
          return;
        }
        await this.handles.use(this.absolutePaths[seg.fileIndex]!, file.length, false, (fd) =>
          readFully(fd, out, seg.bufferOffset, seg.length, seg.fileOffset),
        );
      }),
    );
    return out;
  }

  /** Size and modification time of each file on disk (null where missing or a pad file). */
  async fileStamps(): Promise<Array<{ size: number; mtimeMs: number } | null>> {
    return Promise.all(
      this.absolutePaths.map(async (p, i) => {
        if (this.files[i]!.pad) return null;
        try {
          const stat = await fs.promises.stat(p);
          return { size: stat.size, mtimeMs: Math.round(stat.mtimeMs) };
        } catch {
          return null;
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.handles.closeAll();
  }

  /** Deletes the torrent's files (and folders it leaves empty). */
  async deleteFiles(): Promise<void> {
    await this.handles.closeAll();
    const dirs = new Set<string>();
    for (let i = 0; i < this.files.length; i++) {
      if (this.files[i]!.pad) continue;
      await fs.promises.rm(this.absolutePaths[i]!, { force: true });
      let dir = path.dirname(this.absolutePaths[i]!);
      while (dir.startsWith(path.join(path.resolve(this.saveDir), path.sep))) {
        dirs.add(dir);
        dir = path.dirname(dir);
      }
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await fs.promises.rmdir(dir).catch(() => undefined);
    }
  }

  private async writeSegment(seg: Segment, data: Buffer): Promise<void> {
    const file = this.files[seg.fileIndex]!;
    await this.handles.use(this.absolutePaths[seg.fileIndex]!, file.length, true, async (fd) => {
      let done = 0;
      while (done < seg.length) {
        done += await new Promise<number>((resolve, reject) =>
          fs.write(fd, data, seg.bufferOffset + done, seg.length - done, seg.fileOffset + done, (err, written) =>
            err ? reject(err) : resolve(written),
          ),
        );
      }
    });
  }
}

async function readFully(fd: number, into: Buffer, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const got = await new Promise<number>((resolve, reject) =>
      fs.read(fd, into, offset + done, length - done, position + done, (err, n) => (err ? reject(err) : resolve(n))),
    );
    if (got === 0) throw new Error('file is shorter than the torrent says');
    done += got;
  }
}
