/**
 * Tabs that stop reading share one bound (tab-queue.ts): with the host's 32 tabs open, one
 * that reads nothing is dropped once it holds about its 1/32 part, not 64 MiB of events.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerEvent } from '../../shared/contract/index.js';
import type { TesseraService } from '../engine/service/index.js';
import { sleep, waitUntil } from '../../e2e/support/test-utils.js';
import { Auth, hashPassword, SESSION_COOKIE } from './auth.js';
import { HEARTBEAT_MISSES, MAX_REQUESTS_IN_FLIGHT, MAX_WS_CLIENTS, startHostServer, type HostServer } from './server.js';
import { ALL_TABS_QUEUE_BYTES } from './tab-queue.js';

const MiB = 1024 * 1024;

describe('tabs that stop reading', () => {
  let dir: string;
  let host: HostServer;
  /** Each tab's event sender, in the order the tabs connected (null once the host closed it). */
  const senders: ((event: ServerEvent) => void)[] = [];
  const closedTabs = new Set<number>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-stalled-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const service: Pick<TesseraService, 'connect'> = {
      connect: (send) => {
        const i = senders.push(send) - 1;
        return { handle: () => Promise.resolve({ ok: true, result: null } as never), close: () => closedTabs.add(i) };
      },
    };
    host = await startHostServer({ service, staticDir: dir, port: 0, log: () => undefined });
  });

  afterAll(async () => {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops a tab that holds more than its part of the shared total', async () => {
    const tabs: WebSocket[] = [];
    for (let i = 0; i < MAX_WS_CLIENTS; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      tabs.push(ws);
    }
    const stalled = tabs[0]!;
    stalled.pause();
    const event = { type: 'log', message: 'x'.repeat(MiB) } as unknown as ServerEvent;
    const part = ALL_TABS_QUEUE_BYTES / MAX_WS_CLIENTS;
    // 1 MiB events until the host drops the tab: within its part plus what the loopback
    // socket's kernel buffers absorb (a few MiB), far below the old per-tab 64 MiB.
    let pushed = 0;
    while (!closedTabs.has(0) && pushed < 64) {
      senders[0]!(event);
      pushed++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(closedTabs.has(0)).toBe(true);
    expect(pushed * MiB).toBeLessThan(part + 24 * MiB);
    for (const ws of tabs) ws.terminate();
  });
});

/**
 * A logged-in tab that fires requests and never reads: its requests fill the window, the host
 * stops reading it (so no pong of its is read), and before, nothing but the 256 MiB queue bound
 * ever dropped it — on a quiet host it kept its tab place and its replies (+440 MiB RSS measured
 * with 1 MiB replies) for good. The heartbeat now drops a tab that takes nothing queued for it
 * through HEARTBEAT_MISSES ticks, and keeps one that reads slowly. Ticks are driven by hand.
 */
describe('a logged-in tab that never reads', () => {
  const REPLY = 64 * 1024;
  let dir: string;
  let host: HostServer;
  let tick: () => void = () => undefined;
  let handled = 0;
  let closedConnections = 0;
  const senders: ((event: ServerEvent) => void)[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-unread-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const service: Pick<TesseraService, 'connect'> = {
      connect: (send) => {
        senders.push(send);
        return {
          handle: () => {
            handled++;
            return Promise.resolve({ ok: true, result: { padding: 'x'.repeat(REPLY) } } as never);
          },
          close: () => closedConnections++,
        };
      },
    };
    const auth = new Auth({ username: 'admin', password: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
    host = await startHostServer({ service, staticDir: dir, port: 0, auth, log: (m) => logs.push(m), heartbeatTicks: (t) => ((tick = t), () => undefined) });
  });

  afterAll(async () => {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function logIn(): Promise<WebSocket> {
    const origin = `http://127.0.0.1:${host.port}`;
    const sid = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: '/login', method: 'POST', headers: { host: `127.0.0.1:${host.port}`, origin, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        const found = new RegExp(`${SESSION_COOKIE}=([0-9a-f]{64})`).exec(String(res.headers['set-cookie']))?.[1];
        if (found) resolve(found);
        else reject(new Error(`no session (${res.statusCode})`));
      });
      req.on('error', reject);
      req.end('username=admin&password=pw');
    });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${sid}`, { headers: { origin } });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    return ws;
  }

  it('is dropped once it takes nothing it was sent through the heartbeat, paused as it is', async () => {
    const ws = await logIn();
    ws.pause();
    const before = closedConnections;
    // ~19 MiB of replies: more than the kernel's buffers take from a reader that reads nothing
    // (~4 MiB), so that more than the window's requests wait for their reply to leave, and less
    // than the tab's part of the queue bound, so only the heartbeat can drop it.
    const requests = 300;
    for (let id = 0; id < requests; id++) ws.send(JSON.stringify({ kind: 'request', id, command: 'getSettings', payload: {} }));
    // Read in one or more socket reads: the host stops reading once the window is full.
    await waitUntil('the request window to fill', () => handled >= MAX_REQUESTS_IN_FLIGHT);
    let ticks = 0;
    // The host's side: a paused client does not read the close either.
    while (closedConnections === before) {
      tick();
      ticks++;
      await sleep(10);
    }
    ws.terminate();
    // Dropped for taking nothing (not by the queue bound, not as silent: it was not read).
    expect(logs.filter((m) => m.startsWith('dropping'))).toEqual(['dropping a WebSocket client that took nothing it was sent through two heartbeats']);
    // Counted from the first tick that saw it stalled: at least a grace tick and HEARTBEAT_MISSES.
    expect(ticks).toBeGreaterThanOrEqual(HEARTBEAT_MISSES + 1);
  });

  it('keeps a tab that reads slowly, megabytes behind at every tick', async () => {
    const ws = await logIn();
    const send = senders.at(-1)!;
    const before = closedConnections;
    let marker = -1;
    ws.on('message', (data) => {
      const text = String(data);
      const m = /"marker (\d+)"/.exec(text.slice(0, 200));
      if (m) {
        marker = Number(m[1]);
        ws.pause();
      }
    });
    ws.pause();
    const filler = { type: 'log', message: 'y'.repeat(1024 * 1024) } as unknown as ServerEvent;
    for (let i = 0; i < 4 * HEARTBEAT_MISSES + 4; i++) {
      tick();
      // A marker, then 8 MiB it has not read by the next tick; it reads up to the marker only.
      // The marker, queued after this tick, reaching it means something left since the tick.
      send({ type: 'log', message: `marker ${i}` } as unknown as ServerEvent);
      for (let k = 0; k < 8; k++) send(filler);
      ws.resume();
      await waitUntil(`marker ${i}`, () => marker === i || closedConnections !== before);
    }
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(closedConnections).toBe(before);
    ws.terminate();
  });
});
