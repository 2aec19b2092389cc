/**
 * One web host per state folder, as qbittorrent-nox allows one instance per profile. Two
 * hosts on one folder each restored every torrent and ran it: two engines writing the same
 * files and the same resume records (the second one merely took the next free ports).
 *
 * The lock is a file, `host.lock`, created exclusively and holding the owner's pid. A lock
 * whose process is gone (kill -9, a crash) is stale and taken over.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from './startup-error.js';

export const LOCK_FILE = 'host.lock';

/** Takes the state folder's lock or throws a StartupError naming the host that holds it. Returns the release. */
export async function lockStateDir(stateDir: string): Promise<() => void> {
  const file = join(stateDir, LOCK_FILE);
  // Two tries: the second after removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => release(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new StartupError(
        `another Tessera web host (pid ${owner}) is using the state folder ${stateDir}; stop it, or give this one another --dir (two would run the same torrents on the same files)`,
      );
    }
    await unlink(file).catch(() => undefined);
  }
  throw new StartupError(`cannot lock the state folder ${stateDir}: ${file} keeps coming back`);
}

/** Removes the lock if it is still ours (synchronous: also called from the 'exit' event). */
function release(file: string): void {
  try {
    if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
  } catch {
    // Already gone: nothing to release.
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
