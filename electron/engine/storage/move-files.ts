/**
 * Moves a torrent's files from one save folder to another (qBittorrent's "Set location"):
 * a rename where the folders share a file system; across devices (EXDEV) a copy that keeps
 * the modification time, and the originals removed only after every file arrived. Any failure
 * undoes what was done, so the data stays where it was. A file already at the destination is
 * a failure too (nothing is overwritten).
 *
 * Never through a symbolic link below either save folder (as storage itself, via safe-open):
 * someone who plants `T -> /elsewhere` in the old or new folder must not get us to move their
 * victim's files away, or ours out of the folder the user chose.
 */
import nodeFs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { checkFolders, type FileIdentity, identityAt, sameIdentity } from './safe-open.js';

/** The file system calls used (tests inject failures). Folders are checked and made by safe-open. */
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

/** The folders below which no symbolic link is followed: where the files are, where they go. */
interface Roots {
  src: string;
  dst: string;
}

interface Planned {
  src: string;
  dst: string;
  size: number;
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
  const pairs = options.paths.map((rel) => ({ src: insideFolder(from, rel), dst: insideFolder(to, rel) }));
  await relocate({ pairs, roots: { src: from, dst: to }, ...(options.fs ? { fs: options.fs } : {}), ...(options.progress ? { progress: options.progress } : {}) });
}

/**
 * Renames files inside one save folder (qBittorrent's "Rename" of a file or folder): the
 * same all-or-nothing steps as a move. `pairs` are relative paths, old → new.
 */
export async function renameFiles(options: { root: string; pairs: ReadonlyArray<{ from: string; to: string }>; fs?: MoveFs }): Promise<void> {
  const root = path.resolve(options.root);
  const pairs = options.pairs.map((p) => ({ src: insideFolder(root, p.from), dst: insideFolder(root, p.to) }));
  await relocate({ pairs, roots: { src: root, dst: root }, ...(options.fs ? { fs: options.fs } : {}) });
}

/** `rel` below `root`; refused when the text alone leads elsewhere ('..', an absolute path) or to `root` itself. */
function insideFolder(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (back === '' || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    throw new MoveError(`refusing to move ${rel}: it is not inside ${root}`);
  }
  return full;
}

async function relocate(options: {
  pairs: ReadonlyArray<{ src: string; dst: string }>;
  /** Folders below roots.src that the files leave empty are removed. */
  roots: Roots;
  fs?: MoveFs;
  progress?: (done: number, total: number) => void;
}): Promise<void> {
  const fs = options.fs ?? realMoveFs;
  const { roots } = options;
  const plan: Planned[] = [];
  for (const { src, dst } of options.pairs) {
    const stat = await statSource(fs, roots.src, src);
    if (stat) plan.push({ src, dst, size: stat.size });
  }
  const total = plan.reduce((n, p) => n + p.size, 0);
  let moved = 0;
  const done: Done[] = [];
  try {
    // The folder the user chose may itself be (or lie behind) a link; only what is below it is checked.
    if (plan.length > 0) await fs.mkdir(roots.dst, { recursive: true });
    for (const p of plan) {
      await moveOne(fs, roots, p, done);
      moved += p.size;
      options.progress?.(moved, total);
    }
  } catch (err) {
    await undo(fs, done);
    throw err instanceof MoveError ? err : new MoveError(err instanceof Error ? err.message : String(err));
  }
  // Everything arrived: now the originals of copies can go, then folders left empty.
  for (const d of done) if (d.copied) await unlinkInside(fs, roots.src, d.from);
  await removeEmptyFolders(fs, roots.src, plan.map((p) => p.src));
}

/**
 * The source file's size, or null when it is not there (never downloaded). A symbolic link,
 * as the file or as a folder on the way below `root`, is refused: what it leads to is not ours.
 */
async function statSource(fs: MoveFs, root: string, src: string): Promise<{ size: number } | null> {
  if ((await checkFolders(root, src, false)) === 'missing') return null;
  const stat = await fs.lstat(src).catch((err: unknown) => {
    if (code(err) === 'ENOENT') return null;
    throw err;
  });
  if (!stat) return null;
  if (!stat.isFile()) throw new MoveError(`${src} is not a regular file`);
  return stat;
}

/** Moves one file below the checked folders, recording it in `done` for the undo. */
async function moveOne(fs: MoveFs, roots: Roots, p: Planned, done: Done[]): Promise<void> {
  // Checked again right before the move: a folder swapped for a link since planning is caught.
  await checkFolders(roots.src, p.src, false);
  // Missing folders are made one at a time, each checked: never `mkdir -p` through a link.
  await checkFolders(roots.dst, p.dst, true);
  const exists = await fs.lstat(p.dst).then(
    () => true,
    (err: unknown) => (code(err) === 'ENOENT' ? false : Promise.reject(err)),
  );
  if (exists) throw new MoveError(`${p.dst} already exists`);
  const identity = await identityAt(p.src);
  const copied = await renameOrCopy(fs, p, done);
  await assertArrived(roots.dst, p.dst, copied ? null : identity);
}

/** Renames `p.src` to `p.dst`, or copies it across devices (EXDEV); records it in `done`. Answers whether it copied. */
async function renameOrCopy(fs: MoveFs, p: Planned, done: Done[]): Promise<boolean> {
  try {
    await fs.rename(p.src, p.dst);
    done.push({ from: p.src, to: p.dst, copied: false });
    return false;
  } catch (err) {
    if (code(err) !== 'EXDEV') throw err;
  }
  // Record first: a copy that fails half-way is removed on the way back.
  done.push({ from: p.src, to: p.dst, copied: true });
  await fs.copyFile(p.src, p.dst, constants.COPYFILE_EXCL);
  const stat = await fs.lstat(p.src);
  // The resume record recognises files by size and mtime: keep it, or the move costs a re-check.
  await fs.utimes(p.dst, stat.atime, stat.mtime);
  return true;
}

/**
 * The file is now at `dst` with no link on the way below `root`. A folder swapped for a link
 * during the move would have sent it elsewhere; the check throws, and the undo renames it
 * back through the same path. `renamed` (the file's identity before a rename) also catches
 * a link swapped in and out again: then nothing, or another file, is at `dst`.
 */
async function assertArrived(root: string, dst: string, renamed: FileIdentity | null): Promise<void> {
  await checkFolders(root, dst, false);
  if (renamed !== null && !sameIdentity(await identityAt(dst), renamed)) {
    throw new MoveError(`${dst}: the moved file is not there (a folder on the way changed during the move)`);
  }
}

/** Removes an original once its copy arrived, unless a folder on the way below `root` is now a link. */
async function unlinkInside(fs: MoveFs, root: string, file: string): Promise<void> {
  try {
    await checkFolders(root, file, false);
    await fs.unlink(file);
  } catch {
    // Left behind: a duplicate costs space, deleting through a link could cost someone's file.
  }
}

async function undo(fs: MoveFs, done: Done[]): Promise<void> {
  for (const d of done.reverse()) {
    if (d.copied) await fs.unlink(d.to).catch(() => undefined);
    else await fs.rename(d.to, d.from).catch(() => undefined);
  }
}

/** Removes the folders (below `root`) that held the files, deepest first, where now empty and not behind a link. */
async function removeEmptyFolders(fs: MoveFs, root: string, files: string[]): Promise<void> {
  const folders = new Set<string>();
  for (const f of files) {
    for (let dir = path.dirname(f); dir.startsWith(root + path.sep); dir = path.dirname(dir)) folders.add(dir);
  }
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    // rmdir does not follow a link that is the folder itself, but it would one above it.
    await checkFolders(root, dir, false)
      .then(() => fs.rmdir(dir))
      .catch(() => undefined);
  }
}
