import fs from 'node:fs';
import { sharedFilePool, type FilePool } from './file-pool.js';
import { identityAt, identityAtSync, openInside, sameIdentity, type FileIdentity, type OpenedFile } from './safe-open.js';
import { LazyMap } from '../util/lazy-collections.js';

/**
 * Cached read/write file descriptors, opened on first use (files a user skipped are
 * never created) and closed least-recently-used when the process-wide FilePool is over its
 * budget (shared by every torrent), like libtorrent's file pool. Positional I/O only: one descriptor serves concurrent reads and writes.
 *
 * Files are opened below `root` only, never through a symbolic link (see safe-open.ts).
 *
 * A descriptor keeps writing to its file after someone renames another file over the path or
 * deletes it: the bytes then go nowhere anyone can read. So the file a descriptor was opened
 * on is remembered, and compared with what the path names now: at most every
 * REVALIDATE_MS while a descriptor is in use for writing, whenever the path is opened again,
 * and on `replaced()`. A file found replaced is reported through `onReplaced` (its data so
 * far is lost) and reopened.
 */
interface Handle {
  file: Promise<OpenedFile>;
  /** The file, once open. */
  opened: OpenedFile | null;
  /** Operations using the descriptor right now: it is never closed under them. */
  users: number;
  /** Last time the path was compared with the descriptor's file. */
  checkedAt: number;
  /** Dropped from the cache (replaced): closes once its last user is done. */
  retired: boolean;
}

/** How often a descriptor in use for writing is checked against its path. */
export const REVALIDATE_MS = 1000;

/**
 * Save folders this process has made (or found there): 10,000 torrents restored into one
 * folder need one mkdir, not 10,000 (which were an eighth of a restart). A folder deleted
 * since is made again when opening a file in it fails (see `openFile`).
 */
const madeRoots = new Set<string>();

export class FileHandles {
  private readonly open = new LazyMap<string, Handle>();
  /** What each path named when last opened (kept after closing: a reopen compares with it). */
  private readonly identities = new LazyMap<string, FileIdentity>();
  private rootMade = false;

  constructor(
    /** The save folder: files are opened below it only. */
    private readonly root: string,
    /** A path found naming another file than the one written to (replaced, deleted). */
    private readonly onReplaced: (filePath: string) => void = () => undefined,
    private readonly pool: FilePool = sharedFilePool,
    private readonly now: () => number = Date.now,
  ) {}

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
    const cached = this.open.get(key);
    if (cached && create && this.now() - cached.checkedAt >= REVALIDATE_MS) {
      cached.checkedAt = this.now();
      // Still the cached one after the check (a concurrent acquire may have replaced it): drop it.
      if ((await this.isReplaced(filePath, cached)) && this.open.get(key) === cached) this.retire(key, cached, filePath);
    }
    let handle = this.open.get(key);
    const isNew = !handle;
    if (!handle) {
      const opening: Handle = { file: this.openFile(filePath, length, create), opened: null, users: 0, checkedAt: this.now(), retired: false };
      handle = opening;
      this.open.set(key, opening);
      opening.file.then(
        (file) => (opening.opened = file),
        () => {
          if (this.open.get(key) === opening) this.open.delete(key);
          this.pool.remove(opening);
        },
      );
    }
    const held = handle;
    held.users++;
    // In use before it joins the pool, so making room never closes it.
    if (isNew) this.pool.add(held, () => this.dropIdle(key, held));
    else this.pool.touch(held);
    let fd: number;
    try {
      fd = (await held.file).fd;
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
        if (held.retired && held.users === 0) void closeQuietly(held.file);
        this.pool.evict();
      },
    };
  }

  /**
   * Paths whose open descriptor is no longer on the file the path names (renamed over,
   * deleted), checked now; their descriptors are dropped. `onReplaced` hears of them too.
   * Synchronous (one lstat per open file) so that completion can be decided in one step.
   */
  replacedNow(): string[] {
    const out = new Set<string>();
    for (const [key, handle] of [...this.open]) {
      if (!handle.opened) continue; // still opening: nothing written through it yet
      const filePath = key.slice(2);
      handle.checkedAt = this.now();
      if (!sameIdentity(handle.opened, identityAtSync(filePath))) {
        this.retire(key, handle, filePath);
        out.add(filePath);
      }
    }
    return [...out];
  }

  private async isReplaced(filePath: string, handle: Handle): Promise<boolean> {
    let opened: OpenedFile;
    try {
      opened = await handle.file;
    } catch {
      return false; // never opened: nothing was written through it
    }
    return !sameIdentity(opened, await identityAt(filePath).catch(() => null));
  }

  private retire(key: string, handle: Handle, filePath: string): void {
    this.open.delete(key);
    this.pool.remove(handle);
    handle.retired = true;
    if (handle.users === 0) void closeQuietly(handle.file);
    // Reported here: opening the new file must not report it again.
    this.identities.delete(filePath);
    this.onReplaced(filePath);
  }

  private async openFile(filePath: string, length: number, create: boolean): Promise<OpenedFile> {
    if (create) await this.ensureRoot();
    let opened: OpenedFile;
    try {
      opened = await openInside(this.root, filePath, create ? 'write' : 'read');
    } catch (err) {
      if (!create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // The save folder itself went away (deleted while we ran): make it again, once.
      this.forgetRoot();
      await this.ensureRoot();
      opened = await openInside(this.root, filePath, 'write');
    }
    const before = this.identities.get(filePath);
    this.identities.set(filePath, { dev: opened.dev, ino: opened.ino });
    // Another file than the one opened last time: what was written to that one is gone.
    if (before && !sameIdentity(before, opened)) this.onReplaced(filePath);
    if (create) {
      const stat = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(opened.fd, (err, s) => (err ? reject(err) : resolve(s))));
      // Sparse-extend to the final size so the file is the right size however pieces arrive. A
      // longer file (one already there under the torrent's name) is cut to it, as libtorrent
      // does: bytes past the torrent's end would otherwise stay in the finished file, which
      // then no longer matches what was shared although every piece is verified.
      if (stat.size !== length) await new Promise<void>((resolve, reject) => fs.ftruncate(opened.fd, length, (err) => (err ? reject(err) : resolve())));
    }
    return opened;
  }

  /** Creates the save folder itself (the user chose it: it may be, or lie under, a link). */
  async ensureRoot(): Promise<void> {
    if (this.rootMade) return;
    if (!madeRoots.has(this.root)) {
      await fs.promises.mkdir(this.root, { recursive: true });
      madeRoots.add(this.root);
    }
    this.rootMade = true;
  }

  private forgetRoot(): void {
    madeRoots.delete(this.root);
    this.rootMade = false;
  }

  /**
   * Forgets every cached descriptor (on stop, after an error, before deleting the files): idle
   * ones close now; one an operation is using (an upload's read still in flight) closes when
   * that operation releases it. Closing it under the operation would fail it with EBADF, or
   * worse, let it use the descriptor number once the system has given it to another file.
   */
  async closeAll(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    const closing: Array<Promise<void>> = [];
    for (const handle of handles) {
      this.pool.remove(handle);
      handle.retired = true;
      if (handle.users === 0) closing.push(closeQuietly(handle.file));
    }
    await Promise.all(closing);
  }

  /** The pool closes an idle descriptor of ours to make room (it reopens on next use). */
  private dropIdle(key: string, handle: Handle): void {
    if (this.open.get(key) === handle) this.open.delete(key);
    void closeQuietly(handle.file);
  }
}

async function closeQuietly(handle: Promise<OpenedFile>): Promise<void> {
  try {
    const { fd } = await handle;
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  } catch {
    // It never opened: nothing to close.
  }
}
