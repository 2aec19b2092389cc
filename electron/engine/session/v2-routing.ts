/**
 * BEP 52: a hybrid torrent is known to peers by two hashes, its v1 SHA-1 and the first 20
 * bytes of its SHA-256. The session's map is keyed by the first; an incoming handshake with
 * the second is found here (only when the map has no entry for it, so v1 costs nothing).
 */
import type { Metainfo } from '../metainfo/index.js';

interface Routable {
  readonly meta: Metainfo | null;
}

export function findByV2Hash<T extends Routable>(torrents: Iterable<T>, wireHash: Buffer): T | undefined {
  if (wireHash.length !== 20) return undefined;
  for (const t of torrents) {
    const v2 = t.meta?.infoHashV2;
    if (v2 && t.meta?.hybrid && v2.subarray(0, 20).equals(wireHash)) return t;
  }
  return undefined;
}
