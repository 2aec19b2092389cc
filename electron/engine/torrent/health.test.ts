import { describe, expect, it } from 'vitest';
import { HEALTH_CAUSE_IDS, torrentHealth } from '../../../shared/contract/health.js';
import { describeHealth, diagnose, type HealthFacts, type HealthPeer } from './health.js';
import type { ReachFacts } from './health-reach.js';

/** A torrent downloading happily: 10 peers, all unchoking, nothing wrong. */
function facts(patch: Partial<HealthFacts> = {}): HealthFacts {
  return {
    state: 'downloading',
    error: null,
    hasMetadata: true,
    private: false,
    progress: 0.5,
    wantedMissing: 100,
    wantedNobodyHas: 0,
    downloadRate: 500_000,
    ownDownloadLimit: 0,
    globalDownloadLimit: 0,
    trackers: [{ url: 'http://t.example/announce', status: 'working', message: null }],
    dhtNodes: 120,
    knownPeers: 40,
    connecting: 2,
    connected: Array.from({ length: 10 }, (_, i) => peer(`10.0.0.${i}:6881`)),
    diskBacklogged: false,
    hashFailures: 0,
    banned: [],
    reachability: reach({ incomingConnections: 3 }),
    ...patch,
  };
}

/** Behind a NAT router (private address only), nothing seen yet, mapping not answered yet. */
function reach(patch: Partial<ReachFacts> = {}): ReachFacts {
  return { incomingConnections: 0, portMapping: 'discovering', mappingError: null, loopbackOnly: false, publicIPv4: false, globalIPv6: false, ...patch };
}

function peer(address: string, patch: Partial<HealthPeer> = {}): HealthPeer {
  // Sending 50 KB/s each with room for more requests: the picker or the swarm paces it, no peer is capped.
  return { address, hasWanted: true, chokesUs: false, hashFailures: 0, downloadRate: 50_000, requests: 4, requestLimit: 16, ...patch };
}

const ids = (f: HealthFacts) => diagnose(f).map((c) => c.id);

describe('diagnose', () => {
  it('finds nothing wrong with a healthy download', () => {
    expect(diagnose(facts())).toEqual([]);
    expect(describeHealth([])).toEqual(['nothing known holds it back']);
  });

  it('says nothing about a seeding or checking torrent', () => {
    expect(diagnose(facts({ state: 'seeding', connected: [], knownPeers: 0 }))).toEqual([]);
    expect(diagnose(facts({ state: 'checking', connected: [] }))).toEqual([]);
  });

  it('names the error of a torrent in the error state, and only that', () => {
    const causes = diagnose(facts({ state: 'error', error: 'ENOSPC: no space left on device', connected: [] }));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ id: 'error', severity: 'blocking', detail: 'ENOSPC: no space left on device' });
  });

  it('says paused for a paused torrent', () => {
    expect(ids(facts({ state: 'paused', connected: [] }))).toEqual(['paused']);
  });

  it('no peers found: names failing trackers and a DHT without nodes', () => {
    const causes = diagnose(
      facts({
        connected: [],
        knownPeers: 0,
        connecting: 0,
        dhtNodes: 0,
        trackers: [{ url: 'udp://a.example:80', status: 'error', message: 'timed out' }],
      }),
    );
    expect(causes.map((c) => c.id)).toEqual(['no-peers', 'trackers-failing', 'dht-not-bootstrapped']);
    expect(causes.every((c) => c.severity === 'blocking')).toBe(true);
    expect(causes[0]!.detail).toContain('Every tracker failed');
    expect(causes[0]!.detail).toContain('DHT has no nodes');
    expect(causes[1]!.detail).toBe('udp://a.example:80: timed out');
  });

  it('no peers and no trackers on a private torrent: says so, no DHT blame', () => {
    const causes = diagnose(facts({ connected: [], knownPeers: 0, trackers: [], private: true, dhtNodes: 0 }));
    expect(causes.map((c) => c.id)).toEqual(['no-peers']);
    expect(causes[0]!.detail).toBe('The torrent has no trackers. Private torrent: no DHT or peer exchange.');
  });

  it('no peers: the advice names only the discovery the torrent can use', () => {
    const advice = (over: Parameters<typeof facts>[0]): string => diagnose(facts({ connected: [], knownPeers: 0, ...over }))[0]!.action;
    expect(advice({ dhtNodes: 40 })).toBe('Add a working tracker, wait for the DHT and peer exchange to find more, or add a peer by address.');
    // A session run without a DHT (tessera --no-dht): waiting for it would never help.
    expect(advice({ dhtNodes: null })).toBe('Add a working tracker, turn the DHT on, or add a peer by address.');
    expect(advice({ dhtNodes: 40, private: true })).toBe('Add a working tracker, or add a peer by address.');
  });

  it('peers found but none connectable', () => {
    const causes = diagnose(facts({ connected: [], knownPeers: 7, connecting: 0 }));
    expect(causes[0]).toMatchObject({ id: 'peers-unconnectable', severity: 'blocking', title: '7 peers found, none connectable' });
    expect(causes[0]!.detail).toBe('Every connection attempt was refused or timed out.');
    expect(diagnose(facts({ connected: [], knownPeers: 7, connecting: 3 }))[0]!.detail).toContain('3 connection attempts in progress');
  });

  it('peers found but unreachable from outside, with evidence (mapping failed, no incoming, no public address): slows, with the mapping error', () => {
    const causes = diagnose(facts({ connected: [], knownPeers: 2, reachability: reach({ portMapping: 'failed', mappingError: 'no gateway' }) }));
    const found = causes.find((c) => c.id === 'not-reachable');
    expect(found).toMatchObject({ severity: 'slowing', title: 'Probably not reachable from outside' });
    expect(found!.detail).toContain('no gateway');
    expect(found!.detail).not.toContain('IPv6');
    const v6 = diagnose(facts({ reachability: reach({ portMapping: 'failed', mappingError: 'no gateway', globalIPv6: true }) }));
    expect(v6).toMatchObject([{ id: 'not-reachable', severity: 'info' }]);
    expect(v6[0]!.detail).toContain('IPv6 peers may still reach it');
  });

  it('not reachable: never said without evidence — loopback-only listener, public address, router still asked, mapped or incoming seen', () => {
    const stuck = { connected: [], knownPeers: 2 };
    // A test set-up listening on 127.0.0.1 (mapping off, nothing incoming): nobody outside is meant to connect.
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'off', loopbackOnly: true }) }))).toEqual(['peers-unconnectable']);
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'failed', mappingError: 'x', loopbackOnly: true }) }))).toEqual(['peers-unconnectable']);
    // A public IPv4 address: no NAT, a failed mapping shows nothing.
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'failed', mappingError: 'x', publicIPv4: true }) }))).toEqual(['peers-unconnectable']);
    // The router has not answered yet.
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'discovering' }) }))).toEqual(['peers-unconnectable']);
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'mapped' }) }))).toEqual(['peers-unconnectable']);
    expect(ids(facts({ ...stuck, reachability: reach({ portMapping: 'failed', mappingError: 'x', incomingConnections: 1 }) }))).toEqual(['peers-unconnectable']);
    expect(ids(facts({ ...stuck, reachability: null }))).toEqual(['peers-unconnectable']);
  });

  it('mapping off and nothing incoming: a possibility, named only when no peer connects, never as a cause that slows', () => {
    expect(ids(facts({ reachability: reach({ portMapping: 'off' }) }))).toEqual([]);
    const maybe = diagnose(facts({ connected: [], knownPeers: 2, reachability: reach({ portMapping: 'off' }) })).find((c) => c.id === 'not-reachable');
    expect(maybe).toMatchObject({ severity: 'info', title: 'Maybe not reachable from outside' });
    expect(maybe!.detail).toContain('is not known');
  });

  it('every connected peer with pieces we need chokes us: names them', () => {
    const connected = [peer('1.1.1.1:1', { chokesUs: true }), peer('2.2.2.2:2', { chokesUs: true }), peer('3.3.3.3:3', { hasWanted: false })];
    const causes = diagnose(facts({ connected, downloadRate: 0 }));
    expect(causes[0]).toMatchObject({ id: 'all-choke', severity: 'blocking', title: 'All 2 peers with pieces we need choke us' });
    expect(causes[0]!.detail).toContain('1.1.1.1:1, 2.2.2.2:2');
    expect(causes[0]!.detail).not.toContain('3.3.3.3');
  });

  it('one peer unchoking us is enough: no choke cause', () => {
    const connected = [peer('1.1.1.1:1', { chokesUs: true }), peer('2.2.2.2:2')];
    expect(ids(facts({ connected }))).toEqual([]);
  });

  it('connected, but nobody has anything we need: the pieces nobody has', () => {
    const connected = [peer('1.1.1.1:1', { hasWanted: false }), peer('2.2.2.2:2', { hasWanted: false })];
    const causes = diagnose(facts({ connected, progress: 0.993, wantedMissing: 12, wantedNobodyHas: 12 }));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ id: 'pieces-nobody-has', severity: 'blocking', title: 'Stuck at 99.3%: 12 pieces nobody has', detail: '2 peers connected; none has any of the 12 missing pieces.' });
  });

  it('peers that have none of what we need while availability says someone does (seeds not counted yet): says the peers lack it', () => {
    const connected = [peer('1.1.1.1:1', { hasWanted: false })];
    const causes = diagnose(facts({ connected, progress: 0.5, wantedMissing: 12, wantedNobodyHas: 0 }));
    expect(causes[0]).toMatchObject({ id: 'nobody-has-wanted', severity: 'blocking', title: 'Stuck at 50.0%: no connected peer has what we need' });
  });

  it('stuck at 99.3%: 12 pieces nobody has (the rest is done)', () => {
    const connected = [peer('1.1.1.1:1', { hasWanted: true })];
    const causes = diagnose(facts({ connected, progress: 0.99349, wantedMissing: 12, wantedNobodyHas: 12 }));
    expect(causes[0]).toMatchObject({ id: 'pieces-nobody-has', severity: 'blocking', title: 'Stuck at 99.3%: 12 pieces nobody has' });
  });

  it('some pieces nobody has while others still flow: information, not blocking', () => {
    const causes = diagnose(facts({ wantedMissing: 100, wantedNobodyHas: 1 }));
    expect(causes).toMatchObject([{ id: 'pieces-nobody-has', severity: 'info', title: '1 piece nobody connected has' }]);
  });

  it('never rounds a nearly finished torrent up to 100%', () => {
    const causes = diagnose(facts({ connected: [peer('a:1')], progress: 0.99999, wantedMissing: 1, wantedNobodyHas: 1 }));
    expect(causes[0]!.title).toBe('Stuck at 99.9%: 1 piece nobody has');
  });

  it('some trackers failing is information; all failing with peers connected slows', () => {
    const trackers = [
      { url: 'http://ok.example/a', status: 'working' as const, message: null },
      { url: 'http://bad.example/a', status: 'error' as const, message: '404 Not Found' },
    ];
    expect(diagnose(facts({ trackers }))).toMatchObject([{ id: 'trackers-failing', severity: 'info', title: '1 of 2 trackers fail', detail: 'http://bad.example/a: 404 Not Found' }]);
    const allBad = trackers.map((t) => ({ ...t, status: 'error' as const, message: 'refused' }));
    expect(diagnose(facts({ trackers: allBad }))).toMatchObject([{ id: 'trackers-failing', severity: 'slowing', title: 'Every tracker fails (2)' }]);
  });

  it('lists at most five tracker errors', () => {
    const trackers = Array.from({ length: 8 }, (_, i) => ({ url: `http://t${i}.example/a`, status: 'error' as const, message: 'x' }));
    const detail = diagnose(facts({ trackers }))[0]!.detail;
    expect(detail).toContain('t4.example');
    expect(detail).not.toContain('t5.example');
    expect(detail).toContain('(and 3 more)');
  });

  it('the lower of the two download limits binds when the rate reaches it', () => {
    const own = diagnose(facts({ downloadRate: 100 * 1024, ownDownloadLimit: 100 * 1024, globalDownloadLimit: 1024 * 1024 }));
    expect(own).toMatchObject([{ id: 'download-limit', severity: 'slowing', title: "This torrent's download limit binds (100 KiB/s)" }]);
    const global = diagnose(facts({ downloadRate: 2 * 1024 * 1024, globalDownloadLimit: 2 * 1024 * 1024 }));
    expect(global).toMatchObject([{ id: 'download-limit', title: 'The global download limit binds (2.0 MiB/s)' }]);
    expect(global[0]!.action).toContain('Settings');
  });

  it('the last peers just left: the rate still averages what they sent, but no limit is named (only what holds it back now)', () => {
    const gone = diagnose(facts({ connected: [], downloadRate: 100 * 1024, ownDownloadLimit: 100 * 1024 }));
    expect(gone.map((c) => c.id)).toEqual(['peers-unconnectable']);
  });

  it('a limit far above the rate does not bind', () => {
    expect(ids(facts({ downloadRate: 100 * 1024, globalDownloadLimit: 1024 * 1024 }))).toEqual([]);
  });

  it('peers that send slowly although we keep them asked for all they may have: the peers are the bottleneck, more would help', () => {
    const capped = (address: string) => peer(address, { downloadRate: 50 * 1024, requests: 16, requestLimit: 16 });
    const causes = diagnose(facts({ downloadRate: 100 * 1024, connected: [capped('a:1'), capped('b:2'), peer('c:3', { hasWanted: false, requests: 0 })] }));
    expect(causes).toMatchObject([{ id: 'peers-slow', severity: 'slowing', title: 'Peers send slowly: 2 peers, 50 KiB/s each' }]);
    expect(causes[0]!.detail).toContain('100 KiB/s in all');
    expect(causes[0]!.action).toContain('More peers would help');
    const one = diagnose(facts({ downloadRate: 20 * 1024, connected: [peer('a:1', { downloadRate: 20 * 1024, requests: 5, requestLimit: 5 })] }));
    expect(one).toMatchObject([{ id: 'peers-slow', title: 'Peers send slowly: 1 peer, 20 KiB/s each' }]);
    // Just unchoked, nothing received yet: no rate to blame.
    expect(ids(facts({ downloadRate: 0, connected: [peer('a:1', { downloadRate: 0, requests: 8, requestLimit: 8 })] }))).toEqual([]);
    // A pipeline is refilled an eighth at a time: 57 of 64 waiting is all we ask, 56 of 64 is not.
    expect(ids(facts({ connected: [peer('a:1', { requests: 57, requestLimit: 64 })] }))).toEqual(['peers-slow']);
    expect(ids(facts({ connected: [peer('a:1', { requests: 56, requestLimit: 64 })] }))).toEqual([]);
  });

  it('peers are not blamed when something of ours holds them back: our limit, the disk, the picker leaving their pipelines short, or fast peers', () => {
    const capped = (address: string, patch: Partial<HealthPeer> = {}) => peer(address, { downloadRate: 50 * 1024, requests: 16, requestLimit: 16, ...patch });
    // Our own limit binds: the limiter, not the peers.
    expect(ids(facts({ downloadRate: 100 * 1024, ownDownloadLimit: 100 * 1024, connected: [capped('a:1'), capped('b:2')] }))).toEqual(['download-limit']);
    // The disk: requests are held back.
    expect(ids(facts({ downloadRate: 100 * 1024, diskBacklogged: true, connected: [capped('a:1'), capped('b:2')] }))).toEqual(['disk-bottleneck']);
    // The picker: one sending peer has room for requests we do not make.
    expect(ids(facts({ connected: [capped('a:1'), capped('b:2', { requests: 3 })] }))).toEqual([]);
    // Fast peers with full pipelines: nothing holds it back.
    expect(ids(facts({ connected: [capped('a:1', { downloadRate: 4 * 1024 * 1024 })] }))).toEqual([]);
    // Peers choking us are another cause, not slow senders.
    expect(ids(facts({ connected: [capped('a:1', { chokesUs: true })] }))).toEqual(['all-choke']);
    expect(ids(facts({ state: 'paused', connected: [capped('a:1')] }))).toEqual(['paused']);
  });

  it('the disk is the bottleneck when writes are queued past the bound', () => {
    expect(diagnose(facts({ diskBacklogged: true }))).toMatchObject([{ id: 'disk-bottleneck', severity: 'slowing' }]);
  });

  it('hash failures name the banned peers', () => {
    const causes = diagnose(facts({ hashFailures: 3, banned: [{ address: '6.6.6.6:666', failures: 2 }] }));
    expect(causes).toMatchObject([{ id: 'hash-failures', severity: 'info', title: '3 pieces failed the hash check' }]);
    expect(causes[0]!.detail).toContain('Banned: 6.6.6.6:666 (2 bad pieces)');
    const sender = facts({ hashFailures: 1, connected: [peer('10.0.0.1:6881', { hashFailures: 1 }), peer('10.0.0.2:6881')] });
    expect(diagnose(sender)).toMatchObject([{ id: 'hash-failures', severity: 'slowing', title: '1 piece failed the hash check' }]);
  });

  it('hash failures whose senders are gone are a note, not something that slows the download now', () => {
    // The count is cumulative: an hour after the bad peer left it must not still say "Slows".
    expect(diagnose(facts({ hashFailures: 1 }))).toMatchObject([{ id: 'hash-failures', severity: 'info', title: '1 piece failed the hash check' }]);
  });

  it('a queued torrent says so instead of "nothing holds it back"', () => {
    const causes = diagnose(facts({ state: 'queued', connected: [], knownPeers: 0, downloadRate: 0 }));
    expect(causes).toMatchObject([{ id: 'queued', severity: 'blocking', title: 'Queued' }]);
    expect(() => torrentHealth({ infoHash: 'a'.repeat(40), causes }, 'health')).not.toThrow();
  });

  it('a magnet without metadata waits for it, asking the connected peers', () => {
    const causes = diagnose(facts({ state: 'metadata', hasMetadata: false, wantedMissing: 0, connected: [peer('a:1'), peer('b:2')] }));
    expect(causes).toMatchObject([{ id: 'metadata', severity: 'blocking' }]);
    expect(causes[0]!.detail).toContain('Asking 2 connected peers');
  });

  it('a magnet whose metadata arrived and waits for the file choice: only that, whatever the peers', () => {
    expect(diagnose(facts({ state: 'metadata', hasMetadata: true, connected: [], knownPeers: 0, wantedMissing: 0 }))).toMatchObject([
      { id: 'metadata', severity: 'blocking', title: 'Waiting for your file choice' },
    ]);
  });

  it('a magnet without peers: metadata and no peers, both blocking', () => {
    expect(ids(facts({ state: 'metadata', hasMetadata: false, connected: [], knownPeers: 0, wantedMissing: 0 }))).toEqual(['metadata', 'no-peers']);
  });

  it('ranks blocking before slowing before information', () => {
    const causes = diagnose(
      facts({
        connected: [peer('a:1', { chokesUs: true })],
        diskBacklogged: true,
        hashFailures: 2,
        banned: [{ address: 'x:1', failures: 2 }],
        trackers: [
          { url: 'http://a/', status: 'error', message: 'e' },
          { url: 'http://b/', status: 'working', message: null },
        ],
      }),
    );
    const rank = { blocking: 0, slowing: 1, info: 2 };
    const ranks = causes.map((c) => rank[c.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(causes.map((c) => c.id)).toEqual(['all-choke', 'disk-bottleneck', 'trackers-failing', 'hash-failures']);
  });

  it('every report passes the contract validator, and no cause id repeats', () => {
    const worst = facts({
      connected: [],
      knownPeers: 0,
      dhtNodes: 0,
      hasMetadata: false,
      state: 'metadata',
      diskBacklogged: true,
      hashFailures: 5,
      banned: Array.from({ length: 40 }, (_, i) => ({ address: `9.9.9.${i}:1`, failures: 2 })),
      trackers: [{ url: 'http://a/', status: 'error', message: 'e' }],
      reachability: reach({ portMapping: 'failed', mappingError: 'x' }),
    });
    const causes = diagnose(worst);
    expect(() => torrentHealth({ infoHash: 'a'.repeat(40), causes }, 'health')).not.toThrow();
    expect(new Set(causes.map((c) => c.id)).size).toBe(causes.length);
    expect(causes.every((c) => (HEALTH_CAUSE_IDS as readonly string[]).includes(c.id))).toBe(true);
    expect(causes.find((c) => c.id === 'hash-failures')!.detail).toContain('and 35 more');
  });

  it('describeHealth: one line per cause with severity, facts and what to do', () => {
    const lines = describeHealth(diagnose(facts({ diskBacklogged: true })));
    expect(lines).toEqual(['[slowing] The disk is the bottleneck: Completed pieces wait to be hashed and written; requests are held back until the disk catches up. → Save to a faster disk, or close programs that use it heavily.']);
  });
});
