import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../e2e/support/test-utils.js';
import { MAX_PEERS_PER_SENDER, PeerStore } from './peer-store.js';

const HASH = 'ab'.repeat(20);

describe('PeerStore bounds against hostile announcers', () => {
  it('one sender announcing many ports cannot push out the peers of other senders', () => {
    const store = new PeerStore();
    for (let i = 1; i <= 20; i++) store.add(HASH, { host: `10.0.0.${i}`, port: 6881 });
    let accepted = 0;
    for (let port = 1; port <= 500; port++) if (store.add(HASH, { host: '203.0.113.9', port })) accepted++;
    const peers = store.get(HASH, 1000);
    expect(peers.filter((peer) => peer.host.startsWith('10.0.0.'))).toHaveLength(20);
    expect(accepted).toBe(MAX_PEERS_PER_SENDER);
    // What it already has, it may refresh.
    expect(store.add(HASH, { host: '203.0.113.9', port: 1 })).toBe(true);
  });

  it('counts an IPv6 /64 as one sender', () => {
    const store = new PeerStore({ maxPeersPerSender: 4 });
    for (let i = 1; i <= 10; i++) store.add(HASH, { host: `2001:db8:1:2::${i.toString(16)}`, port: 6881 });
    expect(store.peerCount).toBe(4);
    expect(store.add(HASH, { host: '2001:db8:1:3::1', port: 6881 })).toBe(true);
  });

  it('holds at most maxPeers entries however many senders announce, and takes new ones once old ones expire', () => {
    const time = manualClock(1_000_000);
    const store = new PeerStore({ now: time.now, ttlMs: 60_000, maxPeers: 100 });
    for (let i = 0; i < 1000; i++) store.add((i % 50).toString(16).padStart(40, '0'), { host: `198.51.${i >> 8}.${i & 0xff}`, port: 6881 });
    expect(store.peerCount).toBe(100);
    expect(store.add(HASH, { host: '192.0.2.1', port: 1 })).toBe(false);
    time.advance(60_000);
    expect(store.add(HASH, { host: '192.0.2.1', port: 1 })).toBe(true);
    expect(store.peerCount).toBe(1);
  });
});
