/**
 * Start-up failures of the web host as one readable line each ("tessera web: <line>"), never a
 * stack trace: a port in use, a state folder that cannot be written, a bad bind address.
 */

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'a file is in the way',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  EADDRINUSE: 'already in use',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'unknown host name',
};

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A system error as a few words ("permission denied"), else its message's first line. */
export function reasonOf(err: unknown): string {
  const code = errorCode(err);
  if (code !== undefined && REASONS[code]) return REASONS[code];
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

/** Runs one start-up step; its failure becomes a StartupError "<what>: <reason>". */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${what}: ${reasonOf(err)}`);
  }
}

/** Listening failures, with what the user can do about them; any other failure as "<what> …: <reason>". */
export function listenFailure(err: unknown, what: string, address: string, option: string): StartupError {
  if (err instanceof StartupError) return err;
  const code = errorCode(err);
  if (code === 'EADDRINUSE') {
    return new StartupError(`${what} ${address} is already in use (another program, or another Tessera?); choose another with ${option}, or leave ${option} out to use the next free one`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartupError(`${what} ${address}: ${reasonOf(err)}`);
  if (code === 'EACCES') return new StartupError(`${what} ${address}: permission denied (ports below 1024 need privileges)`);
  return new StartupError(`${what} ${address}: ${reasonOf(err)}`);
}

export function isListenError(err: unknown): boolean {
  const syscall = typeof err === 'object' && err !== null && 'syscall' in err ? (err as { syscall: unknown }).syscall : undefined;
  return syscall === 'listen' || syscall === 'bind' || syscall === 'getaddrinfo';
}

/** The one line printed for any failure of main(). */
export function startupErrorLine(err: unknown): string {
  if (err instanceof StartupError) return err.message;
  return `could not start: ${reasonOf(err)}`;
}
