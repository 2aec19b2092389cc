/**
 * Wire envelopes shared by both transports, channel names for Electron IPC and the
 * WebSocket path for the web host.
 *
 * Electron: the preload calls `ipcRenderer.invoke(IPC_INVOKE, request)` and main replies with
 * a `ResponseMessage` (never throws across IPC); main pushes `ServerEvent`s on `IPC_EVENT`.
 * WebSocket: text frames carrying JSON `ClientMessage` (→ host) and `HostMessage` (→ client).
 */
import { isCommandName, type CommandName } from './commands.js';
import type { ServerEvent } from './events.js';
import { isPlainObject, ValidationError } from './validate.js';

/** Electron IPC channel names. */
export const IPC_INVOKE = 'tessera:invoke';
export const IPC_EVENT = 'tessera:event';

/** The global the preload exposes through contextBridge (`window.tessera`). */
export const PRELOAD_GLOBAL = 'tessera';

/** WebSocket endpoint path on the web host. */
export const WS_PATH = '/ws';
/** Query parameter carrying the web host's access token (never a cookie: cookies ignore ports). */
export const TOKEN_PARAM = 'token';
/**
 * WebSocket close code of a tab whose login session ended (logout, or dropped by the host): the
 * page shows LOGIN_PATH instead of reconnecting with a session that opens nothing.
 */
export const SESSION_ENDED_CLOSE_CODE = 4001;
/** The web host's login page (remote web UI). */
export const LOGIN_PATH = '/login';
/** POST here ends the page's login session (and closes its tabs). */
export const LOGOUT_PATH = '/logout';
/** GET: `{ login: boolean }`, whether the request presents a live login session. */
export const SESSION_PATH = '/session';

export type ErrorCode =
  /** The payload did not match the contract. */
  | 'invalid-payload'
  /** Unknown info-hash. */
  | 'not-found'
  /** The .torrent bytes or magnet URI were rejected by the engine. */
  | 'invalid-torrent'
  /** This transport cannot do that (e.g. native dialogs on the web host). */
  | 'unsupported'
  /** The connection dropped before a reply came (client side only). */
  | 'disconnected'
  | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = ['invalid-payload', 'not-found', 'invalid-torrent', 'unsupported', 'disconnected', 'internal'];

export interface ErrorInfo {
  code: ErrorCode;
  /** One readable line, fit to show the user. */
  message: string;
}

/** What a failed command rejects with on the client side. */
export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestMessage {
  kind: 'request';
  id: number;
  command: CommandName;
  payload: unknown;
}

export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorInfo };

export interface EventMessage {
  kind: 'event';
  event: ServerEvent;
}

export type ClientMessage = RequestMessage;
export type HostMessage = ResponseMessage | EventMessage;

/** Checks the envelope of a request (the payload is checked by the command's validator). */
export function parseRequestMessage(value: unknown): RequestMessage {
  if (!isPlainObject(value)) throw new ValidationError('request', 'expected an object');
  const { kind, id, command, payload } = value;
  if (kind !== 'request') throw new ValidationError('request.kind', 'expected "request"');
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new ValidationError('request.id', 'expected an integer >= 0');
  if (!isCommandName(command)) throw new ValidationError('request.command', `unknown command ${JSON.stringify(command)}`);
  for (const key of Object.keys(value)) {
    if (key !== 'kind' && key !== 'id' && key !== 'command' && key !== 'payload') {
      throw new ValidationError(`request.${key}`, 'unknown field');
    }
  }
  return { kind, id, command, payload };
}

/** Checks the envelope of a host message (an event's body is checked by parseServerEvent). */
export function parseHostMessage(value: unknown): { kind: 'response'; id: number; ok: boolean; result?: unknown; error?: unknown } | { kind: 'event'; event: unknown } {
  if (!isPlainObject(value)) throw new ValidationError('message', 'expected an object');
  if (value.kind === 'event') return { kind: 'event', event: value.event };
  if (value.kind === 'response') {
    const { id, ok } = value;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new ValidationError('message.id', 'expected an integer');
    if (typeof ok !== 'boolean') throw new ValidationError('message.ok', 'expected a boolean');
    return { kind: 'response', id, ok, result: value.result, error: value.error };
  }
  throw new ValidationError('message.kind', 'expected "response" or "event"');
}

/** Validates an error object from the other side; anything malformed becomes 'internal'. */
export function parseErrorInfo(value: unknown): ErrorInfo {
  if (isPlainObject(value) && typeof value.message === 'string' && (ERROR_CODES as readonly unknown[]).includes(value.code)) {
    return { code: value.code as ErrorCode, message: value.message.slice(0, 4096) };
  }
  return { code: 'internal', message: 'malformed error reply' };
}

/** Validates a ResponseMessage as received over Electron IPC. */
export function parseResponseMessage(value: unknown): ResponseMessage {
  const m = parseHostMessage(value);
  if (m.kind !== 'response') throw new ValidationError('message.kind', 'expected "response"');
  return m.ok ? { kind: 'response', id: m.id, ok: true, result: m.result } : { kind: 'response', id: m.id, ok: false, error: parseErrorInfo(m.error) };
}
