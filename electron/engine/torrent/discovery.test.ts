import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import { Discovery, type DiscoveryHost, type TorrentDht } from './discovery.js';

/** A DHT whose lookups the test finishes by hand. */
class FakeDht implements TorrentDht {
  readonly lookups: Array<(peers: PeerAddress[]) => void> = [];
  readonly announces: Array<(peers: PeerAddress[]) => void> = [];

  async *getPeers(): AsyncGenerator<PeerAddress, void, undefined> {
    const peers = await new Promise<PeerAddress[]>((resolve) => this.lookups.push(resolve));
    yield* peers;
  }

  announce(): Promise<{ peers: PeerAddress[] }> {
    return new Promise((resolve) => this.announces.push((peers) => resolve({ peers })));
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const dht = new FakeDht();
  const found: PeerAddress[] = [];
  const host: DiscoveryHost = {
    infoHash: Buffer.alloc(20, 7),
    peerId: Buffer.alloc(20, 8),
    listenPort: 6881,
    trackerClient: null,
    dht,
    announceStats: () => ({ uploaded: 0, downloaded: 0, left: 1 }),
    found: (peers) => found.push(...peers),
    warn: () => undefined,
  };
  return { dht, found, discovery: new Discovery(host) };
}

const P = (port: number): PeerAddress => ({ host: '127.0.0.1', port });

describe('Discovery', () => {
  it('streams the first DHT lookup, then announces', async () => {
    const { dht, found, discovery } = setup();
    discovery.start([], { finished: false, dht: true });
    expect(dht.lookups).toHaveLength(1);
    dht.lookups[0]!([P(1), P(2)]);
    await settle();
    expect(found).toEqual([P(1), P(2)]);
    expect(dht.announces).toHaveLength(1);
    dht.announces[0]!([P(3)]);
    await settle();
    expect(found).toEqual([P(1), P(2), P(3)]);
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
});
