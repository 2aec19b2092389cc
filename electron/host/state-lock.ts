/**
 * One web host per state folder, as qbittorrent-nox allows one instance per profile. Two
 * hosts on one folder each restored every torrent and ran it: two engines writing the same
 * files and the same resume records (the second one merely took the next free ports).
 *
 * The lock is a file, `host.lock`, holding the owner's pid and start time (engine/util/pid-lock.ts):
 * a lock whose process is gone (kill -9, a crash), or whose pid another process now has, is stale
 * and taken over.
 */
import { join } from 'node:path';
import { LockHeld, takePidLock } from '../engine/util/pid-lock.js';
import { StartupError } from './startup-error.js';

export const LOCK_FILE = 'host.lock';

/** Takes the state folder's lock or throws a StartupError naming the host that holds it. Returns the release. */
export async function lockStateDir(stateDir: string): Promise<() => void> {
  try {
    return await takePidLock(join(stateDir, LOCK_FILE));
  } catch (err) {
    if (err instanceof LockHeld) {
      throw new StartupError(
        `another Tessera web host (pid ${err.owner}) is using the state folder ${stateDir}; stop it, or give this one another --dir (two would run the same torrents on the same files)`,
      );
    }
    throw new StartupError(`cannot lock the state folder ${stateDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
