/**
 * Tabs that start a large message and stop share one bound (incoming-frames.ts): before, each
 * of the 32 tabs could hold a 21 MiB message in progress (31 such tabs: 692 MiB RSS). A tab
 * whose message the shared pool cannot take is closed at its frame header; one tab can still
 * send the largest message the host takes while the others hold their own parts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_TORRENT_FILE_BYTES } from '../../shared/contract/index.js';
import type { TesseraService } from '../engine/service/index.js';
import { MAX_FRAME, SHARED_INCOMING_BYTES, TAB_INCOMING_BYTES } from './incoming-frames.js';
import { MAX_WS_CLIENTS, startHostServer, type HostServer } from './server.js';

/** A masked (key 0) text frame's header announcing `length` bytes. */
function frameHeader(length: number): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x81;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** A WebSocket opened by hand, so that it can send part of a frame. */
function rawTab(port: number, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () =>
      s.write(
        `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    let answer = '';
    const onData = (d: Buffer): void => {
      answer += d.toString('latin1');
      if (!answer.includes('\r\n\r\n')) return;
      s.off('data', onData);
      s.resume();
      if (answer.startsWith('HTTP/1.1 101')) resolve(s);
      else reject(new Error(answer.split('\r\n')[0]));
    };
    s.on('data', onData);
    s.on('error', () => undefined);
    s.once('close', () => reject(new Error('closed before the upgrade')));
  });
}

async function openTab(port: number, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return ws;
}

/** Sends a request and waits for its reply (or the tab's close). */
function ask(ws: WebSocket, id: number, command: string, payload: unknown): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const text = String(data);
      if (!text.includes(`"id":${id}`)) return;
      ws.off('message', onMessage);
      resolve(text);
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => resolve(`closed ${code}`));
    ws.send(JSON.stringify({ kind: 'request', id, command, payload }));
  });
}

describe('tabs that stop in the middle of a message', () => {
  let dir: string;
  let host: HostServer;
  const raw: Socket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-stalled-senders-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const service: Pick<TesseraService, 'connect'> = {
      connect: () => ({ handle: () => Promise.resolve({ ok: true, result: null } as never), close: () => undefined }),
    };
    host = await startHostServer({ service, staticDir: dir, port: 0, log: () => undefined });
  });

  afterAll(async () => {
    for (const s of raw) s.destroy();
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('closes a tab whose large message the shared pool cannot take, at its header', async () => {
    const fits = Math.floor(SHARED_INCOMING_BYTES / (MAX_FRAME - TAB_INCOMING_BYTES));
    const big = await Promise.all(Array.from({ length: fits + 1 }, () => rawTab(host.port, host.token)));
    raw.push(...big);
    const closed = new Set<Socket>();
    for (const s of big) {
      s.once('close', () => closed.add(s));
      s.write(frameHeader(MAX_FRAME));
    }
    // Only the one whose header came when the pool was taken is closed.
    await expect.poll(() => closed.size).toBe(1);
    const tab = await openTab(host.port, host.token);
    expect(await ask(tab, 1, 'getSettings', {})).toContain('"ok":true');
    tab.terminate();
    expect(closed.size).toBe(1);
    for (const s of closed) raw.splice(raw.indexOf(s), 1);
  });

  it('takes the largest message from one tab while the others hold their own parts', async () => {
    // One of the two large messages in progress arrives whole (a request padded with spaces):
    // its reply comes once the host has read it, and the pool has room for one again.
    const finished = raw[0]!;
    const request = Buffer.from(JSON.stringify({ kind: 'request', id: 9, command: 'getSettings', payload: {} }));
    const replied = new Promise<void>((resolve) => finished.on('data', (d: Buffer) => d.includes('"id":9') && resolve()));
    finished.write(Buffer.concat([request, Buffer.alloc(MAX_FRAME - request.length, 0x20)]));
    await replied;
    // The rest hold what a tab may without the pool (one place left for the previous test's tab, closing).
    const others = await Promise.all(Array.from({ length: MAX_WS_CLIENTS - raw.length - 2 }, () => rawTab(host.port, host.token)));
    raw.push(...others);
    for (const s of others) s.write(Buffer.concat([frameHeader(TAB_INCOMING_BYTES), Buffer.alloc(TAB_INCOMING_BYTES - 1, 0x20)]));
    const tab = await openTab(host.port, host.token);
    const data = Buffer.alloc(MAX_TORRENT_FILE_BYTES, 1).toString('base64');
    expect(await ask(tab, 2, 'addTorrentFile', { fileName: 'large.torrent', data })).toContain('"ok":true');
    tab.terminate();
    expect(raw.filter((s) => s.closed)).toEqual([]);
  });
});

describe('a tab that stops between the fragments of a message', () => {
  it('is dropped by the heartbeat though it answers every ping (its pongs are no sign of life mid-message)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-stalled-fragments-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const service: Pick<TesseraService, 'connect'> = {
      connect: () => ({ handle: () => Promise.resolve({ ok: true, result: null } as never), close: () => undefined }),
    };
    const host = await startHostServer({ service, staticDir: dir, port: 0, heartbeatMs: 200, log: () => undefined });
    try {
      const tab = await rawTab(host.port, host.token);
      // Answers each ping (an unmasked server frame 0x89) with a masked pong carrying its payload.
      let pongs = 0;
      tab.on('data', (data: Buffer) => {
        for (let at = 0; at + 2 <= data.length; at += 2 + (data[at + 1]! & 0x7f)) {
          if (data[at] !== 0x89) continue;
          const payload = data.subarray(at + 2, at + 2 + (data[at + 1]! & 0x7f));
          tab.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
          pongs++;
        }
      });
      // The first fragment of a message beyond the tab's own part, whole; the rest never comes.
      const fragment = frameHeader(2 * TAB_INCOMING_BYTES);
      fragment[0] = 0x01;
      tab.write(Buffer.concat([fragment, Buffer.alloc(2 * TAB_INCOMING_BYTES, 0x20)]));
      await new Promise((resolve) => tab.once('close', resolve));
      expect(pongs).toBeGreaterThan(0);
    } finally {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
