/**
 * BEP 52: a hybrid torrent is known to peers by two hashes, its v1 SHA-1 and the first 20
 * bytes of its SHA-256, and a magnet may know either or both. The session's map is keyed by
 * the hash a torrent was added with; everything else that names a torrent (an incoming
 * handshake, plain or MSE, or a second add of the same torrent by another hash) is matched
 * against every hash the torrent knows, as libtorrent's session indexes both.
 */
import { namesTorrent, sameTorrent, wireHashes, type InfoHashes } from '../torrent/info-hashes.js';

interface Routable {
  readonly infoHash: string;
  readonly infoHashes: InfoHashes;
}

/** The torrent a peer's 20-byte hash names: by key first (v1 costs nothing), else by any hash it knows. */
export function findByWireHash<T extends Routable>(keyed: ReadonlyMap<string, T>, wireHash: Buffer): T | undefined {
  if (wireHash.length !== 20) return undefined;
  const direct = keyed.get(wireHash.toString('hex'));
  if (direct) return direct;
  for (const t of keyed.values()) if (namesTorrent(t.infoHashes, wireHash)) return t;
  return undefined;
}

/** Every 20-byte hash incoming peers may name, for MSE (whose SKEY is any of them, obfuscated). */
export function* allWireHashes<T extends Routable>(torrents: Iterable<T>): Generator<Buffer> {
  for (const t of torrents) yield* wireHashes(t.infoHashes);
}

/** A torrent in the session that is the one these hashes name (a duplicate add), other than `except`. */
export function findSameTorrent<T extends Routable>(keyed: ReadonlyMap<string, T>, key: string, hashes: InfoHashes, except?: T): T | undefined {
  const direct = keyed.get(key);
  if (direct && direct !== except) return direct;
  for (const t of keyed.values()) if (t !== except && sameTorrent(t.infoHashes, hashes)) return t;
  return undefined;
}
