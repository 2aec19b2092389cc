/**
 * Create torrent through the web host: like every command it needs an authorised WebSocket (a
 * login session in auth mode), and its job's events reach only the tab that started it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HostMessage } from '../../shared/contract/index.js';
import { FakeSession } from '../engine/service/fake-session.js';
import { TesseraService } from '../engine/service/index.js';
import { Auth, hashPassword, SESSION_COOKIE } from './auth.js';
import { startHostServer, type HostServer } from './server.js';

function logIn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/login', method: 'POST', headers: { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res.resume();
        const sid = new RegExp(`${SESSION_COOKIE}=([0-9a-f]{64})`).exec(String(res.headers['set-cookie']))?.[1];
        if (sid) resolve(sid);
        else reject(new Error(`no session (status ${res.statusCode})`));
      },
    );
    req.on('error', reject);
    req.end('username=admin&password=pw');
  });
}

/** Opens a tab's socket; resolves with it and its messages, or rejects with the refusal's status. */
function openTab(port: number, token: string): Promise<{ ws: WebSocket; messages: HostMessage[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { headers: { origin: `http://127.0.0.1:${port}` } });
    const messages: HostMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as HostMessage));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('createTorrent over the web host', () => {
  let dir: string;
  let host: HostServer;
  let service: TesseraService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-host-create-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'data.bin'), Buffer.alloc(50_000, 9));
    service = new TesseraService({
      session: new FakeSession(),
      settings: { downloadDir: dir, listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    const auth = new Auth({ username: 'admin', password: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
    host = await startHostServer({ service, staticDir: dir, port: 0, auth });
  });

  afterAll(async () => {
    await host.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a socket without a login session; a logged-in tab creates, and only it hears of the job', async () => {
    await expect(openTab(host.port, '0'.repeat(64))).rejects.toThrow(/refused: 401/);
    const sid = await logIn(host.port);
    const tab = await openTab(host.port, sid);
    const other = await openTab(host.port, sid);
    const request = { sourcePath: join(dir, 'data.bin'), format: 'v1', pieceLength: null, trackerTiers: [], webSeeds: [], source: '', comment: '', private: false, startSeeding: false };
    tab.ws.send(JSON.stringify({ kind: 'request', id: 1, command: 'createTorrent', payload: request }));
    await until(() => tab.messages.some((m) => m.kind === 'event' && m.event.type === 'torrentCreation' && m.event.state === 'done'));
    const reply = tab.messages.find((m) => m.kind === 'response');
    expect(reply).toMatchObject({ kind: 'response', id: 1, ok: true, result: { id: expect.any(String) } });
    // The other tab asked for nothing: a round trip on it shows nothing of the job reached it.
    other.ws.send(JSON.stringify({ kind: 'request', id: 2, command: 'getSettings', payload: {} }));
    await until(() => other.messages.some((m) => m.kind === 'response'));
    expect(other.messages.filter((m) => m.kind === 'event')).toEqual([]);
    tab.ws.close();
    other.ws.close();
  });
});
