import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTorrent } from '../metainfo/index.js';
import { hybridTorrent } from '../metainfo/test-torrents.js';
import { hashesOfMagnet, hashesOfMeta, infoMatches, learnedMore, primaryWireHash, sameTorrent, wireHashes } from './info-hashes.js';

const hybrid = parseTorrent(hybridTorrent({ files: [{ path: ['a.bin'], length: 100_000 }] }).bytes);
const v2only = parseTorrent(hybridTorrent({ files: [{ path: ['a.bin'], length: 100_000 }], v2Only: true }).bytes);
const v1 = hybrid.infoHash;
const v2 = hybrid.infoHashV2!;

describe('info-hashes', () => {
  it('a hybrid knows both hashes; a v2-only one only its SHA-256', () => {
    expect(hashesOfMeta(hybrid)).toEqual({ v1, v2 });
    expect(hashesOfMeta(v2only)).toEqual({ v1: null, v2: v2only.infoHashV2 });
    expect(wireHashes(hashesOfMeta(hybrid))).toEqual([v1, v2.subarray(0, 20)]);
    expect(wireHashes(hashesOfMeta(v2only))).toEqual([v2only.infoHashV2!.subarray(0, 20)]);
  });

  it('a btmh-only magnet has no v1 hash until the metadata tells it, and then dials by v1', () => {
    const magnet = hashesOfMagnet(Buffer.from(v2.subarray(0, 20)), v2);
    expect(magnet.v1).toBeNull();
    expect(primaryWireHash(magnet, Buffer.alloc(20))).toEqual(v2.subarray(0, 20));
    const learned = hashesOfMeta(hybrid);
    expect(learnedMore(magnet, learned)).toBe(true);
    expect(learnedMore(learned, learned)).toBe(false);
    expect(primaryWireHash(learned, Buffer.alloc(20))).toEqual(v1);
  });

  it('the same torrent by any of its hashes: btih magnet, btmh magnet, both, the .torrent', () => {
    const forms = [hashesOfMagnet(v1, null), hashesOfMagnet(Buffer.from(v2.subarray(0, 20)), v2), hashesOfMagnet(v1, v2), hashesOfMeta(hybrid)];
    for (const [i, a] of forms.entries()) {
      for (const [j, b] of forms.entries()) if (i + j !== 1) expect(sameTorrent(a, b), `${i} and ${j}`).toBe(true);
    }
    // Only a btih-only and a btmh-only magnet cannot tell before the metadata.
    expect(sameTorrent(forms[0]!, forms[1]!)).toBe(false);
    expect(sameTorrent(hashesOfMeta(v2only), hashesOfMeta(hybrid))).toBe(false);
  });

  it('metadata must match every known hash, the whole SHA-256 included', () => {
    expect(infoMatches(hashesOfMagnet(v1, v2), hybrid.infoBytes)).toBe(true);
    expect(infoMatches(hashesOfMagnet(Buffer.from(v2.subarray(0, 20)), v2), hybrid.infoBytes)).toBe(true);
    expect(infoMatches(hashesOfMagnet(v1, null), hybrid.infoBytes)).toBe(true);
    // A 20-byte name of a v2 torrent is its truncated SHA-256.
    expect(infoMatches(hashesOfMagnet(Buffer.from(v2only.infoHashV2!.subarray(0, 20)), null), v2only.infoBytes)).toBe(true);
    const wrongV2 = createHash('sha256').update('other').digest();
    expect(infoMatches(hashesOfMagnet(v1, wrongV2), hybrid.infoBytes)).toBe(false);
    expect(infoMatches(hashesOfMagnet(v1, null), v2only.infoBytes)).toBe(false);
  });
});
