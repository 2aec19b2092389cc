import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { DhtPeer } from '../dht/index.js';
import { Discovery, type TorrentDht } from './discovery.js';
import { PeerCandidates } from './peer-candidates.js';

/*
 * A scripted check of the whole way from a DHT lookup's replies to the dials: Discovery feeds
 * what a (fake) DHT finds into the candidate list, and the test dials as the Dialer would. One
 * network of nodes (three nodes in 6.6.6.0/24, 100 values each: what a reply may carry) answers
 * every lookup with fresh made-up peers ahead of an honest node naming the one real peer.
 */

const HONEST_PEER: PeerAddress = { host: '203.0.113.5', port: 51413 };
const HONEST_NODE: PeerAddress = { host: '192.0.2.1', port: 6881 };
const FLOOD_NODES: PeerAddress[] = [1, 2, 3].map((i) => ({ host: `6.6.6.${i}`, port: 6881 }));
/** Dials between two lookups (5 minutes apart): 10 half-open slots, silent junk holding each 20 s. */
const DIALS_PER_ROUND = 150;
const ROUNDS = 6;

/** A DHT whose lookups end when the test says, with the replies of that round. */
class ScriptedDht implements TorrentDht {
  private release: ((peers: DhtPeer[]) => void) | null = null;
  lookups = 0;

  private next(): Promise<DhtPeer[]> {
    this.lookups++;
    return new Promise((resolve) => (this.release = resolve));
  }

  async *getPeers(): AsyncGenerator<DhtPeer, void, undefined> {
    yield* await this.next();
  }

  async announce(): Promise<{ peers: DhtPeer[] }> {
    return { peers: await this.next() };
  }

  /** Ends the running lookup with this round's replies: fresh junk from every flooding node, then the honest node's peer. */
  answer(round: number): void {
    const junk = FLOOD_NODES.flatMap((from, n) =>
      Array.from({ length: 100 }, (_, i): DhtPeer => ({ host: `10.${round}.${n}.${i}`, port: 6881, from })),
    );
    const release = this.release;
    this.release = null;
    release?.([...junk, { ...HONEST_PEER, from: HONEST_NODE }]);
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a DHT node flooding made-up peers every lookup', () => {
  it("does not keep an honest node's peer from being dialled, lookup after lookup", async () => {
    const dht = new ScriptedDht();
    const candidates = new PeerCandidates();
    const discovery = new Discovery({
      infoHash: Buffer.alloc(20, 1),
      peerId: Buffer.alloc(20, 2),
      listenPort: 6881,
      trackerClient: null,
      dht,
      announceStats: () => ({ uploaded: 0, downloaded: 0, left: 1 }),
      found: (peers, source) => {
        for (const peer of peers) candidates.add(peer, source);
      },
      warn: () => undefined,
    });
    discovery.start([], { finished: false, dht: true });
    const honestKey = PeerCandidates.key(HONEST_PEER);
    const honestDialled: number[] = [];
    let now = Date.now();
    for (let round = 1; round <= ROUNDS; round++) {
      expect(dht.lookups).toBe(round);
      dht.answer(round);
      await settle();
      // Dial as the Dialer does, in the list's order: junk never answers, the honest peer does
      // and its connection later ends (it is dialled again after its 10 s).
      let dials = 0;
      for (const address of candidates.ready(now)) {
        if (dials++ >= DIALS_PER_ROUND) break;
        candidates.markConnecting(address);
        const honest = PeerCandidates.key(address) === honestKey;
        if (honest) honestDialled.push(round);
        candidates.markDisconnected(address, !honest);
      }
      now += 5 * 60_000;
      if (round === 1) expect(dht.lookups).toBe(2); // the first lookup streams, the announce follows
      else discovery.reannounce();
    }
    await discovery.stop();
    expect(honestDialled).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
  });
});
