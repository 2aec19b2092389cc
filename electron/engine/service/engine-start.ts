/**
 * Starting the engine on the saved listening port. The port is a preference the user may set to
 * one this process cannot have (below 1024 without privileges: EACCES; an address gone). Failing
 * the start on it ended the app at every launch ("Tessera could not start") until settings.json
 * was edited by hand; instead the engine starts on any free port and the user is told, as
 * qBittorrent logs a failed listen and runs on. Pure: no 'electron', the session factory is given.
 */

/** Errors of binding the listening socket (anything else, e.g. an unreadable state folder, still fails the start). */
const LISTEN_ERRORS = new Set(['EACCES', 'EPERM', 'EADDRINUSE', 'EADDRNOTAVAIL']);

function listenErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('code' in err)) return null;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && LISTEN_ERRORS.has(code) ? code : null;
}

export interface StartedEngine<S> {
  session: S;
  /** Why the saved port was not used (a notice for the UI), or null. */
  problem: string | null;
}

/** `create(port)`, or — when the port cannot be listened on — `create(0)` with a problem to show. */
export async function startOnSavedPort<S extends { port: number }>(create: (port: number) => Promise<S>, port: number): Promise<StartedEngine<S>> {
  try {
    return { session: await create(port), problem: null };
  } catch (err) {
    const code = listenErrorCode(err);
    if (port === 0 || code === null) throw err;
    const session = await create(0);
    return {
      session,
      problem: `Could not listen on port ${port} (${code === 'EACCES' || code === 'EPERM' ? 'not permitted: ports below 1024 need privileges' : code}); listening on port ${session.port} instead. Choose another port in Settings.`,
    };
  }
}
