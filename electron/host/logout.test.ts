/**
 * Logging out of the remote web UI (auth mode): POST /logout ends the session, forgets the
 * cookie, and closes the tabs opened with it; the session then opens nothing. Before, a
 * WebSocket opened with a session stayed authorised after the session ended.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeSession } from '../engine/service/fake-session.js';
import { TesseraService } from '../engine/service/index.js';
import { Auth, hashPassword, SESSION_COOKIE } from './auth.js';
import { LOGOUT_PATH, SESSION_PATH } from '../../shared/contract/index.js';
import { startHostServer, type HostServer } from './server.js';
import { SESSION_ENDED_CLOSE_CODE } from '../../shared/contract/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const origin = `http://127.0.0.1:${port}`;
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, origin, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function openTab(port: number, sid: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${sid}`, { headers: { origin: `http://127.0.0.1:${port}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('web UI logout', () => {
  let dir: string;
  let host: HostServer;
  let service: TesseraService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-logout-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    // Low scrypt cost: this checks sessions, not the hash's strength.
    const auth = new Auth({ username: 'admin', password: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
    host = await startHostServer({ service, staticDir: dir, port: 0, auth });
  });

  afterAll(async () => {
    await host.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function logIn(): Promise<string> {
    const r = await send(host.port, 'POST', '/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'username=admin&password=pw');
    expect(r.status).toBe(303);
    const cookie = String(r.headers['set-cookie']);
    const sid = new RegExp(`${SESSION_COOKIE}=([0-9a-f]{64})`).exec(cookie)?.[1];
    if (!sid) throw new Error(`no session cookie in ${cookie}`);
    return sid;
  }

  it('tells the page whether it holds a login session', async () => {
    const sid = await logIn();
    expect(JSON.parse((await send(host.port, 'GET', SESSION_PATH, { cookie: `${SESSION_COOKIE}=${sid}` })).body)).toEqual({ login: true });
    expect(JSON.parse((await send(host.port, 'GET', SESSION_PATH)).body)).toEqual({ login: false });
    expect(JSON.parse((await send(host.port, 'GET', `${SESSION_PATH}?token=${host.token}`)).body)).toEqual({ login: false });
  });

  it('ends the session, forgets the cookie and closes its tabs, and only its tabs', async () => {
    const sid = await logIn();
    const other = await logIn();
    const [tab1, tab2, otherTab] = await Promise.all([openTab(host.port, sid), openTab(host.port, sid), openTab(host.port, other)]);
    const closes = [tab1, tab2].map((ws) => new Promise<number>((r) => ws.once('close', (code) => r(code))));
    let otherClosed = false;
    otherTab.once('close', () => (otherClosed = true));

    const out = await send(host.port, 'POST', LOGOUT_PATH, { cookie: `${SESSION_COOKIE}=${sid}` });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly`));
    expect(await Promise.all(closes)).toEqual([SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_CLOSE_CODE]);

    // The ended session opens neither the page nor the API; the other session still does.
    const page = await send(host.port, 'GET', '/', { cookie: `${SESSION_COOKIE}=${sid}` });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    await expect(openTab(host.port, sid)).rejects.toThrow(/401/);
    expect(otherClosed).toBe(false);
    expect(otherTab.readyState).toBe(WebSocket.OPEN);
    otherTab.close();
  });

  it('takes POST only: a link or an image cannot log anyone out', async () => {
    const sid = await logIn();
    const r = await send(host.port, 'GET', LOGOUT_PATH, { cookie: `${SESSION_COOKIE}=${sid}` });
    expect(r.status).toBe(405);
    const page = await send(host.port, 'GET', '/', { cookie: `${SESSION_COOKIE}=${sid}` });
    expect(page.headers.location).toBe(`/?token=${sid}`);
  });

  it('refuses a logout posted by another site', async () => {
    const sid = await logIn();
    const r = await send(host.port, 'POST', LOGOUT_PATH, { cookie: `${SESSION_COOKIE}=${sid}`, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const page = await send(host.port, 'GET', '/', { cookie: `${SESSION_COOKIE}=${sid}` });
    expect(page.headers.location).toBe(`/?token=${sid}`);
  });
});
