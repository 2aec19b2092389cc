import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DHT_SOURCE, dhtSource, MAX_CANDIDATES, MAX_CANDIDATES_PER_DHT_SOURCE, MAX_CANDIDATES_PER_SOURCE, PeerCandidates } from './peer-candidates.js';

const T0 = 1_700_000_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
});

const ready = (c: PeerCandidates, now = Date.now()): string[] => [...c.ready(now)].map((a) => PeerCandidates.key(a));

describe('PeerCandidates', () => {
  it('formats keys as host:port, brackets around IPv6', () => {
    expect(PeerCandidates.key({ host: '10.0.0.1', port: 6881 })).toBe('10.0.0.1:6881');
    expect(PeerCandidates.key({ host: '::1', port: 6881 })).toBe('[::1]:6881');
    expect(PeerCandidates.key({ host: 'example.org', port: 1 })).toBe('example.org:1');
  });

  it('de-duplicates by address and port', () => {
    const c = new PeerCandidates();
    expect(c.add({ host: '10.0.0.1', port: 6881 })).toBe(true);
    expect(c.add({ host: '10.0.0.1', port: 6881 })).toBe(false);
    expect(c.add({ host: '10.0.0.1', port: 6882 })).toBe(true);
    expect(c.add({ host: '10.0.0.2', port: 6881 })).toBe(true);
    expect(c.add({ host: '::1', port: 6881 })).toBe(true);
    expect(c.add({ host: '::1', port: 6881 })).toBe(false);
    expect(c.size).toBe(4);
  });

  it.each([0, -1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses port %d', (port) => {
    const c = new PeerCandidates();
    expect(c.add({ host: '10.0.0.1', port })).toBe(false);
    expect(c.size).toBe(0);
  });

  it('accepts ports 1 and 65535', () => {
    const c = new PeerCandidates();
    expect(c.add({ host: 'a', port: 1 })).toBe(true);
    expect(c.add({ host: 'a', port: 65535 })).toBe(true);
  });

  it('lists candidates ready to dial, oldest first, not the ones being dialled', () => {
    const c = new PeerCandidates();
    for (const port of [3, 1, 2]) c.add({ host: 'h', port });
    expect(ready(c)).toEqual(['h:3', 'h:1', 'h:2']);
    c.markConnecting({ host: 'h', port: 1 });
    expect(ready(c)).toEqual(['h:3', 'h:2']);
  });

  it('backs off exponentially after failed dials and gives up after 5 failures', () => {
    const c = new PeerCandidates();
    const a = { host: '10.0.0.9', port: 51413 };
    c.add(a);
    const waits: number[] = [];
    for (let failure = 1; failure <= 4; failure++) {
      c.markConnecting(a);
      c.markDisconnected(a, true);
      const start = Date.now();
      // Find when it becomes ready again (to the second).
      let t = start;
      while (ready(c, t).length === 0) t += 1000;
      waits.push(t - start);
      vi.setSystemTime(t);
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000]);
    c.markConnecting(a);
    c.markDisconnected(a, true);
    expect(ready(c, Date.now() + 365 * 86_400_000)).toEqual([]);
    expect(c.size).toBe(1);
  });

  it('retries a peer that worked after 10 s and forgets its earlier failures', () => {
    const c = new PeerCandidates();
    const a = { host: 'h', port: 1 };
    c.add(a);
    for (let i = 0; i < 4; i++) {
      c.markConnecting(a);
      c.markDisconnected(a, true);
    }
    c.markConnecting(a);
    c.markDisconnected(a, false);
    expect(ready(c, T0 + 9_999)).toEqual([]);
    expect(ready(c, T0 + 10_000)).toEqual(['h:1']);
    // Its failure count was reset: one more failure is a short back-off, not the end.
    c.markConnecting(a);
    c.markDisconnected(a, true);
    expect(ready(c, T0 + 10_000)).toEqual(['h:1']);
  });

  it('ignores state changes for unknown addresses', () => {
    const c = new PeerCandidates();
    c.markConnecting({ host: 'x', port: 1 });
    c.markDisconnected({ host: 'x', port: 1 }, true);
    expect(c.size).toBe(0);
  });

  it('bans by address and port: never listed or re-added, other ports of that IP unaffected', () => {
    const c = new PeerCandidates();
    const bad = { host: '127.0.0.1', port: 7000 };
    const honest = { host: '127.0.0.1', port: 7001 };
    c.add(bad);
    c.add(honest);
    c.ban(bad);
    expect(c.isBanned(bad)).toBe(true);
    expect(c.isBanned(honest)).toBe(false);
    expect(ready(c)).toEqual(['127.0.0.1:7001']);
    expect(c.add(bad)).toBe(false);
    expect(c.add({ host: '127.0.0.1', port: 7000 })).toBe(false);
    expect(c.size).toBe(1);
  });

  it('bans an address it never knew', () => {
    const c = new PeerCandidates();
    c.ban({ host: '::1', port: 9 });
    expect(c.add({ host: '::1', port: 9 })).toBe(false);
    expect(c.isBanned({ host: '::1', port: 9 })).toBe(true);
  });

  it('remembers at most 2000 candidates', () => {
    const c = new PeerCandidates();
    let added = 0;
    for (let i = 0; i < 2100; i++) if (c.add({ host: `10.0.${i >> 8}.${i & 255}`, port: 6881 })) added++;
    expect(added).toBe(2000);
    expect(c.size).toBe(2000);
  });
});

describe('PeerCandidates: a full list and PEX shares', () => {
  const junk = (i: number): { host: string; port: number } => ({ host: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 6881 });
  const fail = (c: PeerCandidates, address: { host: string; port: number }): void => {
    c.markConnecting(address);
    c.markDisconnected(address, true);
  };

  /** The list filled by ten PEX peers, each up to its share. */
  function filledFromPex(): PeerCandidates {
    const c = new PeerCandidates();
    for (let i = 0; i < MAX_CANDIDATES; i++) expect(c.add(junk(i), `pex-${Math.floor(i / MAX_CANDIDATES_PER_SOURCE)}`)).toBe(true);
    expect(c.size).toBe(MAX_CANDIDATES);
    return c;
  }

  it('full of PEX addresses that then fail: a tracker peer still gets in, in place of the one that failed most, oldest failure first', () => {
    const c = filledFromPex();
    const tracker = { host: '203.0.113.7', port: 51413 };
    expect(c.add(junk(MAX_CANDIDATES), 'pex-0')).toBe(false); // nothing has failed, and its source holds no fewer than any other
    const [oldest, most, dialling] = [junk(7), junk(8), junk(9)];
    fail(c, oldest);
    vi.setSystemTime(T0 + 1000);
    for (let i = 0; i < MAX_CANDIDATES; i++) if (i !== 7) fail(c, junk(i));
    fail(c, most);
    for (let n = 0; n < 3; n++) fail(c, dialling);
    c.markConnecting(dialling); // failed most of all, but being dialled: kept
    expect(c.add(tracker)).toBe(true);
    expect(c.add({ ...tracker, port: 51414 })).toBe(true);
    expect(c.size).toBe(MAX_CANDIDATES);
    const listed = ready(c, T0 + 86_400_000);
    expect(listed).toContain('203.0.113.7:51413');
    expect(listed).not.toContain(PeerCandidates.key(most));
    expect(listed).not.toContain(PeerCandidates.key(oldest));
    expect(c.add(dialling)).toBe(false); // still known
  });

  it('one PEX peer may have at most its share in the list; a banned one frees room in it, other sources are not counted', () => {
    const c = new PeerCandidates();
    let added = 0;
    for (let i = 0; i < 5 * 400; i++) if (c.add(junk(i), 'flooder')) added++;
    expect(added).toBe(MAX_CANDIDATES_PER_SOURCE);
    expect(c.add(junk(10_000), 'another')).toBe(true);
    expect(c.add(junk(10_001))).toBe(true);
    expect(c.add(junk(10_002), 'flooder')).toBe(false);
    c.ban(junk(0));
    expect(c.add(junk(10_002), 'flooder')).toBe(true);
    expect(c.add(junk(10_003), 'flooder')).toBe(false);
  });

  it('full of untried addresses: a newcomer from a source holding fewer takes the place of the last one the largest source sent', () => {
    const c = filledFromPex();
    const tracker = { host: '203.0.113.7', port: 51413 };
    expect(c.add(tracker, 'tracker http://t.example/announce')).toBe(true);
    expect(c.add({ ...tracker, port: 1 })).toBe(true); // the user's own peer too
    expect(c.size).toBe(MAX_CANDIDATES);
    const listed = ready(c);
    expect(listed).toContain('203.0.113.7:51413');
    expect(listed).toContain('203.0.113.7:1');
    // Two of the PEX peers gave up the last address each had sent (junk(i) came from pex-⌊i/200⌋).
    const lost = Array.from({ length: MAX_CANDIDATES }, (_, i) => i).filter((i) => !listed.includes(PeerCandidates.key(junk(i))));
    expect(lost).toHaveLength(2);
    for (const i of lost) expect(i % MAX_CANDIDATES_PER_SOURCE).toBe(MAX_CANDIDATES_PER_SOURCE - 1);
    // One that now holds 199 may not push out another's 200.
    expect(c.add(junk(MAX_CANDIDATES + 1), `pex-${Math.floor(lost[0]! / MAX_CANDIDATES_PER_SOURCE)}`)).toBe(false);
  });

  it('a source at its share forgets its own address that failed most to take a new one; other sources keep theirs', () => {
    const c = new PeerCandidates();
    for (let i = 0; i < MAX_CANDIDATES_PER_SOURCE; i++) expect(c.add(junk(i), 'tracker a')).toBe(true);
    const other = { host: '198.51.100.1', port: 1 };
    expect(c.add(other, 'tracker b')).toBe(true);
    expect(c.add(junk(5000), 'tracker a')).toBe(false); // none of its own failed
    fail(c, other);
    expect(c.add(junk(5000), 'tracker a')).toBe(false); // another source's failure is not its room
    fail(c, junk(3));
    fail(c, junk(4));
    fail(c, junk(4));
    expect(c.add(junk(5000), 'tracker a')).toBe(true);
    const listed = ready(c, T0 + 86_400_000);
    expect(listed).toContain(PeerCandidates.key(junk(5000)));
    expect(listed).toContain(PeerCandidates.key(junk(3)));
    expect(listed).not.toContain(PeerCandidates.key(junk(4)));
    expect(listed).toContain(PeerCandidates.key(other));
  });

  it('sources take turns to be dialled: one that sent 200 addresses first does not hold up the next ones', () => {
    const c = new PeerCandidates();
    for (let i = 0; i < MAX_CANDIDATES_PER_SOURCE; i++) c.add(junk(i), 'tracker http://junk.example/announce');
    const later = [
      { address: { host: '198.51.100.1', port: 1 }, source: 'tracker http://t.example/announce' },
      { address: { host: '198.51.100.2', port: 2 }, source: '203.0.113.9' },
      { address: { host: '198.51.100.3', port: 3 }, source: null },
      { address: { host: '198.51.100.4', port: 4 }, source: null },
    ];
    for (const { address, source } of later) c.add(address, source);
    expect(ready(c).slice(0, 8)).toEqual([
      PeerCandidates.key(junk(0)),
      '198.51.100.1:1',
      '198.51.100.2:2',
      '198.51.100.3:3',
      PeerCandidates.key(junk(1)),
      '198.51.100.4:4',
      PeerCandidates.key(junk(2)),
      PeerCandidates.key(junk(3)),
    ]);
    expect(ready(c)).toHaveLength(MAX_CANDIDATES_PER_SOURCE + later.length);
  });

  it('the turns go on from one dial to the next: dialled one at a time, the source with many addresses does not go first every time', () => {
    // One half-open slot coming back at a time (a dead address timing out) asks for one candidate.
    const c = new PeerCandidates();
    for (let i = 0; i < 20; i++) c.add(junk(i), 'magnet x.pe');
    const dialNext = (): string => {
      const next = c.ready(Date.now()).next();
      if (next.done) throw new Error('nothing ready');
      c.markConnecting(next.value);
      return PeerCandidates.key(next.value);
    };
    expect(dialNext()).toBe(PeerCandidates.key(junk(0)));
    c.add({ host: '198.51.100.1', port: 1 }, 'tracker http://t.example/announce');
    c.add({ host: '198.51.100.2', port: 2 }, 'dht');
    expect([dialNext(), dialNext(), dialNext(), dialNext()]).toEqual(['198.51.100.1:1', '198.51.100.2:2', PeerCandidates.key(junk(1)), PeerCandidates.key(junk(2))]);
    // A source heard of later still goes before the ones that had a turn.
    c.add({ host: '198.51.100.3', port: 3 }, '203.0.113.9');
    expect(dialNext()).toBe('198.51.100.3:3');
  });
});

describe("PeerCandidates: the DHT's node networks", () => {
  /** Address `i` of a made-up range (10.x.y.z). */
  const peer = (i: number): { host: string; port: number } => ({ host: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 6881 });
  /** The source of the DHT node number `n`'s peers: each node in its own /24. */
  const node = (n: number): string => dhtSource({ host: `198.18.${n}.1`, port: 6881 });
  const count = (listed: string[], from: number, to: number): number => listed.filter((k) => Array.from({ length: to - from }, (_, i) => PeerCandidates.key(peer(from + i))).includes(k)).length;

  it("names a node's peers after its IPv4 /24 or IPv6 /48, the peers announced to us after the DHT alone", () => {
    expect(dhtSource({ host: '192.0.2.7', port: 1 })).toBe(dhtSource({ host: '192.0.2.250', port: 2 }));
    expect(dhtSource({ host: '192.0.2.7', port: 1 })).toBe('dht 192.0.2.0/24');
    expect(dhtSource({ host: '::ffff:192.0.2.9', port: 1 })).toBe('dht 192.0.2.0/24');
    expect(dhtSource({ host: '192.0.3.7', port: 1 })).not.toBe(dhtSource({ host: '192.0.2.7', port: 1 }));
    expect(dhtSource({ host: '2001:db8:1:2::1', port: 1 })).toBe('dht 2001:db8:1::/48');
    expect(dhtSource({ host: '2001:DB8:1:ffff:1:2:3:4', port: 1 })).toBe('dht 2001:db8:1::/48');
    expect(dhtSource({ host: '2001:db8:2::1', port: 1 })).not.toBe(dhtSource({ host: '2001:db8:1::1', port: 1 }));
    expect(dhtSource(null)).toBe(DHT_SOURCE);
  });

  it('one network holds at most its share; all of them together one source\'s share, made room for fairly', () => {
    const c = new PeerCandidates();
    let added = 0;
    for (let i = 0; i < 300; i++) if (c.add(peer(i), node(1))) added++;
    expect(added).toBe(MAX_CANDIDATES_PER_DHT_SOURCE);
    for (let i = 0; i < 300; i++) c.add(peer(1000 + i), node(2));
    // The DHT is full (node 1: 100, node 2: 100). A third network takes the places of the last
    // peers the two largest sent, down to an even split.
    for (let i = 0; i < 300; i++) c.add(peer(2000 + i), node(3));
    expect(c.size).toBe(MAX_CANDIDATES_PER_SOURCE);
    const listed = ready(c);
    expect([count(listed, 0, 300), count(listed, 1000, 1300), count(listed, 2000, 2300)].sort()).toEqual([66, 67, 67]);
    // The earliest each sent are the ones kept.
    expect(listed).toContain(PeerCandidates.key(peer(0)));
    expect(listed).not.toContain(PeerCandidates.key(peer(99)));
    // Other sources are not counted: a tracker still has its own share.
    for (let i = 0; i < MAX_CANDIDATES_PER_SOURCE; i++) expect(c.add(peer(5000 + i), 'tracker http://t.example/announce')).toBe(true);
  });

  it('a flood from many networks takes no more than the DHT may hold, and each network keeps its part', () => {
    const c = new PeerCandidates();
    const honest = { host: '203.0.113.5', port: 51413 };
    expect(c.add(honest, dhtSource({ host: '203.0.113.1', port: 6881 }))).toBe(true);
    for (let n = 0; n < 150; n++) for (let i = 0; i < 100; i++) c.add(peer(n * 100 + i), node(n));
    expect(c.size).toBe(MAX_CANDIDATES_PER_SOURCE);
    expect(ready(c)).toContain('203.0.113.5:51413');
    // Every one of the 151 networks holds one place or two.
    const listed = ready(c);
    for (let n = 0; n < 150; n++) expect(count(listed, n * 100, n * 100 + 100)).toBeGreaterThanOrEqual(1);
  });

  it("a network's fresh peers replace its own failed ones, never another network's", () => {
    const c = new PeerCandidates();
    const honest = { host: '203.0.113.5', port: 51413 };
    for (let i = 0; i < MAX_CANDIDATES_PER_DHT_SOURCE; i++) c.add(peer(i), node(1));
    expect(c.add(honest, node(2))).toBe(true);
    c.markConnecting(honest);
    c.markDisconnected(honest, true); // it failed once: its place is still its network's
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < 50; i++) {
        const address = peer((round - 1) * 100 + i);
        c.markConnecting(address);
        c.markDisconnected(address, true);
      }
      let added = 0;
      for (let i = 0; i < 100; i++) if (c.add(peer(round * 100 + i), node(1))) added++;
      expect(added).toBe(50);
    }
    expect(ready(c, Date.now() + 86_400_000)).toContain('203.0.113.5:51413');
  });

  it("the DHT's networks share one source's turns and take turns within them", () => {
    const c = new PeerCandidates();
    for (let n = 1; n <= 3; n++) for (let i = 0; i < 3; i++) c.add(peer(n * 10 + i), node(n));
    c.add({ host: '198.51.100.1', port: 1 }, 'tracker http://t.example/announce');
    c.add({ host: '198.51.100.1', port: 2 }, 'tracker http://t.example/announce');
    expect(ready(c).slice(0, 6)).toEqual([
      PeerCandidates.key(peer(10)),
      '198.51.100.1:1',
      PeerCandidates.key(peer(20)),
      '198.51.100.1:2',
      PeerCandidates.key(peer(30)),
      PeerCandidates.key(peer(11)),
    ]);
    // Dialled one at a time, the turns carry on: the DHT, the tracker, the DHT's next network.
    const dialNext = (): string => {
      const next = c.ready(Date.now()).next();
      if (next.done) throw new Error('nothing ready');
      c.markConnecting(next.value);
      return PeerCandidates.key(next.value);
    };
    expect([dialNext(), dialNext(), dialNext(), dialNext(), dialNext()]).toEqual([
      PeerCandidates.key(peer(10)),
      '198.51.100.1:1',
      PeerCandidates.key(peer(20)),
      '198.51.100.1:2',
      PeerCandidates.key(peer(30)),
    ]);
  });
});

describe('PeerCandidates encryption fallback', () => {
  const peer = { host: '127.0.0.1', port: 7000 };

  it('redials at once with MSE after a plain handshake is refused, then backs off when MSE is refused too', () => {
    const c = new PeerCandidates();
    c.add(peer);
    c.markConnecting(peer);
    expect(c.wantsEncryption(peer)).toBe(false);
    c.handshakeRefused(peer);
    expect(c.wantsEncryption(peer)).toBe(true);
    expect([...c.ready(Date.now())]).toEqual([peer]);
    c.markConnecting(peer);
    c.handshakeRefused(peer);
    expect(c.wantsEncryption(peer)).toBe(false);
    expect([...c.ready(Date.now())]).toEqual([]);
  });
});
