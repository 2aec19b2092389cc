/**
 * Opening the torrent's files without ever going through a symbolic link below the save
 * folder. Someone who can plant `file -> /outside/victim` or `dir -> /outside/dir` in the
 * download folder must not get us to overwrite, create or delete anything outside it.
 *
 * - folders on the way are checked (and made) one component at a time with lstat, never by
 *   looking at the path text;
 * - the file itself is opened with O_NOFOLLOW (lstat first where the platform has no such flag);
 * - after opening, the path of what was really opened (/proc/self/fd on Linux, realpath
 *   elsewhere) must be the expected one: a folder swapped for a link between the check and
 *   the open is caught too.
 *
 * The save folder itself may be a link (the user chose it); only what lies below it is checked.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A symbolic link where the torrent's data would go: refused, never written or deleted through. */
export class SymlinkError extends Error {
  readonly code = 'ESYMLINK';

  constructor(
    /** The link found. */
    readonly linkPath: string,
    /** The torrent file it is on the way to. */
    readonly filePath: string,
  ) {
    super(
      linkPath === filePath
        ? `refusing to use ${filePath}: it is a symbolic link`
        : `refusing to use ${filePath}: the folder ${linkPath} is a symbolic link`,
    );
    this.name = 'SymlinkError';
  }
}

/** 'read': existing file, read-only. 'update': existing file, read-write. 'write': read-write, created with its folders. */
export type OpenMode = 'read' | 'update' | 'write';

/** What an open file is on disk: compared later to notice the path now names another file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface OpenedFile extends FileIdentity {
  fd: number;
}

const O_NOFOLLOW: number = fs.constants.O_NOFOLLOW ?? 0;
const FLAGS: Record<OpenMode, number> = {
  read: fs.constants.O_RDONLY,
  update: fs.constants.O_RDWR,
  write: fs.constants.O_RDWR | fs.constants.O_CREAT,
};

/** The folders between `root` and `file`, outermost first (neither included). Throws if `file` is not below `root`. */
function foldersBetween(root: string, file: string): string[] {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new Error(`${file} is not inside ${root}`);
  const parts = rel.split(path.sep).slice(0, -1);
  const out: string[] = [];
  let at = path.resolve(root);
  for (const part of parts) {
    at = path.join(at, part);
    out.push(at);
  }
  return out;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function lstatOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(p);
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Checks the folders between `root` and `file` one at a time: a symbolic link (or something
 * that is not a folder) is refused. A missing folder is made when `create`, else the walk
 * stops and answers 'missing'. Folders in `checked` are taken as checked (a caller walking
 * many files at once), and those checked now are added; likewise folders in `missing` (when
 * not creating) are taken as missing, and those found missing now are added.
 */
export async function checkFolders(
  root: string,
  file: string,
  create: boolean,
  checked?: Set<string>,
  missing?: Set<string>,
): Promise<'ok' | 'missing'> {
  // Walking many files: when the file's own folder is known, so are those above it.
  const slash = file.lastIndexOf(path.sep);
  const parent = file.slice(0, slash);
  const name = file.slice(slash + 1);
  if (slash > 0 && name !== '' && name !== '.' && name !== '..') {
    if (checked?.has(parent)) return 'ok';
    if (!create && missing?.has(parent)) return 'missing';
  }
  for (const folder of foldersBetween(root, file)) {
    if (checked?.has(folder)) continue;
    if (!create && missing?.has(folder)) return 'missing';
    let stat = await lstatOrNull(folder);
    if (!stat) {
      if (!create) {
        missing?.add(folder);
        missing?.add(parent);
        return 'missing';
      }
      try {
        await fs.promises.mkdir(folder);
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
      }
      stat = await fs.promises.lstat(folder);
    }
    if (stat.isSymbolicLink()) throw new SymlinkError(folder, file);
    if (!stat.isDirectory()) throw new Error(`cannot use ${file}: ${folder} is not a folder`);
    checked?.add(folder);
  }
  return 'ok';
}

/**
 * Whether `file` (below `root`) can be used: not a symbolic link, nor behind one. Missing is
 * fine. Throws SymlinkError when it cannot.
 */
export async function assertNoSymlink(root: string, file: string, checked?: Set<string>): Promise<void> {
  if ((await checkFolders(root, file, false, checked)) === 'missing') return;
  if ((await lstatOrNull(file))?.isSymbolicLink()) throw new SymlinkError(file, file);
}

/** Opens `file` (below `root`) without following a symbolic link anywhere below `root`. */
export async function openInside(root: string, file: string, mode: OpenMode): Promise<OpenedFile> {
  if ((await checkFolders(root, file, mode === 'write')) === 'missing') {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT', path: file });
  }
  // Windows has no O_NOFOLLOW: look first (the check after opening still applies).
  if (O_NOFOLLOW === 0 && (await lstatOrNull(file))?.isSymbolicLink()) throw new SymlinkError(file, file);
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => fs.open(file, FLAGS[mode] | O_NOFOLLOW, 0o644, (err, handle) => (err ? reject(err) : resolve(handle))));
  } catch (err) {
    // O_NOFOLLOW on a link: ELOOP (Linux, macOS), EMLINK (FreeBSD).
    if (errno(err) === 'ELOOP' || errno(err) === 'EMLINK') throw new SymlinkError(file, file);
    throw err;
  }
  try {
    const stat = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, s) => (err ? reject(err) : resolve(s))));
    if (!stat.isFile()) throw new Error(`cannot use ${file}: it is not a regular file`);
    await assertOpenedWhereExpected(root, file, fd);
    return { fd, dev: stat.dev, ino: stat.ino };
  } catch (err) {
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    throw err;
  }
}

/** The file really opened is `file` below the real save folder: no folder on the way was swapped for a link. */
async function assertOpenedWhereExpected(root: string, file: string, fd: number): Promise<void> {
  const expected = path.join(await fs.promises.realpath(root), path.relative(path.resolve(root), path.resolve(file)));
  let actual: string;
  try {
    actual = await fs.promises.readlink(`/proc/self/fd/${fd}`);
  } catch {
    actual = await fs.promises.realpath(file);
  }
  if (samePath(actual, expected)) return;
  // Name the first folder that is now a link, if one is.
  for (const folder of foldersBetween(root, file)) {
    if ((await lstatOrNull(folder))?.isSymbolicLink()) throw new SymlinkError(folder, file);
  }
  throw new Error(`cannot use ${file}: it resolves to ${actual}, outside the save folder`);
}

function samePath(a: string, b: string): boolean {
  // Case-insensitive file systems hand back the case on disk.
  return process.platform === 'darwin' || process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** What `file` is on disk now (without following a link), or null when nothing is there. */
export async function identityAt(file: string): Promise<FileIdentity | null> {
  const stat = await lstatOrNull(file);
  return stat ? { dev: stat.dev, ino: stat.ino } : null;
}

/** `identityAt`, synchronously (for a decision that must not wait on the event loop). */
export function identityAtSync(file: string): FileIdentity | null {
  try {
    const stat = fs.lstatSync(file);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

export function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;
}
