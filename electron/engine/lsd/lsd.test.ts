import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerAddress } from '../api.js';
import { LocalServiceDiscovery } from './lsd.js';
import { SenderLimits } from './sender-limits.js';
import { formatLsdAnnounce } from './lsd-message.js';

// No sockets here (start() is never called): multicast is tested between network namespaces
// in e2e/interop/lsd-libtorrent.test.ts. These cover the throttle and the datagram filter.
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

afterEach(() => vi.useRealTimers());

describe('LocalServiceDiscovery', () => {
  it('announces a torrent at most once per minimum interval', async () => {
    vi.useFakeTimers();
    const lsd = new LocalServiceDiscovery({ port: () => 6881, eligible: () => [A, B], minIntervalMs: 60_000 });
    expect(lsd.announce([A])).toEqual([A]);
    expect(lsd.announce([A, B, B])).toEqual([B]);
    vi.advanceTimersByTime(59_999);
    expect(lsd.announce([A, B])).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(lsd.announce([A, B])).toEqual([A, B]);
    lsd.forget(A);
    expect(lsd.announce([A])).toEqual([A]);
    await lsd.close();
    expect(lsd.announce([B])).toEqual([]);
  });

  it('reports peers from other clients, ignores its own cookie, link-local senders and garbage', () => {
    const lsd = new LocalServiceDiscovery({ port: () => 6881, eligible: () => [] });
    const peers: Array<[string, PeerAddress]> = [];
    const warnings: string[] = [];
    lsd.on('peer', (h, p) => peers.push([h, p]));
    lsd.on('warning', (w) => warnings.push(w));
    lsd.onMessage(formatLsdAnnounce('239.192.152.143', 51413, [A, B], 'other'), { address: '10.77.0.2' });
    lsd.onMessage(formatLsdAnnounce('ff15::efc0:988f', 1, [A], 'x'), { address: 'fe80::1%veth0' });
    lsd.onMessage(Buffer.from('NOTIFY * HTTP/1.1\r\n\r\n'), { address: '10.77.0.3' });
    expect(peers).toEqual([
      [A, { host: '10.77.0.2', port: 51413 }],
      [B, { host: '10.77.0.2', port: 51413 }],
    ]);
    expect(warnings).toEqual(['LSD: from 10.77.0.3: not a BT-SEARCH request']);
    // Our own announce, looped back by the kernel, carries our cookie.
    const own: string[] = [];
    const probe = new LocalServiceDiscovery({ port: () => 1, eligible: () => [] });
    probe.on('peer', (h) => own.push(h));
    probe.onMessage(formatLsdAnnounce('239.192.152.143', 1, [A], probe.cookie), { address: '10.77.0.1' });
    expect(own).toEqual([]);
  });

  it("limits each sender on its own: one host's garbage does not crowd out another's announce", () => {
    const clock = { now: 5_000_500 };
    const lsd = new LocalServiceDiscovery({ port: () => 6881, eligible: () => [], now: () => clock.now });
    const peers: string[] = [];
    lsd.on('peer', (_h, p) => peers.push(p.host));
    lsd.on('warning', () => undefined);
    for (let i = 0; i < 60; i++) lsd.onMessage(Buffer.from('junk'), { address: '192.168.1.66' });
    lsd.onMessage(formatLsdAnnounce('239.192.152.143', 51413, [A], 'other'), { address: '192.168.1.20' });
    expect(peers).toEqual(['192.168.1.20']);
  });

  it('warns about a sender of malformed datagrams at most once a minute', () => {
    const clock = { now: 5_000_000 };
    const lsd = new LocalServiceDiscovery({ port: () => 6881, eligible: () => [], now: () => clock.now });
    const warnings: string[] = [];
    lsd.on('warning', (w) => warnings.push(w));
    const junk = (address: string): void => lsd.onMessage(Buffer.from('junk'), { address });
    for (let i = 0; i < 10; i++) junk('192.168.1.66');
    junk('192.168.1.67');
    expect(warnings).toEqual(['LSD: from 192.168.1.66: not a BT-SEARCH request', 'LSD: from 192.168.1.67: not a BT-SEARCH request']);
    clock.now += 59_000;
    junk('192.168.1.66');
    expect(warnings).toHaveLength(2);
    clock.now += 1_000;
    junk('192.168.1.66');
    expect(warnings).toHaveLength(3);
  });

  it('remembers a bounded number of senders', () => {
    const limits = new SenderLimits({ perSenderPerSecond: 1, totalPerSecond: 1e9, warnIntervalMs: 60_000, maxSenders: 4, now: () => 0 });
    for (let i = 0; i < 100; i++) expect(limits.allow(`10.0.0.${i}`)).toBe(true);
    expect(limits.trackedSenders).toBe(4);
    // The most recent senders are still limited; a forgotten one starts afresh.
    expect(limits.allow('10.0.0.99')).toBe(false);
    expect(limits.allow('10.0.0.1')).toBe(true);
  });

  it('handles at most 50 datagrams a second', () => {
    vi.useFakeTimers();
    const lsd = new LocalServiceDiscovery({ port: () => 6881, eligible: () => [] });
    let count = 0;
    lsd.on('peer', () => count++);
    for (let i = 0; i < 200; i++) lsd.onMessage(formatLsdAnnounce('239.192.152.143', 1000 + i, [A], 'o'), { address: '10.0.0.9' });
    expect(count).toBe(50);
    vi.advanceTimersByTime(1000);
    lsd.onMessage(formatLsdAnnounce('239.192.152.143', 1, [A], 'o'), { address: '10.0.0.9' });
    expect(count).toBe(51);
  });
});
