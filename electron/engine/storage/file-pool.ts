import fs from 'node:fs';

/** A cached descriptor as the pool sees it. */
export interface PooledFile {
  /** Operations using the descriptor right now: only an idle one (0) may be closed. */
  readonly users: number;
}

/**
 * One budget of open file descriptors for every torrent of the process, like libtorrent's
 * `file_pool_size`: each torrent's FileHandles registers the descriptors it caches here, and
 * when there are more than `maxOpen`, the least recently used idle ones (of whichever torrent)
 * are closed; they reopen on next use. So 10,000 torrents keep at most `maxOpen` data files
 * open between them, and a descriptor limit of 1,024 leaves room for sockets.
 *
 * Busy descriptors are never closed: while more than `maxOpen` are in use at once the pool is
 * over budget, and shrinks back as they are released.
 */
export class FilePool {
  /** Insertion order is recency: the first entries are the least recently used. */
  private readonly entries = new Map<PooledFile, () => void>();

  constructor(readonly maxOpen = defaultFilePoolSize()) {
    if (!Number.isInteger(maxOpen) || maxOpen < 1) throw new RangeError(`file pool size must be a positive integer, not ${maxOpen}`);
  }

  /** Descriptors cached right now (open or opening). */
  get size(): number {
    return this.entries.size;
  }

  /** A descriptor was opened (or is opening); `close` drops it from its owner's cache and closes it. */
  add(entry: PooledFile, close: () => void): void {
    this.entries.delete(entry);
    this.entries.set(entry, close);
    this.evict();
  }

  /** The descriptor was used: it becomes the most recently used. */
  touch(entry: PooledFile): void {
    const close = this.entries.get(entry);
    if (!close) return;
    this.entries.delete(entry);
    this.entries.set(entry, close);
  }

  /** The owner closed (or is closing) the descriptor itself. */
  remove(entry: PooledFile): void {
    this.entries.delete(entry);
  }

  /** Closes least recently used idle descriptors while over budget. */
  evict(): void {
    if (this.entries.size <= this.maxOpen) return;
    for (const [entry, close] of this.entries) {
      if (this.entries.size <= this.maxOpen) return;
      if (entry.users > 0) continue;
      this.entries.delete(entry);
      close();
    }
  }
}

/** At most this many data files open at once by default (libtorrent's default is 40). */
const DEFAULT_POOL_SIZE = 256;

/**
 * The default budget: 256, or a quarter of the process's descriptor limit when that is lower
 * (sockets, the listener, the DHT, resume writes and Node itself need the rest).
 */
export function defaultFilePoolSize(limits = readLimitsFile()): number {
  const soft = limits === null ? null : softNoFileLimit(limits);
  if (soft === null) return DEFAULT_POOL_SIZE;
  return Math.max(8, Math.min(DEFAULT_POOL_SIZE, Math.floor(soft / 4)));
}

/** The soft "Max open files" limit from /proc/self/limits text, or null. */
export function softNoFileLimit(limitsText: string): number | null {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || !/^\d+$/.test(soft)) return null;
  return Number.parseInt(soft, 10);
}

function readLimitsFile(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    return fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}

/** The pool every torrent of this process shares. */
export const sharedFilePool = new FilePool();
