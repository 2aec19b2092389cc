/**
 * The transport-independent client API the renderer calls. Get one with
 * `createPreloadClient(window.tessera)` (Electron) or `createWebSocketClient(...)` (web host),
 * or let `connectTessera()` pick. Both are built by `createClient` over a tiny transport, so
 * validation, error mapping, re-subscription and re-watching behave the same everywhere.
 */
import {
  COMMAND_NAMES,
  parseCommandResult,
  type CommandName,
  type CommandPayload,
  type CommandResult,
} from './commands.js';
import { applySummaryChange } from './summary-changes.js';
import { parseServerEvent, type ServerEvent, type SnapshotEvent, type TesseraEvent } from './events.js';
import { parseErrorInfo, TesseraError, type ErrorInfo } from './protocol.js';
import { isPlainObject, ValidationError } from './validate.js';

/** A command's reply as it crosses a transport: never an exception. */
export type Reply<R> = { ok: true; result: R } | { ok: false; error: ErrorInfo };

type NoRequiredKeys<P> = Record<never, never> extends P ? true : false;
type Method<K extends CommandName> =
  NoRequiredKeys<CommandPayload<K>> extends true
    ? (payload?: CommandPayload<K>) => Promise<CommandResult<K>>
    : (payload: CommandPayload<K>) => Promise<CommandResult<K>>;

export type ClientCommandName = Exclude<CommandName, 'subscribe'>;

/**
 * One method per command (rejecting with TesseraError), plus `subscribe`. Subscribing sends
 * `subscribe` to the other end: a `snapshot` event follows, then the event stream. The
 * returned function unsubscribes the listener.
 */
export type TesseraClient = { [K in ClientCommandName]: Method<K> } & {
  subscribe(listener: (event: TesseraEvent) => void): () => void;
  /** Closes the transport (WebSocket); a no-op for Electron. */
  close(): void;
};

/** What a transport provides to createClient. */
export interface ClientTransport {
  /** Sends one command; resolves with the raw reply (validated by createClient). */
  invoke(command: CommandName, payload: unknown): Promise<unknown>;
  /**
   * Starts delivering raw server events and connection status. A transport that reconnects
   * reports 'open' again after each reconnection; the client then re-subscribes and re-watches.
   */
  listen(onEvent: (raw: unknown) => void, onStatus: (status: 'connecting' | 'open' | 'closed') => void): void;
  close(): void;
}

/**
 * What the Electron preload exposes as `window.tessera` through contextBridge: one method per
 * command resolving to a Reply (exceptions do not cross contextBridge with their fields), and
 * `onEvent` for the event stream.
 */
export type PreloadBridge = { [K in CommandName]: (payload: CommandPayload<K>) => Promise<Reply<CommandResult<K>>> } & {
  onEvent(listener: (event: unknown) => void): () => void;
};

function toReply(raw: unknown): { ok: true; result: unknown } | { ok: false; error: ErrorInfo } {
  if (isPlainObject(raw) && raw.ok === true && 'result' in raw) return { ok: true, result: raw.result };
  if (isPlainObject(raw) && raw.ok === false) return { ok: false, error: parseErrorInfo(raw.error) };
  return { ok: false, error: { code: 'internal', message: 'malformed reply from the engine' } };
}

export function createClient(transport: ClientTransport): TesseraClient {
  const listeners = new Set<(event: TesseraEvent) => void>();
  const watched = new Set<string>();
  let status: 'connecting' | 'open' | 'closed' = 'connecting';

  const emit = (event: TesseraEvent): void => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // A listener's bug must not stop the others.
      }
    }
  };

  async function call<K extends CommandName>(command: K, payload: CommandPayload<K>): Promise<CommandResult<K>> {
    const reply = toReply(await transport.invoke(command, payload));
    if (!reply.ok) throw new TesseraError(reply.error.code, reply.error.message);
    try {
      return parseCommandResult(command, reply.result);
    } catch (err) {
      const message = err instanceof ValidationError ? err.message : String(err);
      throw new TesseraError('internal', `invalid reply from the engine: ${message}`);
    }
  }

  /**
   * The latest snapshot, kept current from summaries / added / removed / settings events, so a
   * listener added later gets a snapshot of its own without the engine re-sending one to all.
   */
  let mirror: SnapshotEvent | null = null;
  let subscribeSent = false;
  const updateMirror = (event: ServerEvent): void => {
    if (event.type === 'snapshot') {
      mirror = event;
      return;
    }
    if (!mirror) return;
    switch (event.type) {
      case 'summaries':
        mirror = { ...mirror, torrents: event.torrents, session: event.session };
        break;
      case 'summaryChanges': {
        const changes = new Map(event.torrents.map((c) => [c.infoHash, c]));
        const torrents = mirror.torrents.map((t) => {
          const change = changes.get(t.infoHash);
          return change ? applySummaryChange(t, change) : t;
        });
        mirror = { ...mirror, torrents, session: event.session ?? mirror.session };
        break;
      }
      case 'torrentAdded':
        mirror = { ...mirror, torrents: [...mirror.torrents.filter((t) => t.infoHash !== event.torrent.infoHash), event.torrent] };
        break;
      case 'torrentRemoved':
        mirror = { ...mirror, torrents: mirror.torrents.filter((t) => t.infoHash !== event.infoHash) };
        break;
      case 'settings':
        mirror = { ...mirror, settings: event.settings };
        break;
      default:
        break;
    }
  };

  const resync = (): void => {
    if (listeners.size === 0) return;
    mirror = null;
    subscribeSent = true;
    call('subscribe', {}).catch(() => undefined);
    for (const infoHash of watched) call('watchPieces', { infoHash }).catch(() => undefined);
  };

  transport.listen(
    (raw) => {
      let event;
      try {
        event = parseServerEvent(raw);
      } catch (err) {
        const message = err instanceof ValidationError ? err.message : String(err);
        emit({ type: 'notice', level: 'error', message: `Ignored an invalid event from the engine (${message})` });
        return;
      }
      if (event.type === 'torrentRemoved') watched.delete(event.infoHash);
      updateMirror(event);
      emit(event);
    },
    (next) => {
      const wasOpen = status === 'open';
      status = next;
      if (next !== 'open') subscribeSent = false;
      emit({ type: 'connection', status: next });
      if (next === 'open' && !wasOpen) resync();
    },
  );

  const methods = {} as { [K in ClientCommandName]: (payload?: CommandPayload<K>) => Promise<CommandResult<K>> };
  for (const name of COMMAND_NAMES) {
    if (name === 'subscribe') continue;
    const method = (payload?: unknown): Promise<unknown> => {
      const p = payload === undefined ? {} : payload;
      if (name === 'watchPieces' || name === 'unwatchPieces') {
        const hash = isPlainObject(p) && typeof p.infoHash === 'string' ? p.infoHash : undefined;
        if (hash !== undefined) {
          if (name === 'watchPieces') watched.add(hash);
          else watched.delete(hash);
        }
      }
      return call(name, p as CommandPayload<typeof name>);
    };
    (methods as Record<string, unknown>)[name] = method;
  }

  const client = {
    ...methods,
    subscribe(listener: (event: TesseraEvent) => void): () => void {
      listeners.add(listener);
      if (status !== 'open') {
        listener({ type: 'connection', status });
      } else if (!subscribeSent) {
        // First listener: start the stream; the engine answers with a snapshot.
        listener({ type: 'connection', status: 'open' });
        subscribeSent = true;
        call('subscribe', {}).catch(() => undefined);
      } else {
        // Already streaming: this listener gets the current state, the others nothing new.
        listener({ type: 'connection', status: 'open' });
        if (mirror) listener(mirror);
      }
      return () => {
        listeners.delete(listener);
      };
    },
    close(): void {
      transport.close();
    },
  };
  return client as TesseraClient;
}

/** Wraps the Electron preload's bridge (`window.tessera`) into a TesseraClient. */
export function createPreloadClient(bridge: PreloadBridge): TesseraClient {
  return createClient({
    invoke: (command, payload) => {
      const fn = bridge[command] as (payload: unknown) => Promise<unknown>;
      return fn(payload);
    },
    listen(onEvent, onStatus) {
      bridge.onEvent(onEvent);
      onStatus('open');
    },
    close() {},
  });
}

/** True when `value` looks like the preload bridge (checks every command method exists). */
export function isPreloadBridge(value: unknown): value is PreloadBridge {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.onEvent === 'function' && COMMAND_NAMES.every((name) => typeof record[name] === 'function');
}
