import type { PeerAddress } from '../api.js';
import { nodeGroup } from '../dht/routing-table-ips.js';
import { formatHostPort } from '../util/host-port.js';
import { LazyMap, LazySet } from '../util/lazy-collections.js';

interface Candidate {
  address: PeerAddress;
  key: string;
  failures: number;
  /** When its last dial failed (ms): of two equally failed candidates the staler one goes first. */
  failedAt: number;
  /** Who told us of it, when that counts against a cap (a PEX peer's IP, a tracker, a DHT node's network, a magnet's x.pe); null for the user's own peers. */
  source: string | null;
  /** What its source counts against as a whole (familyOf): the DHT for a DHT node's network, else the source itself. */
  family: string | null;
  /** Earliest time (ms) we may dial it again. */
  retryAt: number;
  connected: boolean;
  /** Dial it with an MSE handshake (it hung up on a plain one). */
  encrypted: boolean;
  /** Dial it over uTP first (libtorrent's torrent_peer::supports_utp: assumed until a uTP dial fails). */
  utp: boolean;
  /** Every kind of source that named it (PeerOrigin bits), not only the first: the peer list's H, X, L. */
  origins: number;
}

export const MAX_CANDIDATES = 2000;
/**
 * Candidates one source (a PEX peer, a tracker, the DHT as a whole) may have in the list at a
 * time: a tenth of it, so no single source can fill the list with addresses that lead nowhere.
 */
export const MAX_CANDIDATES_PER_SOURCE = MAX_CANDIDATES / 10;

/**
 * Candidate sources besides a PEX peer (its IP): the DHT (DHT_SOURCE: peers announced to our own
 * node; dhtSource: those a node's get_peers reply named), a magnet's x.pe, LSD, a tracker (its URL).
 */
export const DHT_SOURCE = 'dht';
export const MAGNET_SOURCE = 'magnet x.pe';
export const LSD_SOURCE = 'lsd';
export function trackerSource(url: string): string {
  return `tracker ${url}`;
}
/** A PEX peer's contributions, counted under its IP (see pex.ts pexSourceOf). */
export function pexSource(ip: string): string {
  return `pex ${ip}`;
}

/**
 * The kinds of source, as bits: a candidate keeps every kind that named it (libtorrent's
 * torrent_peer::source is such a mask too), so a peer both the DHT and PEX named shows H and X.
 */
export const PeerOrigin = { Tracker: 1, Dht: 2, Pex: 4, Lsd: 8, Magnet: 16, User: 32 } as const;

/** The kind of a source string (see the sources above). */
export function originOf(source: string | null): number {
  if (source === null) return PeerOrigin.User;
  if (familyOf(source) === DHT_SOURCE) return PeerOrigin.Dht;
  if (source === LSD_SOURCE) return PeerOrigin.Lsd;
  if (source === MAGNET_SOURCE) return PeerOrigin.Magnet;
  if (source.startsWith('pex ')) return PeerOrigin.Pex;
  return source.startsWith('tracker ') ? PeerOrigin.Tracker : 0;
}
/**
 * The source of a peer the DHT found: the network (dht/routing-table-ips.ts nodeGroup, an IPv4
 * /24 or IPv6 /48) of the node that named it, or DHT_SOURCE for one announced to our own node.
 * As one source, a node that answers every lookup with hundreds of made-up peers filled the
 * DHT's whole share and, with fresh ones each lookup, kept the peers honest nodes named out.
 */
export function dhtSource(node: PeerAddress | null): string {
  return node === null ? DHT_SOURCE : `${DHT_SOURCE} ${nodeGroup(node.host)}`;
}
/**
 * The DHT's sources together hold at most one source's share (MAX_CANDIDATES_PER_SOURCE, what
 * the DHT held as one source), so a flood from many networks crowds trackers and PEX out no more
 * than one DHT node could. Within it, one network holds at most half (a get_peers reply's worth,
 * dht/lookup.ts MAX_VALUES_PER_REPLY), and a full DHT share makes room fairly: the network
 * holding the most gives up a place to one holding fewer (see evictWithin). So each of N networks
 * keeps at least 1/N of it, and there are at most as many DHT sources as places (each holds one).
 */
export const MAX_CANDIDATES_PER_DHT_SOURCE = MAX_CANDIDATES_PER_SOURCE / 2;

/** What a source's candidates count against as a whole: the DHT for each of its sources, else the source itself. */
function familyOf(source: string): string {
  return source === DHT_SOURCE || source.startsWith(`${DHT_SOURCE} `) ? DHT_SOURCE : source;
}

function shareOf(source: string): number {
  return familyOf(source) === DHT_SOURCE ? MAX_CANDIDATES_PER_DHT_SOURCE : MAX_CANDIDATES_PER_SOURCE;
}
const MAX_FAILURES = 5;

/**
 * Peers we know of and may dial, from every source (CLI, trackers, DHT, PEX, magnet x.pe):
 * de-duplicated by address, with exponential back-off after failed dials and a cap on
 * how many are remembered. As libtorrent's peer list, a full list makes room by forgetting a
 * candidate whose dials failed, and one source may contribute only so many (a source at its
 * share makes room the same way among its own). Sources take turns to be dialled: 500 dead
 * addresses from one tracker or DHT node were dialled, 10 at a time, before any peer heard of
 * later (a silent one holds its attempt 20 s: 17 minutes). The DHT's sources (one per node
 * network) share one source's places and one source's turns, and take turns within it.
 */
export class PeerCandidates {
  private readonly byKey = new LazyMap<string, Candidate>();
  private readonly banned = new LazySet<string>();
  /** Candidates in the list per capped source. */
  private readonly perSource = new LazyMap<string, number>();
  /** Candidates in the list per family (familyOf): the DHT's sources together, every other source alone. */
  private readonly perFamily = new LazyMap<string, number>();
  /**
   * When each family (null: the user's own peers) last had a candidate dialled, as a count of
   * dials: ready() lists the families that waited longest first, so the turns go on from one
   * call to the next. Rebuilt from the first source at every call, the turns held only while
   * several slots came back at once: a dial that failed gave back one slot, and the one
   * candidate it left room for was the first source's every time (100 dead x.pe addresses kept
   * a tracker's seeder waiting for minutes).
   */
  private readonly familyTurn = new LazyMap<string | null, number>();
  /** The same for each source, for the turns within a family (the DHT's node networks). */
  private readonly sourceTurn = new LazyMap<string | null, number>();
  private dials = 0;

  static key(address: PeerAddress): string {
    return formatHostPort(address);
  }

  /** Learns an address; `source` names who told us (a PEX peer, a tracker, a DHT node's network: see Candidate.source), whose share is capped. False when not added. */
  add(address: PeerAddress, source: string | null = null): boolean {
    if (!Number.isInteger(address.port) || address.port <= 0 || address.port > 65535) return false;
    const key = PeerCandidates.key(address);
    const known = this.byKey.get(key);
    if (known) {
      known.origins |= originOf(source);
      return false;
    }
    if (this.banned.has(key)) return false;
    const family = source === null ? null : familyOf(source);
    if (source !== null && family !== null) {
      if (count(this.perSource, source) >= shareOf(source) && !this.evictFailed(source)) return false;
      if (count(this.perFamily, family) >= MAX_CANDIDATES_PER_SOURCE && !this.evictWithin(family, source)) return false;
    }
    if (this.byKey.size >= MAX_CANDIDATES && !this.evictFailed() && !this.evictFromLargest(family)) return false;
    this.byKey.set(key, { address, key, failures: 0, failedAt: 0, source, family, retryAt: 0, connected: false, encrypted: false, utp: true, origins: originOf(source) });
    if (source !== null && family !== null) {
      this.perSource.set(source, count(this.perSource, source) + 1);
      this.perFamily.set(family, count(this.perFamily, family) + 1);
    }
    return true;
  }

  /**
   * Forgets the candidate that failed most (of those, the one that failed longest ago) to make
   * room, among those of `source` when given; never one we are connected to or that never
   * failed. False when there is none.
   */
  private evictFailed(source?: string): boolean {
    let victim: Candidate | null = null;
    for (const c of this.byKey.values()) {
      if (c.connected || c.failures === 0 || (source !== undefined && c.source !== source)) continue;
      if (!victim || c.failures > victim.failures || (c.failures === victim.failures && c.failedAt < victim.failedAt)) victim = c;
    }
    if (!victim) return false;
    this.forget(victim);
    return true;
  }

  /**
   * A full list where nothing has failed yet: the family holding the most candidates (more
   * than the newcomer's own family plus one) gives up the last one it sent, not being dialled,
   * as libtorrent's erase_peers forces room (in the DHT, its network holding the most does).
   * Ten PEX peers naming 200 addresses each filled the list, and the peers a tracker named were
   * refused until enough of those had failed.
   */
  private evictFromLargest(newcomer: string | null): boolean {
    const largest = largestOf(this.perFamily, (newcomer === null ? 0 : count(this.perFamily, newcomer)) + 1);
    if (largest === null) return false;
    const most = this.largestSourceIn(largest, 0);
    return most !== null && this.evictOne(most);
  }

  /**
   * The DHT's share is full: its network holding the most (more than the newcomer's plus one)
   * gives up the candidate that failed most, else the last one it sent; when none holds that
   * many, the newcomer's network makes room among its own failed ones or the peer is refused.
   * Room is made fairly, not from whoever failed: a node answering every lookup with fresh
   * made-up peers only ever replaces its own, and each network keeps its part of the share.
   */
  private evictWithin(family: string, newcomer: string): boolean {
    const largest = this.largestSourceIn(family, count(this.perSource, newcomer) + 1);
    return (largest !== null && this.evictOne(largest)) || this.evictFailed(newcomer);
  }

  /** The source of `family` holding the most candidates, if more than `above`. */
  private largestSourceIn(family: string, above: number): string | null {
    return largestOf(this.perSource, above, (source) => familyOf(source) === family);
  }

  /** Forgets one candidate of `source` not being dialled: the one that failed most (longest ago), else the last it sent. */
  private evictOne(source: string): boolean {
    let victim: Candidate | null = null;
    for (const c of this.byKey.values()) {
      if (c.source !== source || c.connected) continue;
      const worse = !victim || c.failures > victim.failures || (c.failures === victim.failures && (c.failures === 0 || c.failedAt < victim.failedAt));
      if (worse) victim = c;
    }
    if (!victim) return false;
    this.forget(victim);
    return true;
  }

  private forget(c: Candidate): void {
    this.byKey.delete(c.key);
    if (c.source === null || c.family === null) return;
    if (decrement(this.perSource, c.source)) this.sourceTurn.delete(c.source);
    if (decrement(this.perFamily, c.family)) this.familyTurn.delete(c.family);
  }

  /**
   * Candidates ready to dial now: the families (trusted ones together) take turns, each oldest
   * first, beginning with the family whose last dial is the oldest (see familyTurn); within the
   * DHT's turns its node networks take turns the same way.
   */
  *ready(now: number): Generator<PeerAddress> {
    const byFamily = new Map<string | null, Map<string | null, PeerAddress[]>>();
    for (const c of this.byKey.values()) {
      if (c.connected || c.retryAt > now || c.failures >= MAX_FAILURES) continue;
      let sources = byFamily.get(c.family);
      if (!sources) byFamily.set(c.family, (sources = new Map()));
      const list = sources.get(c.source);
      if (list) list.push(c.address);
      else sources.set(c.source, [c.address]);
    }
    const families = inTurn(byFamily, this.familyTurn).map((sources) => (sources.size === 1 ? [...sources.values()][0]! : [...takeTurns(inTurn(sources, this.sourceTurn))]));
    yield* takeTurns(families);
  }

  /** A dial to it begins: not listed until it ends, and its source's and family's turn is over (see familyTurn). */
  markConnecting(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (!c) return;
    c.connected = true;
    const turn = ++this.dials;
    this.sourceTurn.set(c.source, turn);
    this.familyTurn.set(c.family, turn);
  }

  /** A dial we gave up ourselves (the torrent stopped): ready again at once, nothing counted. */
  released(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (c) c.connected = false;
  }

  /** The connection ended. `failed`: it never got going (refused, timeout, bad handshake). */
  markDisconnected(address: PeerAddress, failed: boolean): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (!c) return;
    c.connected = false;
    c.failures = failed ? c.failures + 1 : 0;
    if (failed) c.failedAt = Date.now();
    c.retryAt = Date.now() + (failed ? 5_000 * 2 ** Math.min(c.failures, 6) : 10_000);
  }

  /** The kinds of source that named this address (PeerOrigin bits; 0 for an address not in the list). */
  originsOf(address: PeerAddress): number {
    return this.byKey.get(PeerCandidates.key(address))?.origins ?? 0;
  }

  /** Whether the next dial should try uTP (it has not failed over uTP yet). */
  wantsUtp(address: PeerAddress): boolean {
    return this.byKey.get(PeerCandidates.key(address))?.utp ?? true;
  }

  /** A uTP dial got no answer: remembered, and dialled again at once over TCP (as libtorrent does). */
  utpFailed(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (!c) return;
    c.utp = false;
    c.connected = false;
    c.retryAt = 0;
  }

  /** TCP connected while a uTP dial beside it had no answer yet: later dials go straight to TCP. */
  preferTcp(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (c) c.utp = false;
  }

  /** A TCP dial failed: the next attempt (after the back-off) tries uTP again, whatever failed before. */
  tcpFailed(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (c) c.utp = true;
  }

  /** Someone says these peers speak uTP (a PEX flag): their next dial tries uTP first again. */
  supportsUtp(addresses: readonly PeerAddress[]): void {
    for (const address of addresses) {
      const c = this.byKey.get(PeerCandidates.key(address));
      if (c) c.utp = true;
    }
  }

  /** Whether the next dial should begin with an MSE handshake. */
  wantsEncryption(address: PeerAddress): boolean {
    return this.byKey.get(PeerCandidates.key(address))?.encrypted ?? false;
  }

  /**
   * The peer hung up before answering our handshake. Peers that require encryption do
   * that to a plain handshake, so the first time it is dialled again at once with MSE;
   * when MSE was refused too it counts as a failed dial and the next try is plain again.
   */
  handshakeRefused(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (!c) return;
    if (c.encrypted) {
      c.encrypted = false;
      this.markDisconnected(address, true);
      return;
    }
    c.encrypted = true;
    c.connected = false;
    c.retryAt = 0;
  }

  /**
   * Never dial this peer again (it sent data that failed the hash repeatedly). Banned by
   * address and port, not IP alone: on loopback or behind one NAT, many honest peers share an IP.
   */
  ban(address: PeerAddress): void {
    const key = PeerCandidates.key(address);
    this.banned.add(key);
    const c = this.byKey.get(key);
    if (c) this.forget(c);
  }

  isBanned(address: PeerAddress): boolean {
    return this.banned.has(PeerCandidates.key(address));
  }

  get size(): number {
    return this.byKey.size;
  }
}

function count(counts: ReadonlyMap<string, number>, key: string): number {
  return counts.get(key) ?? 0;
}

/** One fewer of `key`; true when none are left (and the key is gone). */
function decrement(counts: Map<string, number>, key: string): boolean {
  const left = count(counts, key) - 1;
  if (left > 0) {
    counts.set(key, left);
    return false;
  }
  counts.delete(key);
  return true;
}

/** The key (of those `among` takes) holding the most, if more than `above`; null otherwise. */
function largestOf(counts: ReadonlyMap<string, number>, above: number, among: (key: string) => boolean = () => true): string | null {
  let largest: string | null = null;
  let most = above;
  for (const [key, n] of counts) {
    if (n > most && among(key)) {
      largest = key;
      most = n;
    }
  }
  return largest;
}

/** The values, the key whose last turn is oldest first. Stable: keys never dialled (0) keep the order they were learnt in. */
function inTurn<K, V>(byKey: ReadonlyMap<K, V>, turns: ReadonlyMap<K, number>): V[] {
  return [...byKey].sort(([a], [b]) => (turns.get(a) ?? 0) - (turns.get(b) ?? 0)).map(([, value]) => value);
}

/** One of each list in turn (the first of each, then the second of each, …) until all are used up. */
function* takeTurns<T>(input: readonly T[][]): Generator<T> {
  const lists = [...input];
  for (let i = 0; lists.length > 0; i++) {
    for (let l = 0; l < lists.length; ) {
      const item = lists[l]![i];
      if (item === undefined) {
        lists.splice(l, 1);
        continue;
      }
      yield item;
      l++;
    }
  }
}
