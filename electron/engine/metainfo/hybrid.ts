/**
 * A hybrid torrent describes its files twice (v1 'files'/'length' and v2 'file tree');
 * libtorrent's files_compatible insists both describe the same layout. Only files that
 * carry data (or are symlinks) must match — in index, path, size, offset and link target.
 */
import type { FileEntry } from './file-list.js';

function relevant(f: FileEntry): boolean {
  return !f.pad && (f.length > 0 || f.symlinkTarget !== null);
}

export function filesCompatible(v2: readonly FileEntry[], v1: readonly FileEntry[]): boolean {
  if (v2.length !== v1.length) return false;
  const total = (list: readonly FileEntry[]): number => list.reduce((n, f) => n + f.length, 0);
  if (total(v2) !== total(v1)) return false;
  for (let i = 0; i < v2.length; i++) {
    const a = v2[i] as FileEntry;
    const b = v1[i] as FileEntry;
    if (relevant(a) !== relevant(b)) return false;
    if (!relevant(a)) continue;
    if (a.pad !== b.pad || a.length !== b.length || a.offset !== b.offset) return false;
    if (a.pathElements.join('/') !== b.pathElements.join('/')) return false;
    // Both resolved (relative to the torrent root) by now.
    if (a.symlinkTarget !== b.symlinkTarget) return false;
  }
  return true;
}
