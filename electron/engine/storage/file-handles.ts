import fs from 'node:fs';
import path from 'node:path';

/**
 * Cached read/write file descriptors, opened on first use (files a user skipped are
 * never created) and closed least-recently-used beyond `maxOpen`, like libtorrent's
 * file pool. Positional I/O only: one descriptor serves concurrent reads and writes.
 */
export class FileHandles {
  private readonly open = new Map<string, Promise<number>>();
  private readonly madeDirs = new Set<string>();

  constructor(private readonly maxOpen = 128) {}

  /** Opens (creating it and its folders if needed) and sizes a file to `length` when it is shorter. */
  get(filePath: string, length: number, create: boolean): Promise<number> {
    // Read-only and read-write descriptors are cached apart: reading never creates a file.
    const key = (create ? 'w:' : 'r:') + filePath;
    const cached = this.open.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.open.delete(key);
      this.open.set(key, cached);
      return cached;
    }
    const opening = this.openFile(filePath, length, create);
    this.open.set(key, opening);
    opening.catch(() => this.open.delete(key));
    this.evict();
    return opening;
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
  async release(filePath: string): Promise<void> {
    for (const key of ['r:' + filePath, 'w:' + filePath]) {
      const handle = this.open.get(key);
      if (!handle) continue;
      this.open.delete(key);
      await closeQuietly(handle);
    }
  }

  async closeAll(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    await Promise.all(handles.map(closeQuietly));
  }

  private evict(): void {
    while (this.open.size > this.maxOpen) {
      const [oldest, handle] = this.open.entries().next().value as [string, Promise<number>];
      this.open.delete(oldest);
      void closeQuietly(handle);
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
