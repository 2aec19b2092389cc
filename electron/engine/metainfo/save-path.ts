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
