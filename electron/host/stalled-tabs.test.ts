/**
 * Tabs that stop reading share one bound (tab-queue.ts): with the host's 32 tabs open, one
 * that reads nothing is dropped once it holds about its 1/32 part, not 64 MiB of events.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerEvent } from '../../shared/contract/index.js';
import type { TesseraService } from '../engine/service/index.js';
import { MAX_WS_CLIENTS, startHostServer, type HostServer } from './server.js';
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
