import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { AnnounceClient } from '../tracker/index.js';
import type { AnnounceParams, AnnounceResult } from '../tracker/types.js';
import { Discovery, type DiscoveryHost, type TorrentDht } from './discovery.js';
import { DHT_SOURCE, trackerSource } from './peer-candidates.js';

/** A DHT whose lookups the test finishes by hand. */
class FakeDht implements TorrentDht {
  readonly lookups: Array<(peers: PeerAddress[]) => void> = [];
  readonly announces: Array<(peers: PeerAddress[]) => void> = [];

  async *getPeers(): AsyncGenerator<PeerAddress, void, undefined> {
    const peers = await new Promise<PeerAddress[]>((resolve) => this.lookups.push(resolve));
    yield* peers;
  }

  readonly announced: Buffer[] = [];

  announce(infoHash: Uint8Array): Promise<{ peers: PeerAddress[] }> {
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
    },
    warn: () => undefined,
    secondHash: () => secondHash,
  };
  return { dht, found, sources, discovery: new Discovery(host) };
}

const P = (port: number): PeerAddress => ({ host: '127.0.0.1', port });

describe('Discovery', () => {
  it('streams the first DHT lookup, then announces', async () => {
    const { dht, found, sources, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    expect(dht.lookups).toHaveLength(1);
    dht.lookups[0]!([P(1), P(2)]);
    await settle();
    expect(found).toEqual([P(1), P(2)]);
    expect(dht.announces).toHaveLength(1);
    dht.announces[0]!([P(3)]);
    await settle();
    expect(found).toEqual([P(1), P(2), P(3)]);
    expect([...sources]).toEqual([DHT_SOURCE]); // one source for the candidate list's shares
    await discovery.stop();
  });

  it('a lookup that ends after a stop feeds nothing, even once started again', async () => {
    const { dht, found, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    await discovery.stop();
    discovery.start([], { finished: false, dht: true });
    dht.lookups[0]!([P(1)]);
    await settle();
    expect(found).toEqual([]);
    dht.lookups[1]!([P(2)]);
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
    dht.announces[0]!([P(1)]);
    dht.announces[1]!([P(2)]);
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
});
