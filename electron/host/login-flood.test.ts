/**
 * Remote web UI (auth mode) under a slow-login flood: connections that send a login form a byte
 * at a time stay droppable, so they cannot take every place in the connection gate. Before, a
 * request counted as served from its headers on: such bodies (cut at the request timeout and
 * sent again) kept the UI unreachable.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSession } from '../engine/service/fake-session.js';
import { TesseraService } from '../engine/service/index.js';
import { Auth, hashPassword } from './auth.js';
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
    host = await startHostServer({ service, staticDir: dir, port: 0, auth, connectionLimits: { maxConnections: 6, maxPerIp: 3 } });
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
});
