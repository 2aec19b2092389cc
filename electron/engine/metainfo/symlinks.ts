/**
 * BEP 47 symlink targets may only point at files or directories of the same torrent.
 * Like libtorrent's file_storage::sanitize_symlinks: a target is accepted when it names a
 * file or directory of the torrent (relative to the torrent root, or for compatibility to
 * the link's own directory), possibly through other symlinks (each followed at most once);
 * anything else is rewritten to point at the link itself.
 */
import type { FileEntry } from './file-list.js';
import type { Steps } from '../util/yield.js';

/** Links resolved through other links between two yields of {@link resolveSymlinks}. */
const LINKS_PER_STEP = 1024;

/**
 * Most links followed to resolve one target, as a kernel's ELOOP limit (Linux: 40). libtorrent
 * has none, and a chain of links each pointing through the next (l0 -> l1/x, l1 -> l2/x, …)
 * costs it, and cost us, time cubic in their number: 2,000 such links in a 126 KB torrent took
 * 47 s of one event-loop turn. A longer chain is treated as broken: the link points at itself.
 */
export const MAX_SYMLINK_HOPS = 40;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Yields while resolving many links through other links (see util/yield.ts). */
export function* resolveSymlinks(files: FileEntry[], hasRootDir: boolean): Steps<void> {
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
  for (let n = 0; n < pending.length; n++) {
    if ((n + 1) % LINKS_PER_STEP === 0) yield;
    const f = pending[n] as FileEntry;
    const original = f.symlinkResolved as string;
    let target = original;
    const traversed = new Set<string>();
    let ok = true;
    // Each folder prefix of the target ("a", "a/b", …) in place, by the position of its '/':
    // splitting and joining the parts at every prefix made each hop cost the square of its length.
    for (let slash = target.indexOf('/'); slash >= 0; slash = target.indexOf('/', slash + 1)) {
      const branch = target.slice(0, slash);
      if (dirSet.has(branch)) continue;
      const via = dirLinks.get(branch);
      if (via === undefined || traversed.has(branch) || traversed.size >= MAX_SYMLINK_HOPS) {
        ok = false;
        break;
      }
      traversed.add(branch);
      target = via + target.slice(slash);
      // Start over: the new target may itself begin with a link.
      slash = -1;
    }
    if (ok && !fileMap.has(target) && !dirSet.has(target)) ok = false;
    f.symlinkResolved = ok ? original : internal(f);
  }
}
