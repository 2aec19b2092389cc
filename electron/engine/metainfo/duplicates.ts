/**
 * Colliding file paths get renamed "name.1.ext", "name.2.ext"… as libtorrent's
 * resolve_duplicate_filenames does (case-insensitively, and a file may not take the path of
 * a directory). The renaming probes count every collision; past `maxCollisions` (libtorrent's
 * max_duplicate_filenames, 500) the torrent is rejected — otherwise a torrent listing the
 * same path thousands of times costs quadratic work.
 */
import { MetainfoError } from './errors.js';
import type { FileEntry } from './file-list.js';

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

export function resolveDuplicateFilenames(files: FileEntry[], maxCollisions = MAX_DUPLICATE_FILENAMES): void {
  // ASCII-only case folding, like libtorrent's to_lower.
  const key = (p: string): string => p.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const taken = new Set<string>();
  for (const f of files) {
    if (f.pad) continue;
    for (let i = 1; i < f.elements.length; i++) taken.add(key(f.elements.slice(0, i).join('/')));
  }

  let collisions = 0;
  for (const f of files) {
    // Pad files never touch the disk: they may collide with anything.
    if (f.pad) continue;
    const path = f.elements.join('/');
    if (!taken.has(key(path))) {
      taken.add(key(path));
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
