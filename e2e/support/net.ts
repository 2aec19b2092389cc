/** Ports and reachability on 127.0.0.1 and ::1 (never any other address). */
import { connect, createServer } from 'node:net';
import WebSocket from 'ws';

/** A port the OS says is free right now on `host` (small race until the caller binds it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Fails loudly (never skips) on a machine whose loopback has no ::1. */
export async function requireIpv6Loopback(): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(new Error(`IPv6 loopback ::1 is not usable here (${err.message}); these tests need it (\`ip -6 addr show lo\`)`)));
    probe.listen(0, '::1', resolve);
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** True once a TCP connect to host:port succeeds. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Poll until host:port accepts connections; `alive` may abort early (e.g. the process exited). */
export async function waitForListening(host: string, port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`process died before ${host}:${port} was listening`);
    if (await canConnect(host, port, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${host}:${port} was not listening within ${timeoutMs} ms`);
}

/** Opens a WebSocket to `url` with these headers: 'open', or the HTTP status of the refusal (0 when the connection failed). */
export function wsUpgrade(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', () => resolve(0));
  });
}
