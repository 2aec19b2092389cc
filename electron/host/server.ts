/**
 * The web host's HTTP + WebSocket server: serves the built renderer and speaks the contract
 * over WebSocket through the same TesseraService the Electron shell uses. Every request
 * (page, asset, WebSocket upgrade) passes the Host and Origin checks in security.ts; the
 * WebSocket also needs the token (the static app shell is public code). Bound beyond loopback
 * (`auth`), the page and the WebSocket need a login session instead (auth.ts, /login), and the
 * token only works from this machine; `tls` serves HTTPS.
 *
 * Bounds: request headers within 10 s and the whole request within 30 s, TCP connections
 * capped from the open-file limit (128 and 64 per address at 1024; the oldest waiting one
 * dropped first: connection-gate.ts), 4 HTTP requests pipelined per connection
 * (pipelined-requests.ts), over HTTPS handshakes rationed per address and in all and each
 * over within 10 s (tls-handshakes.ts), 32 WebSocket clients, 64 requests in flight per client
 * (request-window.ts), 256 MiB unsent for all tabs together and 32 MiB a tab (tab-queue.ts),
 * messages being received 1 MiB a tab plus 43 MiB for all tabs together (incoming-frames.ts), and a client
 * silent through two pings 30 s apart, or that takes nothing queued for it through as many, is
 * dropped (heartbeat.ts, drain-progress.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { LOGIN_PATH, LOGOUT_PATH, SESSION_PATH, TOKEN_PARAM, WS_PATH, parseRequestMessage, type HostMessage, type ResponseMessage } from '../../shared/contract/index.js';
import type { TesseraService } from '../engine/service/index.js';
import { addressGroup, connectionLimits } from '../engine/session/connection-limits.js';
import { ConnectionGate, webGateLimits, type GateLimits } from './connection-gate.js';
import { checkHost, checkOrigin, checkRequest, tokensEqual } from './security.js';
import { expiredSessionCookie, loginPage, sessionCookie, sessionFromCookie, type Auth } from './auth.js';
import { SessionSockets } from './session-sockets.js';
import { RequestWindow } from './request-window.js';
import { PipelinedRequests } from './pipelined-requests.js';
import { StaticCache, type StaticCacheLimits } from './static-cache.js';
import { Heartbeat, type HeartbeatSocket } from './heartbeat.js';
import { DrainProgress, unsentOfWrite } from './drain-progress.js';
import { TabQueues } from './tab-queue.js';
import { IncomingBudget, MAX_FRAME, type IncomingFrames } from './incoming-frames.js';
import { HANDSHAKE_TIMEOUT_MS, HandshakeRate, type HandshakeLimits } from './tls-handshakes.js';
import { contentTypeFor } from '../../shared/content-type.js';

export interface HostServerOptions {
  /** Serves the contract; each WebSocket is one connection. */
  service: Pick<TesseraService, 'connect'>;
  /** Folder holding the built renderer (index.html + assets). */
  staticDir: string;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** When `port` is taken, use one of the next nine or any free port (the default port, not one the user gave). */
  portFallback?: boolean;
  /** TCP connection limits (default: webGateLimits of the open-file limit). */
  connectionLimits?: GateLimits;
  /** Which of the app's files are kept in memory (default STATIC_CACHE_LIMITS); larger ones are streamed. */
  staticCacheLimits?: StaticCacheLimits;
  /**
   * How often open tabs are pinged and their queues looked at (default HEARTBEAT_MS); one silent
   * for HEARTBEAT_MISSES pings, or that takes nothing queued for it for as many, is dropped
   * (heartbeat.ts).
   */
  heartbeatMs?: number;
  /** Runs the heartbeat's tick (default: every heartbeatMs) and returns what stops it: tests tick by hand. */
  heartbeatTicks?: (tick: () => void) => () => void;
  /** Access token (default: 32 random bytes, hex). */
  token?: string;
  /**
   * Login required (a bind beyond loopback): every page and the WebSocket need a session from
   * /login; the access token still works for clients on this machine (auth.ts).
   */
  auth?: Auth;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** HTTPS: how many handshakes strangers may have (default TLS_HANDSHAKE_LIMITS, tls-handshakes.ts). */
  tlsHandshakeLimits?: HandshakeLimits;
  /** HTTPS: how long a handshake may take (default HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number;
  log?(message: string): void;
}

export interface HostServer {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  readonly token: string;
  /** The URL to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

/** Content-Security-Policy of every page the host serves. */
export const HOST_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Requests one WebSocket client may have waiting for their reply before the host stops reading
 * its frames (request-window.ts). The UI sends a handful at a time.
 */
export const MAX_REQUESTS_IN_FLIGHT = 64;
/** HTTP requests one connection may send ahead of their responses (pipelined-requests.ts); browsers send one. */
export const MAX_PIPELINED_REQUESTS = 4;
/** Tabs are pinged this often; one that answers nothing for HEARTBEAT_MISSES pings in a row is dropped. */
export const HEARTBEAT_MS = 30_000;
export const HEARTBEAT_MISSES = 2;
/** Open UI tabs (WebSocket clients) at once. */
export const MAX_WS_CLIENTS = 32;
/** Slowloris bounds: all request headers within HEADERS_TIMEOUT_MS, the whole request within REQUEST_TIMEOUT_MS. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
const PORT_TRIES = 10;
/** How often open tabs' sessions are checked (and kept alive). */
const SESSION_SWEEP_MS = 60_000;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  const log = options.log ?? (() => undefined);
  const staticRoot = resolve(options.staticDir);
  let port = 0;
  const staticFiles = new StaticCache(options.staticCacheLimits);
  const gate = new ConnectionGate(options.connectionLimits ?? webGateLimits(connectionLimits().fdLimit));

  const config = () => ({ boundHost: bindHost, port, token });

  const refuse = (res: ServerResponse, status: number, reason: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(
      status === 401
        ? `Tessera: ${reason}. Open the URL printed by \`npm run web\` (it ends with ?${TOKEN_PARAM}=…).\n`
        : `Tessera: request refused (${reason}).\n`,
    );
  };

  const serverOptions = { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 };
  const pipelined = new PipelinedRequests<Socket>(MAX_PIPELINED_REQUESTS);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!pipelined.arrive(req.socket)) {
      req.socket.destroy();
      return;
    }
    res.once('close', () => pipelined.done(req.socket));
    const socket = gatedSocket(req.socket);
    // A request still sending its body stays droppable, as one still sending its headers: a
    // stranger's login forms trickling in a byte at a time (each cut at REQUEST_TIMEOUT_MS and
    // sent again) otherwise held every place in the gate and kept the UI out. The login marks
    // its connection busy once the form is in; other bodies are not read (see handleHttp).
    if (!hasBody(req)) gate.busy(socket);
    res.once('finish', () => gate.idle(socket));
    handleHttp(req, res).catch((err: unknown) => {
      // The client went away mid-request (its login form cut off, or dropped by the gate): not
      // an error, and a stranger would otherwise write a log line per connection (52,000 in 30 s).
      if (req.socket.destroyed) return;
      log(`http error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  };
  const server: Server = options.tls
    ? (createHttpsServer({ ...serverOptions, handshakeTimeout: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, cert: options.tls.cert, key: options.tls.key }, onRequest) as unknown as Server)
    : createServer(serverOptions, onRequest);
  const auth = options.auth ?? null;
  const secure = options.tls !== undefined;

  /** Auth mode: the live login session the request presents (cookie, or `token` = session id), or null. */
  const liveSession = (req: IncomingMessage, url: URL): string | null => {
    if (!auth) return null;
    const cookie = sessionFromCookie(req.headers.cookie);
    if (auth.touch(cookie)) return cookie;
    const queryToken = url.searchParams.get(TOKEN_PARAM);
    return auth.touch(queryToken) ? queryToken : null;
  };
  /** Auth mode: a live session, or the access token from this machine. */
  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (!auth || liveSession(req, url) !== null) return true;
    const queryToken = url.searchParams.get(TOKEN_PARAM);
    return queryToken !== null && isLoopbackAddress(req.socket.remoteAddress) && tokensEqual(queryToken, token);
  };
  // Tabs opened with a login session end with it (logout, or dropped), and keep it alive while open.
  const sessionSockets = new SessionSockets<WebSocket>();
  const sweep = auth ? setInterval(() => sessionSockets.sweep((sid) => auth.touch(sid)), SESSION_SWEEP_MS) : null;
  sweep?.unref();
  const heartbeat = new Heartbeat<HeartbeatSocket>(HEARTBEAT_MISSES);
  /** What tabs that do not read may make us hold, all together (tab-queue.ts). */
  const tabQueues = new TabQueues();
  /** What tabs' messages in progress may make us hold, all together (incoming-frames.ts). */
  const incoming = new IncomingBudget();
  const stopHeartbeat = (options.heartbeatTicks ?? everyMs(options.heartbeatMs ?? HEARTBEAT_MS))(() => heartbeat.tick());

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    // Only the login form's body is read. Any other request that comes with one is answered and
    // its connection closed: Node would otherwise read the body to throw it away, for as long as
    // the sender keeps sending (up to REQUEST_TIMEOUT_MS: 18 GB in 30 s on loopback).
    if (hasBody(req) && !(auth && req.method === 'POST' && url?.pathname === LOGIN_PATH)) res.setHeader('connection', 'close');
    if (!url) {
      refuse(res, 400, 'malformed request target');
      return;
    }
    const verdict = auth ? hostAndOrigin(req) : checkRequest({ host: req.headers.host, origin: req.headers.origin, url }, config(), false);
    if (!verdict.ok) {
      refuse(res, verdict.status, verdict.reason);
      return;
    }
    if (auth && url.pathname === LOGIN_PATH) {
      await handleLogin(auth, req, res);
      return;
    }
    if (auth && url.pathname === LOGOUT_PATH) {
      handleLogout(auth, req, res);
      return;
    }
    if (url.pathname === SESSION_PATH) {
      // Tells the page whether it holds a login session (and so offers "Log out"): not with the
      // access token on this machine, nor on a host that asks for no login. Nothing secret.
      sendJson(res, { login: liveSession(req, url) !== null });
      return;
    }
    // The page needs a login; its scripts and styles are the public app shell (as on loopback),
    // and the API (the WebSocket) needs the session.
    if (auth && (url.pathname === '/' || url.pathname === '/index.html') && !authorized(req, url)) {
      redirect(res, LOGIN_PATH);
      return;
    }
    if (auth && (url.pathname === '/' || url.pathname === '/index.html') && !url.searchParams.has(TOKEN_PARAM)) {
      // The page's WebSocket presents its session id as the token (the renderer keeps it per tab).
      const sid = sessionFromCookie(req.headers.cookie);
      if (sid !== null) {
        redirect(res, `/?${TOKEN_PARAM}=${sid}`);
        return;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (url.pathname === WS_PATH) {
      refuse(res, 400, 'WebSocket endpoint: upgrade required');
      return;
    }
    await serveStatic(url.pathname, req, res);
  }

  function hostAndOrigin(req: IncomingMessage): ReturnType<typeof checkHost> {
    const host = checkHost(req.headers.host, config());
    return host.ok ? checkOrigin(req.headers.origin, config(), req.headers.host) : host;
  }

  function redirect(res: ServerResponse, location: string, cookie?: string): void {
    res.writeHead(303, { location, 'cache-control': 'no-store', ...(cookie ? { 'set-cookie': cookie } : {}) });
    res.end();
  }

  function sendLoginPage(res: ServerResponse, status: number, message: string | null): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // With no-referrer Chromium posts the form with `Origin: null`, which the Origin check refuses.
      'referrer-policy': 'same-origin',
      // The login form posts to this origin; no script at all.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    });
    res.end(loginPage(message, !secure));
  }

  async function handleLogin(a: Auth, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Lock-outs count per address group (an IPv6 /64 is one), as the connection limits do:
    // one host holds a whole /64 and would otherwise get a fresh count from each address.
    const address = addressGroup(req.socket.remoteAddress ?? '');
    if (req.method === 'GET' || req.method === 'HEAD') {
      const locked = a.lockedFor(address);
      sendLoginPage(res, locked > 0 ? 429 : 200, locked > 0 ? lockedText(locked) : null);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, HEAD, POST' });
      res.end();
      return;
    }
    const body = await readBody(req, MAX_LOGIN_BODY);
    if (body === null) {
      refuse(res, 400, 'login form too large');
      return;
    }
    gate.busy(gatedSocket(req.socket));
    const form = new URLSearchParams(body);
    // Attempts while locked out are refused unheard and not logged one by one: a stranger
    // posting the form in a loop would write a line each (at most MAX_FAILURES per lock-out now).
    const wasLocked = a.lockedFor(address) > 0;
    const result = await a.login(address, form.get('username') ?? '', form.get('password') ?? '');
    if (result.ok) {
      log(`login from ${address}`);
      redirect(res, '/', sessionCookie(result.sessionId, secure));
      return;
    }
    if (!wasLocked) log(`failed login from ${address}${result.reason === 'locked' ? ' (locked out)' : ''}`);
    if (result.reason === 'locked') sendLoginPage(res, 429, lockedText(result.retryAfterMs ?? 0));
    else sendLoginPage(res, 401, 'Wrong user name or password.');
  }

  function handleLogout(a: Auth, req: IncomingMessage, res: ServerResponse): void {
    // POST only: a link or an image must not log anyone out (the Origin check above already
    // refused other sites' forms).
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' });
      res.end();
      return;
    }
    const sid = sessionFromCookie(req.headers.cookie);
    if (sid !== null) {
      // Logged only when a session ended: a made-up cookie posted in a loop writes nothing.
      if (a.logout(sid)) log(`logout from ${addressGroup(req.socket.remoteAddress ?? '')}`);
      sessionSockets.endSession(sid, 'logged out');
    }
    redirect(res, LOGIN_PATH, expiredSessionCookie(secure));
  }

  function sendJson(res: ServerResponse, value: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify(value));
  }

  async function serveStatic(pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      refuse(res, 400, 'bad path');
      return;
    }
    if (rel.includes('\0')) {
      refuse(res, 400, 'bad path');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = resolve(join(staticRoot, rel));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      refuse(res, 403, 'outside the app folder');
      return;
    }
    let info;
    try {
      info = await stat(file);
    } catch {
      info = null;
    }
    if (!info?.isFile()) {
      if (rel === '/index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Tessera: the renderer is not built (${join(staticRoot, 'index.html')} is missing). Run \`npm run build\`.\n`);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end('Not found\n');
      return;
    }
    const isIndex = rel === '/index.html';
    const headers = (size: number): Record<string, string> => ({
      'content-type': contentTypeFor(extname(file)),
      'content-length': String(size),
      'cache-control': isIndex ? 'no-store' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': HOST_CSP,
    });
    /** The file cannot be read now (out of file descriptors, gone since the stat, EIO): a 503. */
    const unavailable = (err: unknown): void => {
      log(`cannot serve ${rel}: ${err instanceof Error ? err.message : String(err)}`);
      refuse(res, 503, 'file unavailable, try again');
    };
    let bytes: Buffer | null;
    try {
      bytes = await staticFiles.get(file, info);
    } catch (err) {
      return unavailable(err);
    }
    if (bytes !== null) {
      res.writeHead(200, headers(bytes.length));
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    // Too large to keep in memory (only with --static): streamed. Opened before the headers go,
    // so a file that cannot be opened now (out of file descriptors, gone since the stat) is a
    // 503, not a 200 cut short.
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      return unavailable(err);
    }
    res.writeHead(200, headers(info.size));
    if (req.method === 'HEAD') {
      res.end();
      await handle.close();
      return;
    }
    // pipeline, not pipe: a read error (EIO) must end this response, not the process (an
    // unhandled 'error' on the file stream), and a response closed early must close the file.
    pipeline(handle.createReadStream(), res, (err) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`serving ${rel} failed: ${err.message}`);
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME, perMessageDeflate: false });

  const handshakes = secure ? new HandshakeRate(options.tlsHandshakeLimits) : null;
  server.on('connection', (socket: Socket) => {
    // Closed before its ClientHello is read: a handshake refused here costs nothing.
    if (handshakes && !handshakes.admit(addressGroup(socket.remoteAddress ?? '?'))) {
      socket.destroy();
      return;
    }
    if (!gate.admit(socket) || !secure) return;
    const key = socketKey(socket);
    tcpByKey.set(key, socket);
    socket.once('close', () => {
      if (tcpByKey.get(key) === socket) tcpByKey.delete(key);
    });
  });

  // Over HTTPS a request's socket is the TLS socket, while the gate admitted the TCP socket
  // beneath it: find that one (same remote address and port), or marking the request busy
  // would miss and a WebSocket could be dropped as waiting.
  const tcpByKey = new Map<string, Socket>();
  const tcpOfTls = new WeakMap<Socket, Socket>();
  server.on('secureConnection', (tlsSocket: Socket) => {
    const key = socketKey(tlsSocket);
    const tcp = tcpByKey.get(key);
    if (tcp) tcpOfTls.set(tlsSocket, tcp);
    tcpByKey.delete(key);
  });
  function gatedSocket(socket: Socket): Socket {
    return tcpOfTls.get(socket) ?? socket;
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    try {
      upgrade(req, socket, head);
    } catch (err) {
      // Nothing a client sends may take the host down: this handler runs outside any promise.
      log(`upgrade error: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
    }
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    gate.busy(gatedSocket(req.socket));
    const url = requestUrl(req);
    const checked = !url
      ? ({ ok: false, status: 400, reason: 'malformed request target' } as const)
      : url.pathname !== WS_PATH
        ? ({ ok: false, status: 400, reason: 'unknown endpoint' } as const)
        : auth
          ? authUpgrade(req, url)
          : checkRequest({ host: req.headers.host, origin: req.headers.origin, url }, config(), true);
    const verdict = checked.ok && wss.clients.size >= MAX_WS_CLIENTS ? ({ ok: false, status: 503, reason: `too many open Tessera tabs (${MAX_WS_CLIENTS})` } as const) : checked;
    if (!verdict.ok) {
      const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }[verdict.status];
      // Closed once the answer is written, whether or not the client closes its side: ended
      // only, the connection stayed half-open (and busy to the gate) for as long as the client
      // liked, and 128 refused upgrades from two addresses locked the UI out.
      socket.end(`HTTP/1.1 ${verdict.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${verdict.reason}\n`, () => socket.destroy());
      return;
    }
    const session = auth && url ? liveSession(req, url) : null;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (session !== null) sessionSockets.add(ws, session);
      // Added after the library's own 'data' listener: it sees each chunk once the library has
      // read it (incoming-frames.ts).
      const frames = incoming.open();
      socket.on('data', (chunk: Buffer) => {
        if (frames.feed(chunk)) return;
        log('dropping a WebSocket client whose message does not fit what all tabs may send at once');
        ws.terminate();
      });
      socket.once('close', () => frames.close());
      serveSocket(ws, frames, gatedSocket(req.socket));
    });
  }

  function authUpgrade(req: IncomingMessage, url: URL): ReturnType<typeof checkHost> {
    const verdict = hostAndOrigin(req);
    if (!verdict.ok) return verdict;
    return authorized(req, url) ? verdict : { ok: false, status: 401, reason: 'log in first' };
  }

  /** `tcp`: the TCP socket beneath the WebSocket (beneath TLS over HTTPS), whose write queue shows progress. */
  function serveSocket(ws: WebSocket, frames: IncomingFrames, tcp: Socket): void {
    const queue = tabQueues.open();
    const drained = new DrainProgress();
    const wrote = (): void => drained.wrote();
    /** Sends `message`; `sent` runs once it has left (or could not be sent). */
    const send = (message: HostMessage, sent?: () => void): void => {
      if (ws.readyState !== ws.OPEN) {
        sent?.();
        return;
      }
      if (queue.over(ws.bufferedAmount)) {
        log('dropping a WebSocket client that stopped reading');
        ws.terminate();
        sent?.();
        return;
      }
      const text = JSON.stringify(message);
      // A reply is counted apart so that one large answer being read is not taken for a tab
      // that stopped reading (tab-queue.ts).
      const left = message.kind === 'response' ? queue.reply(Buffer.byteLength(text)) : null;
      ws.send(text, () => (wrote(), left?.(), sent?.()));
    };
    const requests = new RequestWindow(MAX_REQUESTS_IN_FLIGHT, () => ws.pause(), () => ws.resume());
    const reply = (message: ResponseMessage): void => send(message, () => requests.end());
    const conn = options.service.connect((event) => send({ kind: 'event', event }));
    const tab: HeartbeatSocket = {
      get isPaused() {
        return ws.isPaused;
      },
      ping: () => ws.ping(undefined, undefined, wrote),
      terminate: (reason) => {
        if (reason === 'stuck') log('dropping a WebSocket client that took nothing it was sent through two heartbeats');
        ws.terminate();
      },
      drain: () => drained.sample({ queued: ws.bufferedAmount, inWrite: unsentOfWrite(tcp) }),
    };
    heartbeat.track(tab);
    // A pong in the middle of a message is no sign of life: a browser sends a message as one
    // frame (no pong can come until it is in), and a client that sends fragments with pongs
    // between would otherwise hold its part of what tabs may send at once for ever.
    ws.on('pong', () => {
      if (frames.holding === 0) heartbeat.seen(tab);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      heartbeat.seen(tab);
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawToString(data));
      } catch {
        ws.close(1007, 'not JSON');
        return;
      }
      requests.begin();
      let request;
      try {
        request = parseRequestMessage(parsed);
      } catch (err) {
        const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed && Number.isSafeInteger((parsed as { id: unknown }).id) ? (parsed as { id: number }).id : -1;
        reply({ kind: 'response', id, ok: false, error: { code: 'invalid-payload', message: err instanceof Error ? err.message : 'bad request' } });
        return;
      }
      void conn.handle(request.command, request.payload).then((answer) => {
        reply(answer.ok ? { kind: 'response', id: request.id, ok: true, result: answer.result } : { kind: 'response', id: request.id, ok: false, error: answer.error });
      });
    });
    const closed = (): void => {
      queue.close();
      heartbeat.forget(tab);
      conn.close();
      sessionSockets.remove(ws);
    };
    ws.on('close', closed);
    ws.on('error', closed);
  }

  port = await listenOn(server, bindHost, options.port ?? 0, options.portFallback ?? false);
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
  const url = `${secure ? 'https' : 'http'}://${urlHost(shownHost)}:${port}/?${TOKEN_PARAM}=${token}`;

  return {
    server,
    port,
    host: bindHost,
    token,
    url,
    close: async () => {
      if (sweep) clearInterval(sweep);
      stopHeartbeat();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs `tick` every `ms` (not keeping the process alive); returns what stops it. */
function everyMs(ms: number): (tick: () => void) => () => void {
  return (tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  };
}

/** Listens on `first`, or with `fallback` on one of the next ports or any free one when it is taken. */
async function listenOn(server: Server, host: string, first: number, fallback: boolean): Promise<number> {
  const tries = fallback && first !== 0 ? [...Array.from({ length: PORT_TRIES }, (_, i) => first + i).filter((p) => p <= 65535), 0] : [first];
  let lastError: unknown = null;
  for (const candidate of tries) {
    try {
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(candidate, host, () => {
          server.off('error', reject);
          resolveListen();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      lastError = err;
      if ((err as { code?: unknown }).code !== 'EADDRINUSE') break;
    }
  }
  throw lastError;
}

/** The login form: user name and password, URL-encoded. */
const MAX_LOGIN_BODY = 4096;

function lockedText(ms: number): string {
  return `Too many failed logins from this address: try again in ${Math.max(1, Math.ceil(ms / 60_000))} minute(s).`;
}

/** The request's target as a URL; null when it is not one (`//[`, `http://[x`: new URL throws). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

function socketKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a.startsWith('127.');
}

/** Whether the request announces a body (chunked, or a length above 0). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? '0') > 0;
}

/** The request body as text, or null when it is larger than `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
