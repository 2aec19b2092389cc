/**
 * WebSocket transport for the web host (browser WebSocket; no Node). Reconnects with backoff,
 * rejects pending commands with code 'disconnected' when the socket drops, and (through
 * createClient) re-subscribes and re-watches after reconnecting.
 */
import { createClient, createPreloadClient, isPreloadBridge, type TesseraClient } from './client.js';
import type { CommandName } from './commands.js';
import { PRELOAD_GLOBAL, SESSION_ENDED_CLOSE_CODE, TOKEN_PARAM, WS_PATH, parseHostMessage, type RequestMessage } from './protocol.js';
import { goToLogin } from './login-navigation.js';

/** The subset of the browser WebSocket API used here (the `ws` package's class fits too). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'close', listener: (event: { code: number }) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketClientOptions {
  /** ws:// or wss:// URL of the host's endpoint, token included (see webSocketUrl). */
  url: string;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** Per-command timeout in ms (default 60 s). */
  timeoutMs?: number;
  /** Reconnect after the socket closes (default true). */
  reconnect?: boolean;
  /** The host closed the socket because its login session ended: no reconnect; the page shows the login. */
  onSessionEnded?: () => void;
}

const OPEN = 1;

/**
 * The WebSocket URL for a page served by the web host: same host, path WS_PATH, and the
 * access token (`token`, else the page's `?token=`).
 */
export function webSocketUrl(pageHref: string, token: string | null = null): string {
  const page = new URL(pageHref);
  const url = new URL(WS_PATH, page);
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  token ??= page.searchParams.get(TOKEN_PARAM);
  url.search = '';
  if (token) url.searchParams.set(TOKEN_PARAM, token);
  url.hash = '';
  return url.toString();
}

export function createWebSocketClient(options: WebSocketClientOptions): TesseraClient {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('No WebSocket implementation available');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const reconnect = options.reconnect ?? true;

  let socket: WebSocketLike | null = null;
  let nextId = 1;
  let closed = false;
  let attempt = 0;
  const pending = new Map<number, { resolve: (reply: unknown) => void; timer: ReturnType<typeof setTimeout> }>();
  let onEvent: (raw: unknown) => void = () => undefined;
  let onStatus: (status: 'connecting' | 'open' | 'closed') => void = () => undefined;

  const failAll = (message: string): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.resolve({ ok: false, error: { code: 'disconnected', message } });
    }
  };

  const connect = (): void => {
    onStatus('connecting');
    const ws = new Ctor(options.url);
    socket = ws;
    ws.addEventListener('open', () => {
      attempt = 0;
      onStatus('open');
    });
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let parsed;
      try {
        parsed = parseHostMessage(JSON.parse(event.data));
      } catch {
        return;
      }
      if (parsed.kind === 'event') {
        onEvent(parsed.event);
        return;
      }
      const p = pending.get(parsed.id);
      if (!p) return;
      pending.delete(parsed.id);
      clearTimeout(p.timer);
      p.resolve(parsed.ok ? { ok: true, result: parsed.result } : { ok: false, error: parsed.error });
    });
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', (event) => {
      if (socket !== ws) return;
      socket = null;
      failAll('Lost the connection to Tessera');
      onStatus('closed');
      if (event.code === SESSION_ENDED_CLOSE_CODE && options.onSessionEnded) {
        // Reconnecting would present the ended session again, refused for ever.
        closed = true;
        options.onSessionEnded();
        return;
      }
      if (closed || !reconnect) return;
      const delay = Math.min(5_000, 250 * 2 ** attempt++);
      setTimeout(() => {
        if (!closed) connect();
      }, delay);
    });
  };

  return createClient({
    invoke(command: CommandName, payload: unknown): Promise<unknown> {
      return new Promise((resolve) => {
        const ws = socket;
        if (!ws || ws.readyState !== OPEN) {
          resolve({ ok: false, error: { code: 'disconnected', message: 'Not connected to Tessera' } });
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'disconnected', message: `No reply to ${command} within ${timeoutMs} ms` } });
        }, timeoutMs);
        pending.set(id, { resolve, timer });
        const message: RequestMessage = { kind: 'request', id, command, payload };
        ws.send(JSON.stringify(message));
      });
    },
    listen(eventListener, statusListener) {
      onEvent = eventListener;
      onStatus = statusListener;
      connect();
    },
    close() {
      closed = true;
      failAll('Connection closed');
      socket?.close(1000, 'client closed');
    },
  });
}

const TOKEN_STORAGE_KEY = 'tessera.token';

interface PageGlobals {
  location?: { href: string; assign?(url: string): void };
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  history?: { replaceState(data: unknown, unused: string, url?: string): void };
}

/**
 * The web host's access token for this page: taken from `?token=` when the printed address is
 * opened, then kept in sessionStorage (per origin, so per port: a cookie would go to every
 * server on 127.0.0.1) and removed from the address bar, so a reload still has it.
 */
export function takePageToken(g: PageGlobals): string | null {
  if (!g.location) return null;
  const page = new URL(g.location.href);
  const fromUrl = page.searchParams.get(TOKEN_PARAM);
  let stored: string | null = null;
  try {
    if (fromUrl) g.sessionStorage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
    stored = g.sessionStorage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    // storage disabled: the token stays in the address bar
    return fromUrl;
  }
  if (fromUrl && stored === fromUrl) {
    page.searchParams.delete(TOKEN_PARAM);
    g.history?.replaceState(null, '', page.pathname + page.search + page.hash);
  }
  return fromUrl ?? stored;
}

/**
 * Picks the transport: the Electron preload bridge when present (`window.tessera`), else a
 * WebSocket to the host that served this page.
 */
export function connectTessera(): TesseraClient {
  const g = globalThis as Record<string, unknown> & PageGlobals;
  const bridge = g[PRELOAD_GLOBAL];
  if (isPreloadBridge(bridge)) return createPreloadClient(bridge);
  if (!g.location) throw new Error('Tessera: neither the Electron preload nor a page location is available');
  const token = takePageToken(g as PageGlobals);
  if (!token) throw new Error(`this page needs its access token: open the address printed by \`npm run web\` (it ends with ?${TOKEN_PARAM}=…)`);
  const location = g.location;
  return createWebSocketClient({ url: webSocketUrl(location.href, token), onSessionEnded: () => goToLogin(location) });
}
