/**
 * The web host's HTTP + WebSocket server: serves the built renderer and speaks the contract
 * over WebSocket through the same TesseraService the Electron shell uses. Every request
 * (page, asset, WebSocket upgrade) passes the Host, Origin and token checks in security.ts.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_TORRENT_FILE_BYTES, TOKEN_COOKIE, TOKEN_PARAM, WS_PATH, parseRequestMessage, type HostMessage } from '../../shared/contract/index.js';
import type { TesseraService } from '../engine/service/index.js';
import { checkRequest } from './security.js';
import { contentTypeFor } from '../../shared/content-type.js';

export interface HostServerOptions {
  service: TesseraService;
  /** Folder holding the built renderer (index.html + assets). */
  staticDir: string;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Access token (default: 32 random bytes, hex). */
  token?: string;
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

/** Bytes of base64 JSON a request may carry: the largest .torrent plus envelope. */
const MAX_FRAME = Math.ceil(MAX_TORRENT_FILE_BYTES / 3) * 4 + 64 * 1024;
/** A client that stops reading is dropped rather than buffered forever. */
const MAX_BUFFERED = 64 * 1024 * 1024;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  const log = options.log ?? (() => undefined);
  const staticRoot = resolve(options.staticDir);
  let port = 0;
  let cookieName = TOKEN_COOKIE;

  const config = () => ({ boundHost: bindHost, port, token, cookieName });

  const refuse = (res: ServerResponse, status: number, reason: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(
      status === 401
        ? `Tessera: ${reason}. Open the URL printed by \`npm run web\` (it ends with ?${TOKEN_PARAM}=…).\n`
        : `Tessera: request refused (${reason}).\n`,
    );
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      log(`http error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = checkRequest({ host: req.headers.host, origin: req.headers.origin, url, cookie: req.headers.cookie }, config());
    if (!verdict.ok) {
      refuse(res, verdict.status, verdict.reason);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (verdict.via === 'query') {
      // Trade the token in the URL for an HttpOnly cookie and drop it from the address bar.
      url.searchParams.delete(TOKEN_PARAM);
      const location = url.pathname + (url.search.length > 1 ? url.search : '');
      res.writeHead(303, {
        location,
        'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    if (url.pathname === WS_PATH) {
      refuse(res, 400, 'WebSocket endpoint: upgrade required');
      return;
    }
    await serveStatic(url.pathname, req, res);
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
    res.writeHead(200, {
      'content-type': contentTypeFor(extname(file)),
      'content-length': String(info.size),
      'cache-control': isIndex ? 'no-store' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': HOST_CSP,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict =
      url.pathname !== WS_PATH
        ? ({ ok: false, status: 400, reason: 'unknown endpoint' } as const)
        : checkRequest({ host: req.headers.host, origin: req.headers.origin, url, cookie: req.headers.cookie }, config());
    if (!verdict.ok) {
      const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' }[verdict.status];
      socket.end(`HTTP/1.1 ${verdict.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${verdict.reason}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    const send = (message: HostMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) {
        log('dropping a WebSocket client that stopped reading');
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(message));
    };
    const conn = options.service.connect((event) => send({ kind: 'event', event }));
    ws.on('message', (data: RawData, isBinary: boolean) => {
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
      let request;
      try {
        request = parseRequestMessage(parsed);
      } catch (err) {
        const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed && Number.isSafeInteger((parsed as { id: unknown }).id) ? (parsed as { id: number }).id : -1;
        send({ kind: 'response', id, ok: false, error: { code: 'invalid-payload', message: err instanceof Error ? err.message : 'bad request' } });
        return;
      }
      void conn.handle(request.command, request.payload).then((reply) => {
        send(reply.ok ? { kind: 'response', id: request.id, ok: true, result: reply.result } : { kind: 'response', id: request.id, ok: false, error: reply.error });
      });
    });
    ws.on('close', () => conn.close());
    ws.on('error', () => conn.close());
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  // Cookies are not port-specific: several hosts on one machine must not overwrite each other's.
  cookieName = `${TOKEN_COOKIE}_${port}`;
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
  const url = `http://${urlHost(shownHost)}:${port}/?${TOKEN_PARAM}=${token}`;

  return {
    server,
    port,
    host: bindHost,
    token,
    url,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
