import type { PeerAddress } from '../api.js';
import { formatHostPort } from '../util/host-port.js';

interface Candidate {
  address: PeerAddress;
  key: string;
  failures: number;
  /** When its last dial failed (ms): of two equally failed candidates the staler one goes first. */
  failedAt: number;
  /** Who told us of it, when that counts against a cap (a PEX peer's IP, a tracker, the DHT, a magnet's x.pe); null for the user's own peers. */
  source: string | null;
  /** Earliest time (ms) we may dial it again. */
  retryAt: number;
  connected: boolean;
  /** Dial it with an MSE handshake (it hung up on a plain one). */
  encrypted: boolean;
  /** Dial it over uTP first (libtorrent's torrent_peer::supports_utp: assumed until a uTP dial fails). */
  utp: boolean;
}

export const MAX_CANDIDATES = 2000;

/** Candidate sources besides a PEX peer (its IP): the DHT, a magnet's x.pe, LSD, a tracker (its URL). */
export const DHT_SOURCE = 'dht';
export const MAGNET_SOURCE = 'magnet x.pe';
export const LSD_SOURCE = 'lsd';
export function trackerSource(url: string): string {
  return `tracker ${url}`;
}
/**
 * Candidates one source (a PEX peer, a tracker, the DHT) may have in the list at a time: a tenth
 * of it, so no single source can fill the list with addresses that lead nowhere.
 */
export const MAX_CANDIDATES_PER_SOURCE = MAX_CANDIDATES / 10;
const MAX_FAILURES = 5;

/**
 * Peers we know of and may dial, from every source (CLI, trackers, DHT, PEX, magnet x.pe):
 * de-duplicated by address, with exponential back-off after failed dials and a cap on
 * how many are remembered. As libtorrent's peer list, a full list makes room by forgetting a
 * candidate whose dials failed, and one source may contribute only so many (a source at its
 * share makes room the same way among its own). Sources take turns to be dialled: 500 dead
 * addresses from one tracker or DHT node were dialled, 10 at a time, before any peer heard of
 * later (a silent one holds its attempt 20 s: 17 minutes).
 */
export class PeerCandidates {
  private readonly byKey = new Map<string, Candidate>();
  private readonly banned = new Set<string>();
  /** Candidates in the list per capped source. */
  private readonly perSource = new Map<string, number>();
  /**
   * When each source (null: the user's own peers) last had a candidate dialled, as a count of
   * dials: ready() lists the sources that waited longest first, so the turns go on from one
   * call to the next. Rebuilt from the first source at every call, the turns held only while
   * several slots came back at once: a dial that failed gave back one slot, and the one
   * candidate it left room for was the first source's every time (100 dead x.pe addresses kept
   * a tracker's seeder waiting for minutes).
   */
  private readonly lastTurn = new Map<string | null, number>();
  private dials = 0;

  static key(address: PeerAddress): string {
    return formatHostPort(address);
  }

  /** Learns an address; `source` names a PEX peer whose contributions are capped. False when not added. */
  add(address: PeerAddress, source: string | null = null): boolean {
    if (!Number.isInteger(address.port) || address.port <= 0 || address.port > 65535) return false;
    const key = PeerCandidates.key(address);
    if (this.byKey.has(key) || this.banned.has(key)) return false;
    if (source !== null && (this.perSource.get(source) ?? 0) >= MAX_CANDIDATES_PER_SOURCE && !this.evictFailed(source)) return false;
    if (this.byKey.size >= MAX_CANDIDATES && !this.evictFailed() && !this.evictFromLargest(source)) return false;
    this.byKey.set(key, { address, key, failures: 0, failedAt: 0, source, retryAt: 0, connected: false, encrypted: false, utp: true });
    if (source !== null) this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
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
   * A full list where nothing has failed yet: the source holding the most candidates (more
   * than the newcomer's own source plus one) gives up the last one it sent, not being dialled,
   * as libtorrent's erase_peers forces room. Ten PEX peers naming 200 addresses each filled the
   * list, and the peers a tracker named were refused until enough of those had failed.
   */
  private evictFromLargest(newcomer: string | null): boolean {
    let largest: string | null = null;
    let most = (newcomer === null ? 0 : (this.perSource.get(newcomer) ?? 0)) + 1;
    for (const [source, count] of this.perSource) {
      if (count > most) {
        largest = source;
        most = count;
      }
    }
    if (largest === null) return false;
    let victim: Candidate | null = null;
    for (const c of this.byKey.values()) if (c.source === largest && !c.connected) victim = c;
    if (!victim) return false;
    this.forget(victim);
    return true;
  }

  private forget(c: Candidate): void {
    this.byKey.delete(c.key);
    if (c.source === null) return;
    const left = (this.perSource.get(c.source) ?? 1) - 1;
    if (left > 0) this.perSource.set(c.source, left);
    else {
      this.perSource.delete(c.source);
      this.lastTurn.delete(c.source);
    }
  }

  /**
   * Candidates ready to dial now: the sources (trusted ones together) take turns, each oldest
   * first, beginning with the source whose last dial is the oldest (see lastTurn).
   */
  *ready(now: number): Generator<PeerAddress> {
    const bySource = new Map<string | null, PeerAddress[]>();
    for (const c of this.byKey.values()) {
      if (c.connected || c.retryAt > now || c.failures >= MAX_FAILURES) continue;
      const list = bySource.get(c.source);
      if (list) list.push(c.address);
      else bySource.set(c.source, [c.address]);
    }
    // Stable: sources never dialled (0) keep the order they were learnt in.
    const lists = [...bySource].sort(([a], [b]) => (this.lastTurn.get(a) ?? 0) - (this.lastTurn.get(b) ?? 0)).map(([, list]) => list);
    for (let i = 0; lists.length > 0; i++) {
      for (let l = 0; l < lists.length; ) {
        const address = lists[l]![i];
        if (address === undefined) {
          lists.splice(l, 1);
          continue;
        }
        yield address;
        l++;
      }
    }
  }

  /** A dial to it begins: not listed until it ends, and its source's turn is over (see lastTurn). */
  markConnecting(address: PeerAddress): void {
    const c = this.byKey.get(PeerCandidates.key(address));
    if (!c) return;
    c.connected = true;
    this.lastTurn.set(c.source, ++this.dials);
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
