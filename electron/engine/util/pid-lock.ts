/**
 * A lock file that a crashed process does not leave stuck: created exclusively, holding the
 * owner's pid; a lock whose process is gone (kill -9, a crash, a reboot) is stale and taken
 * over. Used by the web host (one per state folder) and the CLI (one transfer per torrent and
 * folder). Node built-ins only.
 *
 * A live pid is not proof enough: after a crash the pid may have been given to an unrelated
 * process (after a reboot, pids start again from the bottom), and the lock was then never taken
 * over. On Linux the file also holds the owner's start time (field 22 of /proc/<pid>/stat,
 * clock ticks since boot), and a lock whose pid is alive but started at another time is stale.
 *
 * The file: the pid on the first line, the start time on the second when known
 * (`1234\n5678901\n`). Older files (and those written where /proc is missing) have the pid
 * only: those, and a pid whose start time cannot be read, are judged by the pid alone.
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

export interface PidLockOptions {
  /** Where the process table is (tests point it elsewhere, or at nothing: no /proc). */
  procDir?: string;
}

/**
 * Takes the lock `file` or throws {@link LockHeld}; any other failure (a folder that cannot be
 * written) is thrown as it is. Returns the release, which is synchronous (callable from the
 * process's 'exit' event) and removes the file only while it is still ours.
 */
export async function takePidLock(file: string, options: PidLockOptions = {}): Promise<() => void> {
  const procDir = options.procDir ?? '/proc';
  const ownStart = await processStartTime(process.pid, procDir);
  // Two tries: the second after removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(ownStart === null ? `${process.pid}\n` : `${process.pid}\n${ownStart}\n`);
      await handle.close();
      return () => release(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = parseLock(await readFile(file, 'utf8').catch(() => ''));
    if (holder && holder.pid !== process.pid && (await isRunning(holder, procDir))) throw new LockHeld(file, holder.pid);
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`cannot lock ${file}: it keeps coming back`);
}

interface Holder {
  pid: number;
  /** Clock ticks since boot when it started; null in a lock written without /proc (or by an older Tessera). */
  startTime: string | null;
}

/** The holder a lock file names, or null for a file that names none (empty, garbage). */
function parseLock(text: string): Holder | null {
  const [first = '', second = ''] = text.split('\n');
  const pid = Number.parseInt(first, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const start = second.trim();
  return { pid, startTime: /^\d{1,20}$/.test(start) ? start : null };
}

/** Whether the lock's holder still runs: its pid is alive and, where both are known, it started when the lock says. */
async function isRunning(holder: Holder, procDir: string): Promise<boolean> {
  if (!isAlive(holder.pid)) return false;
  if (holder.startTime === null) return true;
  const now = await processStartTime(holder.pid, procDir);
  // Unreadable (no /proc, or hidden by hidepid): the pid alone decides, as it did before.
  return now === null || now === holder.startTime;
}

/**
 * Field 22 (starttime) of /proc/<pid>/stat, or null where it cannot be read. The second field,
 * the command name in parentheses, may itself hold spaces and parentheses: the fields are
 * counted from the last ')'.
 */
export async function processStartTime(pid: number, procDir = '/proc'): Promise<string | null> {
  let stat: string;
  try {
    stat = await readFile(`${procDir}/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After the ')' come fields 3 (state) onwards: field 22 is the 20th.
  const field = stat.slice(close + 1).trim().split(/\s+/)[19];
  return field !== undefined && /^\d{1,20}$/.test(field) ? field : null;
}

function release(file: string): void {
  try {
    if (parseLock(readFileSync(file, 'utf8'))?.pid === process.pid) unlinkSync(file);
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
