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

/** Yields every few thousand files (see util/yield.ts). */
export function* resolveDuplicateFilenames(files: FileEntry[], maxCollisions = MAX_DUPLICATE_FILENAMES): Steps<void> {
  const taken = new Set<string>();
  // The folders of every file are taken: a file may not take a folder's path.
  let previous: readonly string[] = [];
  for (let n = 0; n < files.length; n++) {
    const f = files[n] as FileEntry;
    if (f.pad) continue;
    const e = f.elements;
    // Files of one folder come together: their folders are in already.
    if (e.length > 1 && !(previous.length === e.length && samePrefix(previous, e, e.length - 1))) {
      let folder = '';
      for (let i = 0; i < e.length - 1; i++) {
        folder = i === 0 ? (e[0] as string) : `${folder}/${e[i] as string}`;
        taken.add(key(folder));
      }
    }
    previous = e;
    if ((n + 1) % FILES_PER_STEP === 0) yield;
  }

  let collisions = 0;
  for (let n = 0; n < files.length; n++) {
    if ((n + 1) % FILES_PER_STEP === 0) yield;
    const f = files[n] as FileEntry;
    // Pad files never touch the disk: they may collide with anything.
    if (f.pad) continue;
    const path = f.elements.join('/');
    const pathKey = key(path);
    if (!taken.has(pathKey)) {
      taken.add(pathKey);
      continue;
    }
    const base = removeExtension(path);
    const ext = extensionOf(path);
    let renamed = path;
    for (let n = 1; ; n++) {
      renamed = `${base}.${n}${ext}`;
      if (!taken.has(key(renamed))) break;
      if (++collisions > maxCollisions) {
        throw new MetainfoError(
          'too_many_duplicate_filenames',
          `too many duplicate file names (more than ${maxCollisions} collisions)`,
        );
      }
    }
    taken.add(key(renamed));
    f.elements = renamed.split('/');
  }
}
