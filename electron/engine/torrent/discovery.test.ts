import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { DhtPeer } from '../dht/index.js';
import type { AnnounceClient } from '../tracker/index.js';
import type { AnnounceParams, AnnounceResult } from '../tracker/types.js';
import { Discovery, type DiscoveryHost, type TorrentDht } from './discovery.js';
import { DHT_SOURCE, trackerSource } from './peer-candidates.js';

/** A DHT whose lookups the test finishes by hand. */
class FakeDht implements TorrentDht {
  readonly lookups: Array<(peers: DhtPeer[]) => void> = [];
  readonly announces: Array<(peers: DhtPeer[]) => void> = [];

  async *getPeers(): AsyncGenerator<DhtPeer, void, undefined> {
    const peers = await new Promise<DhtPeer[]>((resolve) => this.lookups.push(resolve));
    yield* peers;
  }

  readonly announced: Buffer[] = [];

  announce(infoHash: Uint8Array): Promise<{ peers: DhtPeer[] }> {
    this.announced.push(Buffer.from(infoHash));
    return new Promise((resolve) => this.announces.push((peers) => resolve({ peers })));
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A tracker that answers every announce at once, with one peer per info-hash. */
class FakeTracker implements AnnounceClient {
  readonly hashes: string[] = [];
  /** Every announce as `url event`. */
  readonly calls: string[] = [];
  announce(url: string, params: AnnounceParams): Promise<AnnounceResult> {
    this.hashes.push(Buffer.from(params.infoHash).toString('hex'));
    this.calls.push(`${url} ${params.event}`);
    const port = params.infoHash[0]!;
    return Promise.resolve({ interval: 1800, minInterval: null, peers: [P(port)], complete: null, incomplete: null, warning: null, trackerId: null });
  }
  close(): void {}
}

function setup(secondHash: Buffer | null = null, trackerClient: AnnounceClient | null = null) {
  const dht = new FakeDht();
  const found: PeerAddress[] = [];
  const sources = new Set<string>();
  /** Each peer found as `source address`. */
  const named: string[] = [];
  const host: DiscoveryHost = {
    infoHash: Buffer.alloc(20, 7),
    peerId: Buffer.alloc(20, 8),
    listenPort: 6881,
    trackerClient,
    dht,
    announceStats: () => ({ uploaded: 0, downloaded: 0, left: 1 }),
    found: (peers, source) => {
      found.push(...peers);
      sources.add(source);
      for (const p of peers) named.push(`${source} ${p.host}:${p.port}`);
    },
    warn: () => undefined,
    secondHash: () => secondHash,
  };
  return { dht, found, sources, named, discovery: new Discovery(host) };
}

const P = (port: number): PeerAddress => ({ host: '127.0.0.1', port });
/** Peer P(port) as the DHT found it: named by the node at `node` (null: announced to our own node). */
const D = (port: number, node: string | null = '192.0.2.1'): DhtPeer => ({ ...P(port), from: node === null ? null : { host: node, port: 6881 } });

describe('Discovery', () => {
  it('streams the first DHT lookup, then announces', async () => {
    const { dht, found, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    expect(dht.lookups).toHaveLength(1);
    dht.lookups[0]!([D(1), D(2)]);
    await settle();
    expect(found).toEqual([P(1), P(2)]); // plain addresses: the node that named one is not handed on
    expect(dht.announces).toHaveLength(1);
    dht.announces[0]!([D(3)]);
    await settle();
    expect(found).toEqual([P(1), P(2), P(3)]);
    await discovery.stop();
  });

  it("names each DHT peer's source after the network of the node that named it (its own share and turn in the candidate list)", async () => {
    const { dht, named, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    dht.lookups[0]!([D(1, '192.0.2.1'), D(2, '192.0.2.200'), D(3, '198.51.100.7'), D(4, null), D(5, '2001:db8:1:2::9'), D(6, '2001:db8:1:ffff::1')]);
    await settle();
    dht.announces[0]!([D(7, '203.0.113.1'), D(8, '192.0.2.9'), D(9, '::ffff:203.0.113.5')]);
    await settle();
    expect(named).toEqual([
      'dht 192.0.2.0/24 127.0.0.1:1',
      'dht 192.0.2.0/24 127.0.0.1:2',
      'dht 198.51.100.0/24 127.0.0.1:3',
      `${DHT_SOURCE} 127.0.0.1:4`,
      'dht 2001:db8:1::/48 127.0.0.1:5',
      'dht 2001:db8:1::/48 127.0.0.1:6',
      'dht 203.0.113.0/24 127.0.0.1:7',
      'dht 203.0.113.0/24 127.0.0.1:9',
      'dht 192.0.2.0/24 127.0.0.1:8',
    ]);
    await discovery.stop();
  });

  it('a lookup that ends after a stop feeds nothing, even once started again', async () => {
    const { dht, found, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    await discovery.stop();
    discovery.start([], { finished: false, dht: true });
    dht.lookups[0]!([D(1)]);
    await settle();
    expect(found).toEqual([]);
    dht.lookups[1]!([D(2)]);
    await settle();
    expect(found).toEqual([P(2)]);
    await discovery.stop();
  });

  it('private torrents (dht: false) and torrents without trackers stay silent', async () => {
    const { dht, discovery } = setup();
    discovery.start([], { finished: false, dht: false });
    expect(dht.lookups).toHaveLength(0);
    expect(discovery.trackers()).toBeNull();
    await discovery.stop();
  });

  it("a hybrid is announced on the DHT under both hashes (BEP 52), and both answers' peers count", async () => {
    const v2 = Buffer.alloc(20, 9);
    const { dht, found, discovery } = setup(v2);
    discovery.start([], { finished: false, dht: true });
    dht.lookups[0]!([]);
    await settle();
    expect(dht.announced).toEqual([Buffer.alloc(20, 7), v2]);
    dht.announces[0]!([D(1)]);
    dht.announces[1]!([D(2)]);
    await settle();
    expect(found).toEqual([P(1), P(2)]);
    await discovery.stop();
  });

  it('a hybrid is announced to its trackers under both hashes; the tracker list shows one entry per tracker', async () => {
    const tracker = new FakeTracker();
    const { found, sources, discovery } = setup(Buffer.alloc(20, 9), tracker);
    discovery.start([['http://127.0.0.1:1/announce']], { finished: false, dht: false });
    // The announcer schedules its first announce on a timer; wait for both answers.
    while (found.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tracker.hashes.sort()).toEqual(['07'.repeat(20), '09'.repeat(20)]);
    expect(found.map((p) => p.port).sort()).toEqual([7, 9]);
    expect([...sources]).toEqual([trackerSource('http://127.0.0.1:1/announce')]);
    expect(discovery.trackers()).toHaveLength(1);
    await discovery.stop();
  });

  it('reannounce asks every tracker and the DHT again now; stopped, it does nothing', async () => {
    const tracker = new FakeTracker();
    const { dht, discovery } = setup(null, tracker);
    discovery.start([['http://127.0.0.1:1/announce']], { finished: false, dht: true });
    while (tracker.calls.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    dht.lookups[0]!([]);
    await settle();
    expect(dht.announced).toHaveLength(1);
    discovery.reannounce();
    while (tracker.calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tracker.calls).toEqual(['http://127.0.0.1:1/announce started', 'http://127.0.0.1:1/announce none']);
    expect(dht.announced).toHaveLength(2);
    await discovery.stop();
    discovery.reannounce();
    await settle();
    expect(dht.announced).toHaveLength(2);
  });

  it('setTrackers says stopped to the old list and started to the new one, the DHT lookups going on', async () => {
    const tracker = new FakeTracker();
    const { dht, discovery } = setup(null, tracker);
    discovery.start([['http://127.0.0.1:1/announce']], { finished: false, dht: true });
    while (tracker.calls.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    discovery.setTrackers([['http://127.0.0.1:2/announce']], false);
    while (tracker.calls.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tracker.calls.sort()).toEqual(['http://127.0.0.1:1/announce started', 'http://127.0.0.1:1/announce stopped', 'http://127.0.0.1:2/announce started']);
    expect(discovery.trackers()?.map((t) => t.url)).toEqual(['http://127.0.0.1:2/announce']);
    expect(dht.lookups).toHaveLength(1);
    discovery.setTrackers([], false);
    expect(discovery.trackers()).toBeNull();
    await discovery.stop();
  });

  it('the DHT switched off ends its lookup and announces at once; on again, it looks up anew', async () => {
    const { dht, found, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    expect(dht.lookups).toHaveLength(1);
    discovery.setDht(false);
    // The lookup of the stretch that ended feeds no peer and leads to no announce.
    dht.lookups[0]!([D(1)]);
    await settle();
    expect(found).toEqual([]);
    expect(dht.announces).toHaveLength(0);
    discovery.reannounce();
    expect(dht.announced).toHaveLength(0);
    discovery.setDht(true);
    expect(dht.lookups).toHaveLength(2);
    dht.lookups[1]!([D(2)]);
    await settle();
    expect(found).toEqual([P(2)]);
    expect(dht.announces).toHaveLength(1);
    // Stopped, the switch changes nothing (start() decides).
    void discovery.stop();
    discovery.setDht(false);
    discovery.setDht(true);
    expect(dht.lookups).toHaveLength(2);
  });
});
