/**
 * Colliding file paths get renamed "name.1.ext", "name.2.ext"… as libtorrent's
 * resolve_duplicate_filenames does (case-insensitively, and a file may not take the path of
 * a directory). The renaming probes count every collision; past `maxCollisions` (libtorrent's
 * max_duplicate_filenames, 500) the torrent is rejected — otherwise a torrent listing the
 * same path thousands of times costs quadratic work.
 */
import { MetainfoError } from './errors.js';
import type { FileEntry } from './file-list.js';
import type { Steps } from '../util/yield.js';
import { FolderIds } from './folder-ids.js';

/** Files handled between two yields of {@link resolveDuplicateFilenames}. */
const FILES_PER_STEP = 2048;

export const MAX_DUPLICATE_FILENAMES = 500;

/** libtorrent's extension(): the last ".xxx" of the last path component, or ''. */
function extensionOf(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path[i];
    if (c === '/' || c === '\\') break;
    if (c === '.') return path.slice(i);
  }
  return '';
}

/** libtorrent's remove_extension(). */
function removeExtension(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= 0 || dot < slash) return path;
  return path.slice(0, dot);
}

/** ASCII-only case folding, like libtorrent's to_lower (strings without A-Z come back as they are). */
function key(p: string): string {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return p.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  }
  return p;
}

/** Whether the first `n` elements of `a` and `b` are the same. */
function samePrefix(a: readonly string[], b: readonly string[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Yields every few thousand files (see util/yield.ts).
 *
 * Folders are numbered as they are met (folder-ids.ts), and a name is taken within its folder
 * (`<folder id>/<name>`, case-folded), so each file costs the length of its path.
 */
export function* resolveDuplicateFilenames(files: FileEntry[], maxCollisions = MAX_DUPLICATE_FILENAMES): Steps<void> {
  const folders = new FolderIds(key);
  /** `<folder id>/<name key>` of every file kept. A file may not take a folder's name either. */
  const taken = new Set<string>();
  /** Each file's folder id (non-pad files). */
  const parentOf = new Int32Array(files.length);
  let previous: readonly string[] = [];
  let previousParent = 0;
  for (let n = 0; n < files.length; n++) {
    const f = files[n] as FileEntry;
    if (f.pad) continue;
    const e = f.pathElements;
    // Files of one folder come together: the same folder as the file before.
    parentOf[n] = previous.length === e.length && samePrefix(previous, e, e.length - 1) ? previousParent : folders.parentOf(e);
    previous = e;
    previousParent = parentOf[n] as number;
    if ((n + 1) % FILES_PER_STEP === 0) yield;
  }

  let collisions = 0;
  const free = (parent: number, name: string): boolean => !taken.has(`${parent}/${key(name)}`) && folders.child(parent, name) < 0;
  for (let n = 0; n < files.length; n++) {
    if ((n + 1) % FILES_PER_STEP === 0) yield;
    const f = files[n] as FileEntry;
    // Pad files never touch the disk: they may collide with anything.
    if (f.pad) continue;
    const parent = parentOf[n] as number;
    const last = f.pathElements[f.pathElements.length - 1] as string;
    if (free(parent, last)) {
      taken.add(`${parent}/${key(last)}`);
      continue;
    }
    // libtorrent renames the whole path ("name.1.ext"); only the last element ever changes.
    const path = f.pathElements.join('/');
    const base = removeExtension(path);
    const ext = extensionOf(path);
    let renamedLast = last;
    for (let i = 1; ; i++) {
      const renamed = `${base}.${i}${ext}`;
      renamedLast = renamed.slice(renamed.lastIndexOf('/') + 1);
      if (free(parent, renamedLast)) break;
      if (++collisions > maxCollisions) {
        throw new MetainfoError(
          'too_many_duplicate_filenames',
          `too many duplicate file names (more than ${maxCollisions} collisions)`,
        );
      }
    }
    taken.add(`${parent}/${key(renamedLast)}`);
    f.pathElements = f.pathElements.slice(0, -1).concat(renamedLast);
  }
}
