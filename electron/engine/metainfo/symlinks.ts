/**
 * BEP 47 symlink targets may only point at files or directories of the same torrent.
 * Like libtorrent's file_storage::sanitize_symlinks: a target is accepted when it names a
 * file or directory of the torrent (relative to the torrent root, or for compatibility to
 * the link's own directory), possibly through other symlinks (each followed at most once);
 * anything else is rewritten to point at the link itself.
 */
import type { FileEntry } from './file-list.js';

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function resolveSymlinks(files: FileEntry[], hasRootDir: boolean): void {
  const links = files.filter((f) => f.symlink && f.symlinkElements !== null);
  if (links.length === 0) return;

  const internal = (f: FileEntry): string => (hasRootDir ? f.elements.slice(1) : f.elements).join('/');
  const fileMap = new Map<string, FileEntry>();
  const dirSet = new Set<string>();
  for (const f of files) {
    const p = internal(f);
    if (!fileMap.has(p)) fileMap.set(p, f);
    for (let dir = parentOf(p); dir !== ''; dir = parentOf(dir)) dirSet.add(dir);
  }

  // Links that name another link are treated as directories when resolving later hops.
  const dirLinks = new Map<string, string>();
  const pending: FileEntry[] = [];

  const tryTarget = (own: string, f: FileEntry, target: string): boolean => {
    const hit = fileMap.get(target);
    if (hit !== undefined) {
      f.symlinkResolved = target;
      if (hit.symlink) dirLinks.set(own, target);
      return true;
    }
    if (dirSet.has(target)) {
      f.symlinkResolved = target;
      dirLinks.set(own, target);
      return true;
    }
    return false;
  };

  for (const f of links) {
    const own = internal(f);
    const target = (f.symlinkElements as string[]).join('/');
    if (tryTarget(own, f, target)) continue;
    const linkDir = parentOf(own);
    if (linkDir !== '' && tryTarget(own, f, `${linkDir}/${target}`)) continue;
    f.symlinkResolved = target;
    dirLinks.set(own, target);
    pending.push(f);
  }

  // Targets that pass through other links ("Versions/Current/Headers" with Current -> A).
  for (const f of pending) {
    const original = f.symlinkResolved as string;
    let target = original;
    const traversed = new Set<string>();
    let ok = true;
    let parts = target.split('/');
    for (let i = 1; i < parts.length; i++) {
      const branch = parts.slice(0, i).join('/');
      if (dirSet.has(branch)) continue;
      const via = dirLinks.get(branch);
      if (via === undefined || traversed.has(branch)) {
        ok = false;
        break;
      }
      traversed.add(branch);
      target = `${via}/${parts.slice(i).join('/')}`;
      parts = target.split('/');
      i = 0;
    }
    if (ok && !fileMap.has(target) && !dirSet.has(target)) ok = false;
    f.symlinkResolved = ok ? original : internal(f);
  }
}
