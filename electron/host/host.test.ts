import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { allFilesRun, bytesToBase64, createWebSocketClient, type TesseraEvent, type WebSocketConstructor } from '../../shared/contract/index.js';
import { wsUpgrade } from '../../e2e/support/net.js';
import { FakeSession } from '../engine/service/fake-session.js';
import { TesseraService } from '../engine/service/index.js';
import { parseHostArgs } from './args.js';
import { webGateLimits } from './connection-gate.js';
import { checkHost, checkOrigin, checkToken, splitHostHeader } from './security.js';
import { HEADERS_TIMEOUT_MS, HEARTBEAT_MISSES, MAX_PIPELINED_REQUESTS, MAX_REQUESTS_IN_FLIGHT, MAX_WS_CLIENTS, REQUEST_TIMEOUT_MS, startHostServer, type HostServer } from './server.js';

describe('security checks', () => {
  const loop = { boundHost: '127.0.0.1', port: 8000 };
  it('Host: only the bound address / localhost / loopback on the bound port', () => {
    expect(checkHost('127.0.0.1:8000', loop).ok).toBe(true);
    expect(checkHost('localhost:8000', loop).ok).toBe(true);
    expect(checkHost('LOCALHOST:8000', loop).ok).toBe(true);
    expect(checkHost('[::1]:8000', loop).ok).toBe(true);
    expect(checkHost('evil.example:8000', loop)).toMatchObject({ ok: false, status: 403 });
    expect(checkHost('127.0.0.1.nip.io:8000', loop)).toMatchObject({ ok: false, status: 403 });
    expect(checkHost('localhost.evil.example:8000', loop)).toMatchObject({ ok: false });
    expect(checkHost('127.0.0.1:8001', loop)).toMatchObject({ ok: false, status: 403 });
    expect(checkHost('127.0.0.1', loop)).toMatchObject({ ok: false });
    expect(checkHost('192.168.1.2:8000', loop)).toMatchObject({ ok: false });
    expect(checkHost(undefined, loop)).toMatchObject({ ok: false, status: 400 });
    expect(checkHost('a:b:c', loop)).toMatchObject({ ok: false, status: 400 });
    expect(checkHost('', loop)).toMatchObject({ ok: false, status: 400 });
  });
  it('Host: a wildcard bind accepts IP literals but never foreign names', () => {
    const any = { boundHost: '0.0.0.0', port: 80 };
    expect(checkHost('192.168.1.2', any).ok).toBe(true);
    expect(checkHost('[fe80::1]', any).ok).toBe(true);
    expect(checkHost('rebind.example', any).ok).toBe(false);
  });
  it('Origin: absent or same-origin only', () => {
    expect(checkOrigin(undefined, loop).ok).toBe(true);
    expect(checkOrigin('http://127.0.0.1:8000', loop).ok).toBe(true);
    expect(checkOrigin('http://localhost:8000', loop).ok).toBe(true);
    expect(checkOrigin('http://evil.example', loop).ok).toBe(false);
    expect(checkOrigin('http://127.0.0.1:9999', loop).ok).toBe(false);
    expect(checkOrigin('null', loop).ok).toBe(false);
    expect(checkOrigin('file://', loop).ok).toBe(false);
    expect(checkOrigin('chrome-extension://abc', loop).ok).toBe(false);
    // The Origin must name the host the request was sent to.
    expect(checkOrigin('http://127.0.0.1:8000', loop, '127.0.0.1:8000').ok).toBe(true);
    expect(checkOrigin('http://localhost:8000', loop, '127.0.0.1:8000').ok).toBe(false);
  });
  it('Origin: with a wildcard bind, a page from another IP address on the port is refused', () => {
    const any = { boundHost: '0.0.0.0', port: 8000 };
    expect(checkOrigin('http://192.168.1.2:8000', any, '192.168.1.2:8000').ok).toBe(true);
    expect(checkOrigin('http://203.0.113.9:8000', any, '192.168.1.2:8000').ok).toBe(false);
    expect(checkOrigin('http://[fe80::1]:8000', any, '[FE80::1]:8000').ok).toBe(true);
  });
  it('token from the query only, constant-time compared; checked when present even where optional', () => {
    expect(checkToken('abc', 'abc', true)).toEqual({ ok: true });
    expect(checkToken('abd', 'abc', true).ok).toBe(false);
    expect(checkToken('abcd', 'abc', false).ok).toBe(false);
    expect(checkToken(null, 'abc', true).ok).toBe(false);
    expect(checkToken(null, 'abc', false).ok).toBe(true);
  });
  it('splitHostHeader', () => {
    expect(splitHostHeader('[::1]:80')).toEqual({ hostname: '::1', port: 80 });
    expect(splitHostHeader('[nope]:80')).toBeNull();
    expect(splitHostHeader('h:99999x')).toBeNull();
  });
});

describe('host args', () => {
  it('parses options and rejects unknown ones', () => {
    expect(parseHostArgs(['--port', '0', '--dir=/tmp/x', '--host', '::1', '--fake-engine'])).toMatchObject({ port: 0, dir: '/tmp/x', host: '::1', fakeEngine: true });
    expect(() => parseHostArgs(['--port', 'abc'])).toThrow(/port/);
    expect(() => parseHostArgs(['--port'])).toThrow(/port/);
    expect(() => parseHostArgs(['--dir'])).toThrow(/value/);
    expect(() => parseHostArgs(['--bogus'])).toThrow(/unknown/);
    expect(parseHostArgs(['--no-dht', '--dht-bootstrap', '127.0.0.1:6881', '--dht-bootstrap=[::1]:7'])).toMatchObject({ noDht: true, dhtBootstrap: ['127.0.0.1:6881', '[::1]:7'] });
    expect(() => parseHostArgs(['--dht-bootstrap', 'nope'])).toThrow(/host:port/);
  });
});

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host server', () => {
  let dir: string;
  let host: HostServer;
  let session: FakeSession;
  let service: TesseraService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-host-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    // A file whose read fails (EIO): stat calls it a regular file.
    await symlink('/proc/self/mem', join(dir, 'assets', 'unreadable.js'));
    await writeFile(join(dir, '..', 'tessera-secret.txt'), 'secret').catch(() => undefined);
    session = new FakeSession();
    service = new TesseraService({
      session,
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    host = await startHostServer({ service, staticDir: dir, port: 0 });
  });

  afterAll(async () => {
    await host.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL with the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a wrong token; the API needs the token', async () => {
    expect((await get(host.port, '/?token=wrong')).status).toBe(401);
    expect(await wsUpgrade(`ws://127.0.0.1:${host.port}/ws`, {})).toBe(401);
    expect(await wsUpgrade(`ws://127.0.0.1:${host.port}/ws?token=wrong`, {})).toBe(401);
  });

  it('sets no cookie, and a cookie carrying the token authenticates nothing', async () => {
    const first = await get(host.port, `/?token=${host.token}`);
    expect(first.status).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    const cookie = `tessera_token_${host.port}=${host.token}; tessera_token=${host.token}; token=${host.token}`;
    expect(await wsUpgrade(`ws://127.0.0.1:${host.port}/ws`, { cookie })).toBe(401);
  });

  it('serves the public app shell with CSP', async () => {
    const page = await get(host.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await get(host.port, '/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await get(host.port, '/../tessera-secret.txt')).status).not.toBe(200);
    expect((await get(host.port, '/%2e%2e/tessera-secret.txt')).status).toBe(404);
    expect((await get(host.port, '/assets%2f..%2f..%2ftessera-secret.txt')).status).toBe(403);
    expect((await get(host.port, '/missing.js')).status).toBe(404);
  });

  it('a file that fails to read answers 503, not the end of the host', async () => {
    expect((await get(host.port, '/assets/unreadable.js')).status).toBe(503);
    expect((await get(host.port, '/assets/app.js')).status).toBe(200);
  });

  it('streams the files it does not keep in memory, and a read error ends that response only', async () => {
    // Nothing kept: every file is streamed from disk.
    const streaming = await startHostServer({ service, staticDir: dir, port: 0, staticCacheLimits: { maxFileBytes: -1, maxTotalBytes: 0 } });
    try {
      const page = await get(streaming.port, '/assets/app.js');
      expect([page.status, page.body]).toEqual([200, 'console.log(1)']);
      await get(streaming.port, '/assets/unreadable.js').catch(() => undefined);
      expect((await get(streaming.port, '/assets/app.js')).status).toBe(200);
    } finally {
      await streaming.close();
    }
  });

  it(`answers ${MAX_PIPELINED_REQUESTS} pipelined requests, and closes a connection that pipelines more`, async () => {
    const one = `GET /assets/app.js HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`;
    const answers = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: host.port }, () => s.write(one.repeat(MAX_PIPELINED_REQUESTS)));
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.split('console.log(1)').length - 1 === MAX_PIPELINED_REQUESTS) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    expect(answers.match(/HTTP\/1\.1 200 /g)).toHaveLength(MAX_PIPELINED_REQUESTS);
    const flood = connect({ host: '127.0.0.1', port: host.port }, () => flood.write(one.repeat(1000)));
    flood.on('error', () => undefined);
    flood.resume();
    await expect.poll(() => flood.closed).toBe(true);
    expect((await get(host.port, '/assets/app.js')).status).toBe(200);
  });

  it('answers a request with an unwanted body and closes its connection instead of reading the body', async () => {
    const upload = connect({ host: '127.0.0.1', port: host.port }, () => {
      // A body that never ends.
      upload.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      upload.write(`10000\r\n${'a'.repeat(0x10000)}\r\n`);
    });
    let answer = '';
    upload.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    upload.on('error', () => undefined);
    await expect.poll(() => upload.closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 405 /);
    expect(answer.toLowerCase()).toContain('connection: close');
  });

  it('refuses a foreign Host (DNS rebinding) or Origin even with the token', async () => {
    expect((await get(host.port, `/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(403);
    expect((await get(host.port, `/?token=${host.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    const ws = `ws://127.0.0.1:${host.port}/ws`;
    expect(await wsUpgrade(ws, {})).toBe(401);
    expect(await wsUpgrade(`${ws}?token=${host.token}`, { host: `evil.example:${host.port}` })).toBe(403);
    expect(await wsUpgrade(`${ws}?token=${host.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await wsUpgrade(`${ws}?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` })).toBe('open');
  });

  it('speaks the contract over WebSocket (client → service → fake engine)', async () => {
    const client = createWebSocketClient({
      url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    const events: TesseraEvent[] = [];
    client.subscribe((e) => events.push(e));
    await expect.poll(() => events.some((e) => e.type === 'snapshot')).toBe(true);
    const added = await client.addTorrentFile({ fileName: 'a.torrent', data: bytesToBase64(new TextEncoder().encode('d1:ai1ee')) });
    expect(added.duplicate).toBe(false);
    await expect(client.addTorrentFile({ fileName: 'x.png', data: bytesToBase64(new Uint8Array([1, 2, 3])) })).rejects.toMatchObject({ code: 'invalid-torrent' });
    await expect(client.addMagnet({ uri: 'magnet:?xt=urn:btih:nothex' })).rejects.toMatchObject({ code: 'invalid-torrent' });
    await expect(client.pause({ infoHash: 'NOT A HASH' })).rejects.toMatchObject({ code: 'invalid-payload' });
    await client.watchPieces({ infoHash: added.infoHash });
    await expect.poll(() => events.some((e) => e.type === 'piecesSnapshot')).toBe(true);
    const t = session.get(added.infoHash);
    t?.receiveBlock(0);
    await expect.poll(() => events.some((e) => e.type === 'piecesDelta')).toBe(true);
    expect(events.some((e) => e.type === 'torrentAdded')).toBe(true);
    expect((await client.getSettings()).downloadDir).toBe(dir);
    client.close();
  });

  it('takes file priorities over WebSocket as packed runs, and from older callers as a list', async () => {
    const client = createWebSocketClient({
      url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    const events: TesseraEvent[] = [];
    client.subscribe((e) => events.push(e));
    try {
      await expect.poll(() => events.some((e) => e.type === 'snapshot')).toBe(true);
      const added = await client.addTorrentFile({ fileName: 'p.torrent', data: bytesToBase64(new TextEncoder().encode('d1:pi1ee')) });
      const t = session.get(added.infoHash)!;
      await client.setFilePriorities({ infoHash: added.infoHash, runs: allFilesRun(2, 2) });
      expect(t.priorities).toEqual([2, 2]);
      await client.setFilePriorities({ infoHash: added.infoHash, priorities: [{ index: 0, priority: 0 }] });
      expect(t.priorities).toEqual([0, 2]);
      // Malformed or past the torrent: refused with the reason, nothing changed, the tab still served.
      await expect(client.setFilePriorities({ infoHash: added.infoHash, runs: 'AwEAAA==' })).rejects.toMatchObject({ code: 'invalid-payload', message: expect.stringContaining('unknown priority 3') });
      await expect(client.setFilePriorities({ infoHash: added.infoHash, runs: allFilesRun(750_000, 1) })).rejects.toMatchObject({ code: 'invalid-payload', message: expect.stringContaining('out of range') });
      expect(t.priorities).toEqual([0, 2]);
      expect((await client.getSettings()).downloadDir).toBe(dir);
    } finally {
      client.close();
    }
  });

  it('answers malformed frames without dying', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
    await new Promise((r) => ws.on('open', r));
    const replies: string[] = [];
    ws.on('message', (d) => replies.push(String(d)));
    ws.send(JSON.stringify({ kind: 'request', id: 7, command: 'nope', payload: {} }));
    await expect.poll(() => replies.length).toBeGreaterThan(0);
    expect(JSON.parse(replies[0] ?? '{}')).toMatchObject({ id: 7, ok: false, error: { code: 'invalid-payload' } });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send('{not json');
    expect(await closed).toBe(1007);
    expect((await get(host.port, `/?token=${host.token}`)).status).toBe(200);
  });

  it('answers a request target that is no URL with 400, before any check, and keeps serving', async () => {
    for (const target of ['//[/ws', 'http://[x/ws']) {
      for (const upgrade of [true, false]) {
        const head = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n` + (upgrade ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : 'Connection: close\r\n');
        expect(await rawStatusLine(host.port, head + '\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      }
    }
    expect((await get(host.port, `/?token=${host.token}`)).status).toBe(200);
  });
});

/** Sends `request` as it is and resolves with the first line of the answer. */
function rawStatusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(request));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        s.destroy();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

describe('web host under a connection flood', () => {
  let dir: string;
  let host: HostServer;
  let service: TesseraService;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-host-flood-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    host = await startHostServer({ service, staticDir: dir, port: 0, connectionLimits: { maxConnections: 6, maxPerIp: 3 } });
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await host.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A slowloris connection: request headers begun and never finished. */
  function slow(localAddress: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: host.port, localAddress }, () => {
        s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nX-Slow: 1`);
        resolve(s);
      });
      s.on('error', reject);
      s.resume();
      sockets.push(s);
    });
  }

  it('times out slow request headers', () => {
    expect(host.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(host.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
  });

  it('drops the oldest unfinished connections of an IP, and the UI still answers from it and from others', async () => {
    const flood: Socket[] = [];
    for (let i = 0; i < 10; i++) flood.push(await slow('127.0.0.2'));
    await expect.poll(() => flood.filter((s) => s.closed).length).toBe(7);
    expect((await get(host.port, '/')).status).toBe(200);
    const fromSameIp = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: '/', localAddress: '127.0.0.2', headers: { host: `127.0.0.1:${host.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(fromSameIp).toBe(200);
    const spread: Socket[] = [];
    for (let i = 0; i < 12; i++) spread.push(await slow(`127.0.0.${3 + (i % 4)}`));
    await expect.poll(() => [...flood, ...spread].filter((s) => !s.closed).length).toBeLessThanOrEqual(6);
    expect((await get(host.port, '/')).status).toBe(200);
  });

  it('closes a refused WebSocket upgrade even when the client keeps its side open, so such refusals cannot fill the gate', async () => {
    const small = await startHostServer({ service, staticDir: dir, port: 0, connectionLimits: { maxConnections: 4, maxPerIp: 2 } });
    const held: Socket[] = [];
    try {
      for (const localAddress of ['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3']) {
        const s = connect({ host: '127.0.0.1', port: small.port, localAddress, allowHalfOpen: true }, () =>
          s.write(`GET /ws?token=wrong HTTP/1.1\r\nHost: 127.0.0.1:${small.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
        );
        s.on('error', () => undefined);
        held.push(s);
      }
      // Each refused (the clients read the answer but never end their side) …
      await Promise.all(held.map((s) => new Promise((r) => s.once('data', r))));
      // … and the server's side of each is gone all the same.
      await expect.poll(() => new Promise<number>((r) => small.server.getConnections((_, n) => r(n)))).toBe(0);
      expect((await get(small.port, '/')).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
      await small.close();
    }
  });

  it(`caps WebSocket clients at ${MAX_WS_CLIENTS}`, async () => {
    const roomy = await startHostServer({ service, staticDir: dir, port: 0 });
    const url = `ws://127.0.0.1:${roomy.port}/ws?token=${roomy.token}`;
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < MAX_WS_CLIENTS; i++) {
        const ws = new WebSocket(url);
        await new Promise((r) => ws.on('open', r));
        open.push(ws);
      }
      expect(await wsUpgrade(url, {})).toBe(503);
      const first = open.shift();
      const closed = new Promise((r) => first?.on('close', r));
      first?.close();
      await closed;
      await expect.poll(() => wsUpgrade(url, {})).toBe('open');
    } finally {
      for (const ws of open) ws.terminate();
      await roomy.close();
    }
  });
});

describe('web host over HTTPS under a connection flood', () => {
  it('never drops a WebSocket for newcomers (the gate finds the TCP socket beneath the TLS one)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-host-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate (scripts/ensure-deps.sh installs it): ${String(made.stderr)}`);
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    const tls = { cert: await readFile(join(dir, 'cert.pem')), key: await readFile(join(dir, 'key.pem')) };
    const host = await startHostServer({ service, staticDir: dir, port: 0, tls, connectionLimits: { maxConnections: 8, maxPerIp: 3 } });
    const idle: Socket[] = [];
    const ws = new WebSocket(`wss://127.0.0.1:${host.port}/ws?token=${host.token}`, { rejectUnauthorized: false });
    try {
      await new Promise((resolve, reject) => {
        ws.on('open', resolve);
        ws.on('error', reject);
      });
      let wsClosed = false;
      ws.on('close', () => (wsClosed = true));
      // Four idle connections from the same address, one over its limit of 3 with the WebSocket:
      // two of them must go, and never the WebSocket.
      for (let i = 0; i < 4; i++) {
        const s = connect({ host: '127.0.0.1', port: host.port });
        s.on('error', () => undefined);
        idle.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      await expect.poll(() => idle.filter((s) => s.closed).length + (wsClosed ? 1 : 0)).toBeGreaterThanOrEqual(2);
      expect(wsClosed).toBe(false);
      expect(idle.filter((s) => s.closed)).toHaveLength(2);
    } finally {
      for (const s of idle) s.destroy();
      ws.terminate();
      await host.close();
      await service.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('web connection limits from the open-file limit', () => {
  it('take an eighth of it, at most 128 (64 per address)', () => {
    expect(webGateLimits(1024)).toEqual({ maxConnections: 128, maxPerIp: 64 });
    expect(webGateLimits(256)).toEqual({ maxConnections: 32, maxPerIp: 16 });
    expect(webGateLimits(20)).toEqual({ maxConnections: 16, maxPerIp: 8 });
  });
});

describe('web host under a request flood from one tab', () => {
  it(`reads at most ~${MAX_REQUESTS_IN_FLIGHT} requests ahead of their replies, and answers every one in the end`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-host-requests-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    // Every settings save waits until released: the flood's requests stay in flight.
    let release = (): void => undefined;
    const saved = new Promise<void>((r) => (release = r));
    const service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      saveSettings: () => saved,
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    let handled = 0;
    const counting: Pick<TesseraService, 'connect'> = {
      connect: (send) => {
        const conn = service.connect(send);
        return {
          handle: (command, payload) => {
            handled++;
            return conn.handle(command, payload);
          },
          close: () => conn.close(),
        };
      },
    };
    const host = await startHostServer({ service: counting, staticDir: dir, port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
    try {
      await new Promise((r) => ws.on('open', r));
      const replied = new Set<number>();
      ws.on('message', (d) => replied.add((JSON.parse(String(d)) as { id: number }).id));
      const total = 2000;
      // 2 KiB frames (JSON allows the padding): a socket read holds ~30 of them.
      const padding = ' '.repeat(2048);
      for (let id = 0; id < total; id++) ws.send(JSON.stringify({ kind: 'request', id, command: 'setSettings', payload: { notifyOnComplete: id % 2 === 0 } }) + padding);
      await expect.poll(() => handled).toBeGreaterThanOrEqual(MAX_REQUESTS_IN_FLIGHT);
      // Time for the host to read what it would: without the bound, all 4 MiB.
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
      expect(handled).toBeLessThanOrEqual(2 * MAX_REQUESTS_IN_FLIGHT);
      expect(replied.size).toBe(0);
      release();
      await expect.poll(() => replied.size, { timeout: 20_000 }).toBe(total);
      expect(handled).toBe(total);
    } finally {
      ws.terminate();
      await host.close();
      await service.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('web host heartbeat', () => {
  it('drops a tab that answers no ping, and keeps one that does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-host-heartbeat-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    const host = await startHostServer({ service, staticDir: dir, port: 0, heartbeatMs: 150 });
    const url = `ws://127.0.0.1:${host.port}/ws?token=${host.token}`;
    // A client gone without a word: it never answers a ping.
    const gone = new WebSocket(url, { autoPong: false });
    const alive = new WebSocket(url);
    try {
      let pings = 0;
      alive.on('ping', () => pings++);
      let goneClosed = false;
      gone.on('close', () => (goneClosed = true));
      await Promise.all([gone, alive].map((ws) => new Promise((r) => ws.on('open', r))));
      await expect.poll(() => goneClosed, { timeout: 10_000 }).toBe(true);
      await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(2 * HEARTBEAT_MISSES + 1);
      expect(alive.readyState).toBe(WebSocket.OPEN);
    } finally {
      gone.terminate();
      alive.terminate();
      await host.close();
      await service.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
