/**
 * `tessera seed --json | head -1`: the reader exits after one line, and the next write to
 * stdout fails with EPIPE. Node reports that as an 'error' event on process.stdout, which
 * nobody handles, so the process died with an uncaught-exception stack trace. Command-line
 * tools instead end quietly when their reader goes away (SIGPIPE's default); so do we, with
 * status 0: the output was wanted only up to where the reader stopped.
 */
export interface Exitable {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export function exitQuietlyOnBrokenPipe(
  stream: Exitable,
  exit: (code: number) => void,
  report: (message: string) => void,
): void {
  stream.on('error', (err) => {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
      exit(0);
      return;
    }
    // Any other output failure (a full disk behind a redirect) is a real error: say so once.
    report(`tessera: cannot write output: ${err.message}\n`);
    exit(1);
  });
}
