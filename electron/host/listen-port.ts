/**
 * The web host's BitTorrent listening port. One given with --listen-port is a demand: when it
 * cannot be had the host says why in one line and exits. The saved one (6881 by default, or
 * whatever the Settings dialog stored) is a preference: a port this process may not have (below
 * 1024 without privileges: EACCES) or an address gone used to end every start of the host
 * until settings.json was edited by hand; it now starts on a free port with a notice, as the
 * desktop app does (engine-start.ts). A taken saved port is already moved along by the engine's
 * own `portFallback` (the next nine ports, then any).
 */
import { startOnSavedPort, type StartedEngine } from '../engine/service/engine-start.js';
import { isListenError, listenFailure, reasonOf, StartupError } from './startup-error.js';

export interface ListenPortChoice {
  /** --listen-port, or null. */
  demanded: number | null;
  /** The settings' listenPort. */
  saved: number;
  /** --listen-host, or null (every address). */
  host: string | null;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts the engine with `create(port)`; failures become one-line StartupErrors. */
export async function startOnListenPort<S extends { port: number }>(create: (port: number) => Promise<S>, choice: ListenPortChoice): Promise<StartedEngine<S>> {
  const port = choice.demanded ?? choice.saved;
  try {
    if (choice.demanded !== null) return { session: await create(choice.demanded), problem: null };
    return await startOnSavedPort(create, choice.saved);
  } catch (err) {
    if (!isListenError(err)) throw new StartupError(`cannot start the engine: ${reasonOf(err)}`);
    throw listenFailure(err, 'BitTorrent port', hostPort(choice.host ?? '0.0.0.0', port), '--listen-port');
  }
}
