import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeHandshake } from '../wire/handshake.js';
import { torrentByReq2Among } from '../wire/mse/mse-common.js';
import { addressGroup, connectionLimits, fairSharePerTorrent, readFdLimit } from './connection-limits.js';
import { Listener } from './listener.js';

const infoHash = randomBytes(20);
const hello = encodeHandshake(infoHash, randomBytes(20));

const opened: net.Socket[] = [];
const listeners: Listener[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  for (const l of listeners.splice(0)) await l.close();
});

/** A client socket from `localAddress`, resolved once connected; `closed` turns true once the server dropped it. */
function dial(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    opened.push(socket);
    socket.on('error', reject);
    // Reading lets the server's FIN close the socket.
    socket.resume();
  });
}

async function start(limits: { maxConnections: number; maxPending: number; maxPendingPerIp: number }) {
  const routed: net.Socket[] = [];
  const warnings: string[] = [];
  const listener = new Listener(
    (socket) => routed.push(socket),
    (m) => warnings.push(m),
    torrentByReq2Among(() => [infoHash]),
    () => 'allow',
    { fdLimit: 1024, ...limits },
  );
  listeners.push(listener);
  const port = await listener.listen(0, '127.0.0.1');
  return { listener, port, routed, warnings };
}

describe('connection limits from the open-file limit', () => {
  it('reads the soft limit from /proc/self/limits text and keeps connections to half of it', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n';
    expect(readFdLimit(text)).toBe(1024);
    expect(readFdLimit('nothing here')).toBeNull();
    expect(connectionLimits(1024, 65_535)).toEqual({ fdLimit: 1024, maxConnections: 512, maxPending: 64, maxPendingPerIp: 8 });
    expect(connectionLimits(64)).toEqual({ fdLimit: 64, maxConnections: 32, maxPending: 8, maxPendingPerIp: 8 });
    expect(connectionLimits(null).fdLimit).toBe(1024);
  });
  it('keeps to the global maximum the user set (500 by default, as qBittorrent), under half the open-file limit', () => {
    // Node raises the soft limit to the hard one: 1,048,576 here allowed 65,536 connections.
    expect(connectionLimits(1_048_576).maxConnections).toBe(500);
    expect(connectionLimits(1_048_576, 2000).maxConnections).toBe(2000);
    expect(connectionLimits(1024, 2000).maxConnections).toBe(512);
    expect(connectionLimits(1024, 1)).toMatchObject({ maxConnections: 1, maxPending: 2, maxPendingPerIp: 2 });
  });
  it('splits the session-wide limit among the torrents that hold connections', () => {
    expect(fairSharePerTorrent(512, 0)).toBe(512);
    expect(fairSharePerTorrent(512, 1)).toBe(512);
    expect(fairSharePerTorrent(512, 20)).toBe(25);
    expect(20 * fairSharePerTorrent(512, 20)).toBeLessThanOrEqual(512);
    expect(fairSharePerTorrent(512, 1000)).toBe(2);
  });
  it('counts IPv4 addresses one by one and IPv6 ones by /64', () => {
    expect(addressGroup('127.0.0.2')).toBe('127.0.0.2');
    expect(addressGroup('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressGroup('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressGroup('2001:DB8:0:1:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('fe80:0000:0000:0000:1::')).toBe('fe80:0:0:0::/64');
  });
});

describe('Listener under a connection flood', () => {
  it('caps half-open connections per IP and in all, dropping the oldest', async () => {
    const { listener, port } = await start({ maxConnections: 100, maxPending: 4, maxPendingPerIp: 2 });
    const fromOne: net.Socket[] = [];
    for (let i = 0; i < 5; i++) fromOne.push(await dial(port, '127.0.0.2'));
    await expect.poll(() => fromOne.filter((s) => s.closed).length).toBe(3);
    expect(fromOne.slice(3).every((s) => !s.closed)).toBe(true);
    expect(listener.stats()).toMatchObject({ pending: 2, incoming: 2, dropped: 3 });

    const others: net.Socket[] = [];
    for (const ip of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) others.push(await dial(port, ip));
    await expect.poll(() => listener.stats().dropped).toBe(4);
    expect(listener.stats().pending).toBe(4);
    await expect.poll(() => fromOne.filter((s) => s.closed).length).toBe(4);
    expect(others.every((s) => !s.closed)).toBe(true);
  });

  it('a peer still handshaking is not evicted by a flood from a few other addresses, and gets through', async () => {
    const { listener, port, routed, warnings } = await start({ maxConnections: 100, maxPending: 8, maxPendingPerIp: 4 });
    const peer = await dial(port, '127.0.1.1');
    await expect.poll(() => listener.stats().pending).toBe(1);
    for (let i = 0; i < 60; i++) await dial(port, `127.0.0.${2 + (i % 4)}`);
    await expect.poll(() => listener.stats().dropped).toBe(53);
    expect(peer.closed).toBe(false);
    peer.write(hello);
    await expect.poll(() => routed.length).toBe(1);
    expect(routed[0]?.remoteAddress).toBe('127.0.1.1');
    expect(listener.stats().pending).toBeLessThanOrEqual(8);
    expect(warnings.filter((w) => w.includes('dropped')).length).toBe(1);
  });

  it('connections handed to torrents count against the session-wide cap until they close', async () => {
    const { listener, port, routed } = await start({ maxConnections: 3, maxPending: 2, maxPendingPerIp: 2 });
    const peers: net.Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const peer = await dial(port, `127.0.2.${i + 1}`);
      peer.write(hello);
      peers.push(peer);
      await expect.poll(() => routed.length).toBe(i + 1);
    }
    const refused = await dial(port, '127.0.2.9');
    await expect.poll(() => refused.closed).toBe(true);
    expect(listener.stats()).toMatchObject({ incoming: 3, pending: 0, dropped: 1 });
    routed[0]?.destroy();
    await expect.poll(() => listener.stats().incoming).toBe(2);
    const next = await dial(port, '127.0.2.10');
    next.write(hello);
    await expect.poll(() => routed.length).toBe(4);
  });

  it('a lower global maximum applies to the next connections; those held stay', async () => {
    const { listener, port, routed } = await start({ maxConnections: 3, maxPending: 2, maxPendingPerIp: 2 });
    for (let i = 0; i < 2; i++) {
      const peer = await dial(port, `127.0.3.${i + 1}`);
      peer.write(hello);
      await expect.poll(() => routed.length).toBe(i + 1);
    }
    listener.setMaxConnections(1);
    expect(listener.limits.maxConnections).toBe(1);
    const refused = await dial(port, '127.0.3.9');
    await expect.poll(() => refused.closed).toBe(true);
    expect(listener.stats()).toMatchObject({ incoming: 2, dropped: 1 });
    listener.setMaxConnections(10);
    const next = await dial(port, '127.0.3.10');
    next.write(hello);
    await expect.poll(() => routed.length).toBe(3);
  });

  it('falls back to the next free port when asked to, and fails on a taken port otherwise', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const busy = (taken.address() as net.AddressInfo).port;
    try {
      const exact = new Listener(() => undefined, () => undefined, torrentByReq2Among(() => []));
      await expect(exact.listen(busy, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const flexible = new Listener(() => undefined, () => undefined, torrentByReq2Among(() => []));
      listeners.push(flexible);
      const got = await flexible.listen(busy, '127.0.0.1', true);
      expect(got).not.toBe(busy);
      expect(got).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});

describe('Listener on both address families', () => {
  /** Connects to host:port, sends a handshake and resolves once the listener routed it. */
  async function handshakeVia(host: string, port: number, routed: net.Socket[]): Promise<string | undefined> {
    const before = routed.length;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(s));
      opened.push(s);
      s.on('error', reject);
    });
    socket.write(hello);
    await expect.poll(() => routed.length).toBe(before + 1);
    return routed[before]?.remoteAddress;
  }

  it('by default accepts IPv4 and IPv6 peers on one port, each seen with its own address', async () => {
    const routed: net.Socket[] = [];
    const listener = new Listener((socket) => routed.push(socket), () => undefined, torrentByReq2Among(() => [infoHash]));
    listeners.push(listener);
    const port = await listener.listen(0);
    expect(listener.families).toEqual([4, 6]);
    expect(await handshakeVia('127.0.0.1', port, routed)).toBe('127.0.0.1');
    expect(await handshakeVia('::1', port, routed)).toBe('::1');
  });

  it('listens on IPv4 only, and says so, where IPv6 cannot be bound', async () => {
    const original = net.Server.prototype.listen;
    const spy = vi.spyOn(net.Server.prototype, 'listen').mockImplementation(function (this: net.Server, ...args: unknown[]) {
      const options = args[0] as net.ListenOptions;
      if (options.host === '::') {
        const err = Object.assign(new Error('address family not supported'), { code: 'EAFNOSUPPORT' });
        process.nextTick(() => this.emit('error', err));
        return this;
      }
      return (original as (...a: unknown[]) => net.Server).apply(this, args);
    });
    try {
      const routed: net.Socket[] = [];
      const warnings: string[] = [];
      const listener = new Listener((socket) => routed.push(socket), (m) => warnings.push(m), torrentByReq2Among(() => [infoHash]));
      listeners.push(listener);
      const port = await listener.listen(0);
      expect(listener.families).toEqual([4]);
      expect(warnings).toEqual(['listener: no IPv6 (EAFNOSUPPORT); listening on IPv4 only']);
      expect(await handshakeVia('127.0.0.1', port, routed)).toBe('127.0.0.1');
    } finally {
      spy.mockRestore();
    }
  });

  it('an IPv6 literal host listens on that address only', async () => {
    const routed: net.Socket[] = [];
    const listener = new Listener((socket) => routed.push(socket), () => undefined, torrentByReq2Among(() => [infoHash]));
    listeners.push(listener);
    const port = await listener.listen(0, '::1');
    expect(listener.families).toEqual([6]);
    expect(await handshakeVia('::1', port, routed)).toBe('::1');
  });
});

describe('Listener.close', () => {
  it('returns while connections handed to torrents are still open, and frees the port at once', async () => {
    const routed: net.Socket[] = [];
    const listener = new Listener((socket) => routed.push(socket), () => undefined, torrentByReq2Among(() => [infoHash]));
    const port = await listener.listen(0, '127.0.0.1');
    const peer = await dial(port);
    peer.write(hello);
    await expect.poll(() => routed.length).toBe(1);
    // The torrent still holds its connection: closing the listener must not wait for it.
    await listener.close();
    expect(routed[0]?.destroyed).toBe(false);
    const again = new Listener(() => undefined, () => undefined, torrentByReq2Among(() => []));
    listeners.push(again);
    expect(await again.listen(port, '127.0.0.1')).toBe(port);
    routed[0]?.destroy();
  });
});
