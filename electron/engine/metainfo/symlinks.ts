/**
 * BEP 47 symlink targets may only point at files or directories of the same torrent.
 * Like libtorrent's file_storage::sanitize_symlinks: a target is accepted when it names a
 * file or directory of the torrent (relative to the torrent root, or for compatibility to
 * the link's own directory), possibly through other symlinks (each followed at most once);
 * anything else is rewritten to point at the link itself.
 */
import type { FileEntry } from './file-list.js';
import type { Steps } from '../util/yield.js';
import { FolderIds } from './folder-ids.js';

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

/**
 * Replaces each link's `symlinkTarget` (the sanitized target, relative to the torrent root) with
 * what it resolves to. Yields while resolving many links through other links (see util/yield.ts).
 */
export function* resolveSymlinks(files: FileEntry[], hasRootDir: boolean): Steps<void> {
  const links = files.filter((f) => f.symlinkTarget !== null);
  if (links.length === 0) return;

  const internalElements = (f: FileEntry): readonly string[] => (hasRootDir ? f.pathElements.slice(1) : f.pathElements);
  const internal = (f: FileEntry): string => internalElements(f).join('/');
  const fileMap = new Map<string, FileEntry>();
  const dirs = new FolderIds();
  for (const f of files) {
    const elements = internalElements(f);
    const p = elements.join('/');
    if (!fileMap.has(p)) fileMap.set(p, f);
    dirs.parentOf(elements);
  }

  // Links that name another link are treated as directories when resolving later hops.
  const dirLinks = new Map<string, string>();
  const pending: FileEntry[] = [];

  const tryTarget = (own: string, f: FileEntry, target: string): boolean => {
    const hit = fileMap.get(target);
    if (hit !== undefined) {
      f.symlinkTarget = target;
      if (hit.symlinkTarget !== null) dirLinks.set(own, target);
      return true;
    }
    if (dirs.has(target)) {
      f.symlinkTarget = target;
      dirLinks.set(own, target);
      return true;
    }
    return false;
  };

  for (const f of links) {
    const own = internal(f);
    const target = f.symlinkTarget as string;
    if (tryTarget(own, f, target)) continue;
    const linkDir = parentOf(own);
    if (linkDir !== '' && tryTarget(own, f, `${linkDir}/${target}`)) continue;
    f.symlinkTarget = target;
    dirLinks.set(own, target);
    pending.push(f);
  }

  // Targets that pass through other links ("Versions/Current/Headers" with Current -> A).
  for (let n = 0; n < pending.length; n++) {
    if ((n + 1) % LINKS_PER_STEP === 0) yield;
    const f = pending[n] as FileEntry;
    const original = f.symlinkTarget as string;
    let target = original;
    const traversed = new Set<string>();
    let ok = true;
    // Each folder prefix of the target ("a", "a/b", …), walked folder by folder; only a prefix
    // that is no folder (a link to follow, or a dead end) is cut out as a string.
    let folder = 0;
    for (let start = 0, slash = target.indexOf('/'); slash >= 0; slash = target.indexOf('/', start)) {
      const next = dirs.child(folder, target.slice(start, slash));
      if (next >= 0) {
        folder = next;
        start = slash + 1;
        continue;
      }
      const branch = target.slice(0, slash);
      const via = dirLinks.get(branch);
      if (via === undefined || traversed.has(branch) || traversed.size >= MAX_SYMLINK_HOPS) {
        ok = false;
        break;
      }
      traversed.add(branch);
      target = via + target.slice(slash);
      // Start over: the new target may itself begin with a link.
      folder = 0;
      start = 0;
    }
    if (ok && !fileMap.has(target) && !dirs.has(target)) ok = false;
    f.symlinkTarget = ok ? original : internal(f);
  }
}
