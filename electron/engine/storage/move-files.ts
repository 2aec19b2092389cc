/**
 * Moves a torrent's files from one save folder to another (qBittorrent's "Set location"):
 * a rename where the folders share a file system; across devices (EXDEV) a copy that keeps
 * the modification time, and the originals removed only after every file arrived. Any failure
 * undoes what was done, so the data stays where it was. A file already at the destination is
 * a failure too (nothing is overwritten).
 */
import nodeFs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';

/** The file system calls used (tests inject failures). */
export interface MoveFs {
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string, mode: number): Promise<void>;
  unlink(file: string): Promise<void>;
  mkdir(dir: string, options: { recursive: true }): Promise<unknown>;
  lstat(file: string): Promise<{ size: number; atime: Date; mtime: Date; isFile(): boolean }>;
  utimes(file: string, atime: Date, mtime: Date): Promise<void>;
  rmdir(dir: string): Promise<void>;
}

export const realMoveFs: MoveFs = nodeFs;

export class MoveError extends Error {
  override readonly name = 'MoveError';
}

interface Done {
  from: string;
  to: string;
  /** Copied across devices: the original still exists until the end. */
  copied: boolean;
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Moves `paths` (relative, '/'-separated) from `from` to `to`. Files that do not exist are
 * skipped (never downloaded). `progress` hears bytes moved so far and the total.
 */
export async function moveFiles(options: {
  from: string;
  to: string;
  paths: readonly string[];
  fs?: MoveFs;
  progress?: (done: number, total: number) => void;
}): Promise<void> {
  const from = path.resolve(options.from);
  const to = path.resolve(options.to);
  if (from === to) return;
  const pairs = options.paths.map((rel) => ({ src: path.join(from, rel), dst: path.join(to, rel) }));
  await relocate({ pairs, root: from, ...(options.fs ? { fs: options.fs } : {}), ...(options.progress ? { progress: options.progress } : {}) });
}

/**
 * Renames files inside one save folder (qBittorrent's "Rename" of a file or folder): the
 * same all-or-nothing steps as a move. `pairs` are relative paths, old → new.
 */
export async function renameFiles(options: { root: string; pairs: ReadonlyArray<{ from: string; to: string }>; fs?: MoveFs }): Promise<void> {
  const root = path.resolve(options.root);
  const pairs = options.pairs.map((p) => ({ src: path.join(root, p.from), dst: path.join(root, p.to) }));
  await relocate({ pairs, root, ...(options.fs ? { fs: options.fs } : {}) });
}

async function relocate(options: {
  pairs: ReadonlyArray<{ src: string; dst: string }>;
  /** Folders below it that the files leave empty are removed. */
  root: string;
  fs?: MoveFs;
  progress?: (done: number, total: number) => void;
}): Promise<void> {
  const fs = options.fs ?? realMoveFs;
  const from = options.root;
  const plan: Array<{ src: string; dst: string; size: number }> = [];
  for (const { src, dst } of options.pairs) {
    const stat = await fs.lstat(src).catch((err: unknown) => {
      if (code(err) === 'ENOENT') return null;
      throw err;
    });
    if (!stat) continue;
    if (!stat.isFile()) throw new MoveError(`${src} is not a regular file`);
    plan.push({ src, dst, size: stat.size });
  }
  const total = plan.reduce((n, p) => n + p.size, 0);
  let moved = 0;
  const done: Done[] = [];
  try {
    for (const p of plan) {
      const exists = await fs.lstat(p.dst).then(
        () => true,
        (err: unknown) => (code(err) === 'ENOENT' ? false : Promise.reject(err)),
      );
      if (exists) throw new MoveError(`${p.dst} already exists`);
      await fs.mkdir(path.dirname(p.dst), { recursive: true });
      try {
        await fs.rename(p.src, p.dst);
        done.push({ from: p.src, to: p.dst, copied: false });
      } catch (err) {
        if (code(err) !== 'EXDEV') throw err;
        // Record first: a copy that fails half-way is removed on the way back.
        done.push({ from: p.src, to: p.dst, copied: true });
        await fs.copyFile(p.src, p.dst, constants.COPYFILE_EXCL);
        const stat = await fs.lstat(p.src);
        // The resume record recognises files by size and mtime: keep it, or the move costs a re-check.
        await fs.utimes(p.dst, stat.atime, stat.mtime);
      }
      moved += p.size;
      options.progress?.(moved, total);
    }
  } catch (err) {
    await undo(fs, done);
    throw err instanceof MoveError ? err : new MoveError(err instanceof Error ? err.message : String(err));
  }
  // Everything arrived: now the originals of copies can go, then folders left empty.
  for (const d of done) if (d.copied) await fs.unlink(d.from).catch(() => undefined);
  await removeEmptyFolders(fs, from, plan.map((p) => p.src));
}

async function undo(fs: MoveFs, done: Done[]): Promise<void> {
  for (const d of done.reverse()) {
    if (d.copied) await fs.unlink(d.to).catch(() => undefined);
    else await fs.rename(d.to, d.from).catch(() => undefined);
  }
}

/** Removes the folders (below `root`) that held the files, deepest first, where now empty. */
async function removeEmptyFolders(fs: MoveFs, root: string, files: string[]): Promise<void> {
  const folders = new Set<string>();
  for (const f of files) {
    for (let dir = path.dirname(f); dir.startsWith(root + path.sep); dir = path.dirname(dir)) folders.add(dir);
  }
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) await fs.rmdir(dir).catch(() => undefined);
}
