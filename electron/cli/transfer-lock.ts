/**
 * One `tessera download`/`seed` per torrent and folder. Two downloads of the same torrent into
 * the same --dir at once both wrote the same files (each its own pieces, each checking the
 * other's half-written ones), and each kept its own resume record. The second one now refuses
 * in one line, naming the first one's pid, as a user of aria2c (whose .aria2 control file
 * keeps a second one out) expects.
 *
 * The lock is a pid file (engine/util/pid-lock.ts: a crashed or killed process's lock is taken
 * over) in a per-user runtime folder, not in --dir (a read-only folder can be seeded, and a
 * download folder should not fill with our files) nor in the state folder (two commands may
 * name different --state-dir for the same --dir). Its name hashes the info-hash and the
 * folder's real path, so `./x`, `x/` and a symlink to it are the same folder.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LockHeld, takePidLock } from '../engine/util/pid-lock.js';
import { errorText } from '../../shared/error-text.js';

export type TransferLock = { kind: 'locked'; release: () => void } | { kind: 'held'; owner: number } | { kind: 'unavailable'; problem: string };

/** `$XDG_RUNTIME_DIR/tessera` (per user, emptied at logout), else `<tmp>/tessera-<uid>`. */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'tessera');
  return path.join(os.tmpdir(), `tessera-${process.getuid?.() ?? 'user'}`);
}

/** The folder's path with every existing part resolved through symlinks (it may not exist yet). */
export async function canonicalFolder(dir: string): Promise<string> {
  const rest: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      return path.join(await fs.realpath(at), ...rest);
    } catch {
      if (path.dirname(at) === at) return path.resolve(dir);
      rest.unshift(path.basename(at));
    }
  }
}

/** The lock's file name for this torrent in this (canonical) folder. */
export function lockName(infoHashHex: string, folder: string): string {
  return `${createHash('sha256').update(`${infoHashHex.toLowerCase()}\0${folder}`).digest('hex').slice(0, 40)}.lock`;
}

/** Takes the lock for `infoHashHex` in `dir`, or says who holds it, or why there is no lock to take. */
export async function lockTransfer(infoHashHex: string, dir: string, lockDir = defaultLockDir()): Promise<TransferLock> {
  try {
    await fs.mkdir(lockDir, { recursive: true, mode: 0o700 });
    // In a shared /tmp the folder could be someone else's, or a symlink planted to make us write elsewhere.
    const stat = await fs.lstat(lockDir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) return { kind: 'unavailable', problem: `${lockDir} is not a folder of this user` };
    const release = await takePidLock(path.join(lockDir, lockName(infoHashHex, await canonicalFolder(dir))));
    return { kind: 'locked', release };
  } catch (err) {
    if (err instanceof LockHeld) return { kind: 'held', owner: err.owner };
    return { kind: 'unavailable', problem: `${lockDir}: ${errorText(err)}` };
  }
}
