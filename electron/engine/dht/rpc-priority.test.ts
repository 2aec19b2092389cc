/**
 * Our own queries go ahead of background ones (ping-backs to strangers), and background ones
 * get only a small share of the outgoing queue. Everything stays on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeMessage } from './krpc.js';
import { DhtSendError, KrpcSocket } from './rpc.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  while (open.length) await open.pop()!();
});

/** A UDP socket that records the method of every query it receives, in order. */
async function recorder(): Promise<{ port: number; methods: string[]; next: () => Promise<void> }> {
  const methods: string[] = [];
  let waiting: (() => void) | null = null;
  const socket: Socket = createSocket('udp4');
  socket.on('message', (data) => {
    const decoded = decodeMessage(data);
    if (decoded.ok && decoded.message.type === 'query') methods.push(decoded.message.method);
    waiting?.();
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  open.push(() => new Promise<void>((r) => socket.close(() => r())));
  return {
    port: socket.address().port,
    methods,
    next: () => new Promise<void>((r) => (waiting = r)),
  };
}

describe('KrpcSocket query priority', () => {
  it('sends a queued normal query before background ones queued earlier, and caps the background queue', async () => {
    // Fake timers and clock: the outgoing bucket refills only when the test says so.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const rpc = new KrpcSocket({ host: '127.0.0.1', port: 0, ownId: new Uint8Array(20).fill(1), timeoutMs: 600_000, limits: { queriesPerSecond: 1 } });
    await rpc.bind();
    open.push(() => rpc.close());
    const peer = await recorder();
    const to = { host: '127.0.0.1', port: peer.port };
    const settle = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'answered', (e: unknown) => e);

    let arrived = peer.next();
    void settle(rpc.query(to, { method: 'ping' })); // takes the only token: sent now
    await arrived;
    const background = Array.from({ length: 40 }, () => settle(rpc.query(to, { method: 'ping' }, 'background')));
    void settle(rpc.query(to, { method: 'find_node', target: new Uint8Array(20) }));
    // 32 background queries wait; the other 8 were dropped at once.
    const dropped = (await Promise.race([Promise.all(background.slice(32)), new Promise((r) => setImmediate(r, null))])) as unknown[] | null;
    expect(dropped?.every((e) => e instanceof DhtSendError)).toBe(true);
    expect(rpc.stats()).toMatchObject({ queued: 1, backgroundQueued: 32 });

    arrived = peer.next();
    vi.advanceTimersByTime(1000); // one more token
    await arrived;
    expect(peer.methods).toEqual(['ping', 'find_node']);
    expect(rpc.stats()).toMatchObject({ queued: 0, backgroundQueued: 32 });

    arrived = peer.next();
    vi.advanceTimersByTime(1000);
    await arrived;
    expect(peer.methods).toEqual(['ping', 'find_node', 'ping']);
    expect(rpc.stats().backgroundQueued).toBe(31);
  });
});
