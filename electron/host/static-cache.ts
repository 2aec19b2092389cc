/**
 * The app's files (the built renderer), held in memory once read. A response is then one
 * Buffer handed to the socket, the same for every response: no open file and no copy per
 * response. Streamed from disk, each response held a file descriptor until the client read it;
 * an unauthenticated client that sent requests without reading the answers held up to four per
 * connection (128 connections: ~380 descriptors, and ~200 of them for another 30 s after the
 * clients had gone), descriptors the engine needs for peers and the disk.
 * A file is read again when its size or modification time changes (a rebuild while the host
 * runs); one read at a time per file. Files over `maxFileBytes`, or that would take the total
 * beyond `maxTotalBytes`, are not kept: `get` answers null and the caller streams them.
 */
import { readFile } from 'node:fs/promises';

export interface StaticCacheLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** The renderer's build is ~2.2 MiB (its largest file, the source map, 1.7 MiB). */
export const STATIC_CACHE_LIMITS: StaticCacheLimits = { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 32 * 1024 * 1024 };

interface Kept {
  size: number;
  mtimeMs: number;
  bytes: Buffer;
}

export class StaticCache {
  private readonly kept = new Map<string, Kept>();
  private readonly reading = new Map<string, Promise<Buffer>>();
  private total = 0;

  constructor(
    private readonly limits: StaticCacheLimits = STATIC_CACHE_LIMITS,
    private readonly read: (file: string) => Promise<Buffer> = (file) => readFile(file),
  ) {}

  /** Bytes held. */
  get size(): number {
    return this.total;
  }

  /**
   * The bytes of `file`, which `stat` describes; null when it is not to be kept (stream it).
   * Rejects when the file cannot be read.
   */
  async get(file: string, stat: { size: number; mtimeMs: number }): Promise<Buffer | null> {
    const kept = this.kept.get(file);
    if (kept && kept.size === stat.size && kept.mtimeMs === stat.mtimeMs) return kept.bytes;
    if (kept) {
      this.kept.delete(file);
      this.total -= kept.bytes.length;
    }
    if (stat.size > this.limits.maxFileBytes || this.total + stat.size > this.limits.maxTotalBytes) return null;
    let pending = this.reading.get(file);
    if (!pending) {
      pending = this.read(file).finally(() => this.reading.delete(file));
      this.reading.set(file, pending);
    }
    const bytes = await pending;
    // Kept only as the stat described it (it changed while read: read again next time), and
    // within the limits (the file may have grown since the stat).
    if (bytes.length === stat.size && !this.kept.has(file) && bytes.length <= this.limits.maxFileBytes && this.total + bytes.length <= this.limits.maxTotalBytes) {
      this.kept.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, bytes });
      this.total += bytes.length;
    }
    return bytes;
  }
}
