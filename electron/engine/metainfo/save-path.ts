/**
 * The last line of defence against path traversal: every file the storage opens goes
 * through here, whatever the parser already did to its path.
 */
import path from 'node:path';
import { MetainfoError } from './errors.js';

/**
 * Resolves `relPath` (a TorrentFile path: '/'-separated, relative) inside `saveDir` and
 * asserts the result lies strictly inside it. Throws MetainfoError('path_outside_save_dir')
 * for absolute paths, NUL bytes, or anything that resolves to saveDir itself or outside.
 */
export function resolveInSaveDir(saveDir: string, relPath: string): string {
  // Called for every file of a torrent (100,000 of them): plain paths skip path.resolve.
  if (path.sep === '/' && isPlainRelative(relPath) && !saveDir.includes('\0')) return joinResolved(saveDir, relPath);
  const fail = (why: string): never => {
    throw new MetainfoError('path_outside_save_dir', `refusing file path ${JSON.stringify(relPath)}: ${why}`);
  };
  if (relPath.includes('\0') || saveDir.includes('\0')) fail('it contains a NUL byte');
  if (relPath === '' || path.isAbsolute(relPath) || path.win32.isAbsolute(relPath)) fail('it is not a relative path');

  const base = path.resolve(saveDir);
  const resolved = path.resolve(base, relPath);
  const rel = path.relative(base, resolved);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    fail('it resolves outside the save directory');
  }
  return resolved;
}

/**
 * Whether `p` is relative and every '/'-separated element is an ordinary name (not empty, not
 * '.' or '..', no NUL): then on POSIX `path.resolve(base, p)` is `base + '/' + p` and lies
 * strictly inside `base`. Anything else takes the full path above.
 */
function isPlainRelative(p: string): boolean {
  // Absolute in POSIX or Windows terms ('/x', '\\x', 'C:…'): the full path decides.
  const c0 = p.charCodeAt(0);
  if (p === '' || c0 === 0x2f || c0 === 0x5c || p.charCodeAt(1) === 0x3a) return false;
  let start = 0;
  for (;;) {
    const slash = p.indexOf('/', start);
    const end = slash === -1 ? p.length : slash;
    const n = end - start;
    if (n === 0 || (p.charCodeAt(start) === 0x2e && (n === 1 || (n === 2 && p.charCodeAt(start + 1) === 0x2e)))) return false;
    if (slash === -1) break;
    start = slash + 1;
  }
  return !p.includes('\0');
}

let lastSaveDir: { dir: string; resolved: string } | null = null;

function joinResolved(saveDir: string, relPath: string): string {
  if (lastSaveDir?.dir !== saveDir) lastSaveDir = { dir: saveDir, resolved: path.resolve(saveDir) };
  const base = lastSaveDir.resolved;
  return base.endsWith('/') ? base + relPath : `${base}/${relPath}`;
}
