/**
 * The session's torrents by key, and by every hash that names them. BEP 52: a hybrid torrent is
 * known to peers by two hashes, its v1 SHA-1 and the first 20 bytes of its SHA-256, and a magnet
 * may know either or both; the session's key is the hash a torrent was added with. An incoming
 * handshake (plain, or MSE's obfuscated hash), a second add by another hash, a restored twin
 * record: each names a torrent by any of its hashes. Found through maps, as libtorrent's session
 * indexes its torrents, not by comparing against every torrent: at 10,000 torrents a restart
 * compared 50 million pairs (44 s of CPU), and every incoming MSE connection cost 20,000 SHA-1s,
 * for anyone on the internet to ask.
 */
import { wireHashes, type InfoHashes } from '../torrent/info-hashes.js';
import { req2Hash } from '../wire/mse/mse-common.js';

export interface Routable {
  readonly infoHash: string;
  readonly infoHashes: InfoHashes;
}

/** One torrent's identities: each 20-byte wire hash, and the whole v2 hash. */
function identities(h: InfoHashes): string[] {
  const out = wireHashes(h).map((w) => `w${w.toString('hex')}`);
  if (h.v2 !== null) out.push(`v2${h.v2.toString('hex')}`);
  return out;
}

export class TorrentIndex<T extends Routable> {
  private readonly keyed = new Map<string, T>();
  /** Identity → the torrents that have it (one, but for a duplicate about to be removed). */
  private readonly byIdentity = new Map<string, T[]>();
  /** MSE: HASH('req2', wire hash) → that wire hash. */
  private readonly byReq2 = new Map<string, { hash: Buffer; torrents: T[] }>();
  /**
   * The hashes each torrent was indexed by, to take it out again after its hashes changed: its
   * own InfoHashes object (replaced, never changed, when it learns more), the keys derived from
   * it again when it leaves rather than kept (two arrays and an object per torrent).
   */
  private readonly indexed = new Map<T, InfoHashes>();

  get size(): number {
    return this.keyed.size;
  }

  get(key: string): T | undefined {
    return this.keyed.get(key);
  }

  has(key: string): boolean {
    return this.keyed.has(key);
  }

  values(): IterableIterator<T> {
    return this.keyed.values();
  }

  set(key: string, torrent: T): void {
    const before = this.keyed.get(key);
    if (before !== undefined) this.unindex(before);
    this.keyed.set(key, torrent);
    this.index(torrent);
  }

  delete(key: string): boolean {
    const torrent = this.keyed.get(key);
    if (torrent === undefined) return false;
    this.keyed.delete(key);
    this.unindex(torrent);
    return true;
  }

  /** The torrent learned another of its hashes (a magnet's metadata): index it under that too. */
  reindex(torrent: T): void {
    if (!this.indexed.has(torrent)) return;
    this.unindex(torrent);
    this.index(torrent);
  }

  /** The torrent a peer's 20-byte hash names: by key first (v1), else by any hash it knows. */
  byWireHash(wireHash: Buffer): T | undefined {
    if (wireHash.length !== 20) return undefined;
    const hex = wireHash.toString('hex');
    return this.keyed.get(hex) ?? this.byIdentity.get(`w${hex}`)?.[0];
  }

  /** A torrent other than `except` that is the one these hashes name (a duplicate add, a twin record). */
  same(key: string, hashes: InfoHashes, except?: T): T | undefined {
    const direct = this.keyed.get(key);
    if (direct !== undefined && direct !== except) return direct;
    for (const id of identities(hashes)) {
      const found = this.byIdentity.get(id)?.find((t) => t !== except);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** MSE: the wire hash whose HASH('req2', hash) this is, if a torrent here has it. */
  wireHashByReq2(req2: Buffer): Buffer | undefined {
    return this.byReq2.get(req2.toString('hex'))?.hash;
  }

  private index(torrent: T): void {
    const hashes = torrent.infoHashes;
    for (const id of identities(hashes)) push(this.byIdentity, id, torrent);
    for (const hash of wireHashes(hashes)) {
      const k = req2Key(hash);
      const entry = this.byReq2.get(k);
      if (entry) entry.torrents.push(torrent);
      else this.byReq2.set(k, { hash, torrents: [torrent] });
    }
    this.indexed.set(torrent, hashes);
  }

  private unindex(torrent: T): void {
    const was = this.indexed.get(torrent);
    if (!was) return;
    this.indexed.delete(torrent);
    for (const id of identities(was)) pull(this.byIdentity, id, torrent);
    for (const hash of wireHashes(was)) {
      const k = req2Key(hash);
      const entry = this.byReq2.get(k);
      if (!entry) continue;
      entry.torrents = entry.torrents.filter((t) => t !== torrent);
      if (entry.torrents.length === 0) this.byReq2.delete(k);
    }
  }
}

/** The byReq2 key of a wire hash. */
function req2Key(wireHash: Buffer): string {
  return req2Hash(wireHash).toString('hex');
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pull<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (!list) return;
  const rest = list.filter((t) => t !== value);
  if (rest.length === 0) map.delete(key);
  else map.set(key, rest);
}
