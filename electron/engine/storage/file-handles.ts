import fs from 'node:fs';
import path from 'node:path';

/**
 * Cached read/write file descriptors, opened on first use (files a user skipped are
 * never created) and closed least-recently-used beyond `maxOpen`, like libtorrent's
 * file pool. Positional I/O only: one descriptor serves concurrent reads and writes.
 */
interface Handle {
  fd: Promise<number>;
  /** Operations using the descriptor right now: it is never closed under them. */
  users: number;
}

export class FileHandles {
  private readonly open = new Map<string, Handle>();
  private readonly madeDirs = new Set<string>();

  constructor(private readonly maxOpen = 128) {}

  /**
   * Runs `operation` with a descriptor for the file, opening it first if needed (creating it,
   * its folders, and sizing it to `length` when `create`). The descriptor stays open while
   * the operation runs, however many other files are opened meanwhile.
   */
  async use<T>(filePath: string, length: number, create: boolean, operation: (fd: number) => Promise<T>): Promise<T> {
    const lease = await this.acquire(filePath, length, create);
    try {
      return await operation(lease.fd);
    } finally {
      lease.release();
    }
  }

  /** Like `use`, for callers that hold several descriptors at once: call `release()` exactly once. */
  async acquire(filePath: string, length: number, create: boolean): Promise<{ fd: number; release: () => void }> {
    // Read-only and read-write descriptors are cached apart: reading never creates a file.
    const key = (create ? 'w:' : 'r:') + filePath;
    let handle = this.open.get(key);
    if (handle) {
      // Refresh its place in the LRU order.
      this.open.delete(key);
      this.open.set(key, handle);
    } else {
      handle = { fd: this.openFile(filePath, length, create), users: 0 };
      this.open.set(key, handle);
      const opened = handle;
      opened.fd.catch(() => this.open.get(key) === opened && this.open.delete(key));
    }
    const held = handle;
    held.users++;
    let fd: number;
    try {
      fd = await held.fd;
    } catch (err) {
      held.users--;
      throw err;
    }
    let released = false;
    return {
      fd,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        this.evict();
      },
    };
  }

  private async openFile(filePath: string, length: number, create: boolean): Promise<number> {
    if (create) await this.ensureDir(path.dirname(filePath));
    const flags = create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDONLY;
    const fd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, flags, 0o644, (err, handle) => (err ? reject(err) : resolve(handle))),
    );
    if (create) {
      const stat = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, s) => (err ? reject(err) : resolve(s))));
      // Sparse-extend to the final size so the file is the right size however pieces arrive.
      if (stat.size < length) await new Promise<void>((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
    }
    return fd;
  }

  async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await fs.promises.mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /** Forgets a cached descriptor (after an error, or before deleting the file). */
  async closeAll(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    await Promise.all(handles.map((h) => closeQuietly(h.fd)));
  }

  /** Closes least-recently-used idle descriptors beyond the limit; busy ones wait their turn. */
  private evict(): void {
    if (this.open.size <= this.maxOpen) return;
    for (const [key, handle] of this.open) {
      if (this.open.size <= this.maxOpen) return;
      if (handle.users > 0) continue;
      this.open.delete(key);
      void closeQuietly(handle.fd);
    }
  }
}

async function closeQuietly(handle: Promise<number>): Promise<void> {
  try {
    const fd = await handle;
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  } catch {
    // It never opened: nothing to close.
  }
}
