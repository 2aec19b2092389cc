/**
 * A torrent's identities on the wire, as libtorrent's info_hash_t: its v1 SHA-1 (v1 and
 * hybrid torrents) and its v2 SHA-256 (v2-only and hybrid; peers and trackers see its first 20
 * bytes). A magnet may know one or both; the metadata tells both, so a btmh-only magnet that
 * turns out hybrid learns its v1 hash then (and v1-only peers can reach it from that point).
 */
import { createHash } from 'node:crypto';
import type { Metainfo } from '../metainfo/index.js';

export interface InfoHashes {
  /** 20-byte SHA-1 of the info dict; null for a v2-only torrent (or a btmh-only magnet). */
  readonly v1: Buffer | null;
  /** 32-byte SHA-256 of the info dict; null for a v1 torrent (or a btih-only magnet). */
  readonly v2: Buffer | null;
}

/** What the metadata says (a v1-only torrent has no v2; a v2-only one no v1). */
export function hashesOfMeta(meta: Metainfo): InfoHashes {
  const v2 = meta.infoHashV2;
  const v1 = v2 === null || meta.hybrid ? meta.infoHash : null;
  return { v1, v2 };
}

/**
 * What a magnet says: its btih (20 bytes) and btmh (32 bytes, or null). A btih equal to the
 * truncated btmh is no v1 hash: it is how v2-only torrents are named by 20-byte hashes.
 */
export function hashesOfMagnet(btih: Buffer, btmh: Buffer | null): InfoHashes {
  if (btmh === null) return { v1: btih, v2: null };
  return { v1: btih.equals(btmh.subarray(0, 20)) ? null : btih, v2: btmh };
}

/** The 20-byte hash a v2 torrent is known by to peers, trackers and the DHT. */
export function truncatedV2(h: InfoHashes): Buffer | null {
  return h.v2 === null ? null : h.v2.subarray(0, 20);
}

/** The hash we dial, announce and handshake with: v1 when there is one (v1-only peers know no other), else the truncated v2. */
export function primaryWireHash(h: InfoHashes, fallback: Buffer): Buffer {
  return h.v1 ?? truncatedV2(h) ?? fallback;
}

/** Every 20-byte hash peers may name the torrent by (one, or two for a hybrid). */
export function wireHashes(h: InfoHashes): Buffer[] {
  const out: Buffer[] = [];
  if (h.v1) out.push(h.v1);
  const v2 = truncatedV2(h);
  if (v2 && !(h.v1 && h.v1.equals(v2))) out.push(v2);
  return out;
}

/** Whether a peer's 20-byte hash names this torrent. */
export function namesTorrent(h: InfoHashes, wireHash: Buffer): boolean {
  return wireHashes(h).some((w) => w.equals(wireHash));
}

/** Whether two sets of hashes describe the same torrent (any hash in common). */
export function sameTorrent(a: InfoHashes, b: InfoHashes): boolean {
  return wireHashes(a).some((w) => namesTorrent(b, w)) || (a.v2 !== null && b.v2 !== null && a.v2.equals(b.v2));
}

/**
 * Whether `info` (the metadata peers sent) is the torrent these hashes name, as libtorrent's
 * set_metadata checks: the v1 hash must be its SHA-1 (or, for a 20-byte name of a v2 torrent,
 * the first 20 bytes of its SHA-256), and a known v2 hash its whole SHA-256.
 */
export function infoMatches(h: InfoHashes, info: Uint8Array): boolean {
  const sha256 = h.v2 !== null || h.v1 !== null ? createHash('sha256').update(info).digest() : null;
  if (h.v1 && !createHash('sha1').update(info).digest().equals(h.v1) && !sha256!.subarray(0, 20).equals(h.v1)) return false;
  if (h.v2 && !sha256!.equals(h.v2)) return false;
  return h.v1 !== null || h.v2 !== null;
}

/** Whether `b` knows a hash `a` does not (the metadata told a magnet its other hash). */
export function learnedMore(a: InfoHashes, b: InfoHashes): boolean {
  return (a.v1 === null && b.v1 !== null) || (a.v2 === null && b.v2 !== null);
}
