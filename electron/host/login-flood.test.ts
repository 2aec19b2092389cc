/**
 * Remote web UI (auth mode) under a slow-login flood: connections that send a login form a byte
 * at a time stay droppable, so they cannot take every place in the connection gate. Before, a
 * request counted as served from its headers on: such bodies (cut at the request timeout and
 * sent again) kept the UI unreachable. And neither such a flood nor a guessing loop fills the log.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSession } from '../engine/service/fake-session.js';
import { TesseraService } from '../engine/service/index.js';
import { Auth, hashPassword, MAX_FAILURES, SESSION_COOKIE } from './auth.js';
import { startHostServer, type HostServer } from './server.js';

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('remote web UI under a slow-login flood', () => {
  let dir: string;
  let host: HostServer;
  let service: TesseraService;
  const flood: Socket[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-login-flood-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    // Low scrypt cost: no login is ever checked here.
    const auth = new Auth({ username: 'admin', password: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
    host = await startHostServer({ service, staticDir: dir, port: 0, auth, connectionLimits: { maxConnections: 6, maxPerIp: 3 }, log: (line) => logged.push(line) });
  });

  afterAll(async () => {
    for (const s of flood) s.destroy();
    await host.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops the trickling login forms for the page, which answers', async () => {
    let requests = 0;
    host.server.on('request', () => requests++);
    for (const localAddress of ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.3']) {
      const s = connect({ host: '127.0.0.1', port: host.port, localAddress }, () =>
        // 1000 bytes announced, one sent: the rest never comes.
        s.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu`),
      );
      s.on('error', () => undefined);
      s.resume();
      flood.push(s);
    }
    // Every form's headers are in: the gate is full of requests waiting for their bodies.
    await expect.poll(() => requests).toBe(6);
    expect(await status(host.port, '/login')).toBe(200);
    expect(flood.filter((s) => s.closed).length).toBeGreaterThanOrEqual(1);
  });

  it('writes no log line for a connection that went away mid-form (a stranger would fill the log)', async () => {
    await expect.poll(() => flood.some((s) => s.closed)).toBe(true);
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(logged.filter((line) => line.includes('error'))).toEqual([]);
  });
});

describe('remote web UI under a password-guessing loop', () => {
  it(`logs at most ${MAX_FAILURES} failed logins per lock-out however many forms come, and no logout of a made-up session`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-login-guess-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    const auth = new Auth({ username: 'admin', password: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
    const logged: string[] = [];
    const host = await startHostServer({ service, staticDir: dir, port: 0, auth, log: (line) => logged.push(line) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3 * MAX_FAILURES; i++) statuses.push(await postLogin(host.port, `username=admin&password=guess${i}`));
      expect(statuses.slice(-1)).toEqual([429]);
      expect(logged.filter((line) => line.startsWith('failed login'))).toHaveLength(MAX_FAILURES);
      // Nor does a made-up session cookie posted to /logout.
      for (let i = 0; i < 10; i++) expect(await postLogin(host.port, '', '/logout', `${SESSION_COOKIE}=${'ab'.repeat(32)}`)).toBe(303);
      expect(logged.filter((line) => line.startsWith('logout'))).toEqual([]);
    } finally {
      await host.close();
      await service.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function postLogin(port: number, form: string, path = '/login', cookie = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length), ...(cookie ? { cookie } : {}) };
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}
