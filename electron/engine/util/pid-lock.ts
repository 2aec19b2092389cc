/**
 * A lock file that a crashed process does not leave stuck: created exclusively, holding the
 * owner's pid; a lock whose process is gone (kill -9, a crash, a reboot) is stale and taken
 * over. Used by the web host (one per state folder) and the CLI (one transfer per torrent and
 * folder). Node built-ins only.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';

/** The lock is held by a live process: `owner` is its pid. */
export class LockHeld extends Error {
  override readonly name = 'LockHeld';
  constructor(
    readonly file: string,
    readonly owner: number,
  ) {
    super(`${file} is held by pid ${owner}`);
  }
}

/**
 * Takes the lock `file` or throws {@link LockHeld}; any other failure (a folder that cannot be
 * written) is thrown as it is. Returns the release, which is synchronous (callable from the
 * process's 'exit' event) and removes the file only while it is still ours.
 */
export async function takePidLock(file: string): Promise<() => void> {
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
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) throw new LockHeld(file, owner);
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`cannot lock ${file}: it keeps coming back`);
}

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
