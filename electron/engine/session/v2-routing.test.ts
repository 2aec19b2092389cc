import { describe, expect, it } from 'vitest';
import { parseTorrent } from '../metainfo/index.js';
import { hybridTorrent } from '../metainfo/test-torrents.js';
import { hashesOfMagnet, hashesOfMeta, type InfoHashes } from '../torrent/info-hashes.js';
import { allWireHashes, findByWireHash, findSameTorrent } from './v2-routing.js';

const hybrid = parseTorrent(hybridTorrent({ files: [{ path: ['a.bin'], length: 100_000 }] }).bytes);
const other = parseTorrent(hybridTorrent({ name: 'other', files: [{ path: ['b.bin'], length: 70_000 }], v2Only: true }).bytes);
const v1 = hybrid.infoHash;
const v2 = hybrid.infoHashV2!;
const short = Buffer.from(v2.subarray(0, 20));

function keyed(...ts: Array<{ infoHash: string; infoHashes: InfoHashes }>): Map<string, { infoHash: string; infoHashes: InfoHashes }> {
  return new Map(ts.map((t) => [t.infoHash, t]));
}

describe('v2 routing', () => {
  it('a btmh magnet that learned its v1 hash is found by either hash, and MSE is offered both', () => {
    const t = { infoHash: short.toString('hex'), infoHashes: hashesOfMeta(hybrid) };
    const o = { infoHash: other.infoHashHex, infoHashes: hashesOfMeta(other) };
    const map = keyed(o, t);
    expect(findByWireHash(map, v1)).toBe(t);
    expect(findByWireHash(map, short)).toBe(t);
    expect(findByWireHash(map, other.infoHash)).toBe(o);
    expect(findByWireHash(map, Buffer.alloc(20))).toBeUndefined();
    expect([...allWireHashes(map.values())].map((h) => h.toString('hex')).sort()).toEqual([v1, short, other.infoHash].map((h) => h.toString('hex')).sort());
  });

  it('a hybrid added by .torrent is found by its truncated v2 hash (plain and MSE)', () => {
    const t = { infoHash: hybrid.infoHashHex, infoHashes: hashesOfMeta(hybrid) };
    expect(findByWireHash(keyed(t), short)).toBe(t);
    expect([...allWireHashes([t])]).toEqual([v1, short]);
  });

  it('a second add by another hash of the same torrent is a duplicate', () => {
    const magnet = { infoHash: short.toString('hex'), infoHashes: hashesOfMagnet(short, v2) };
    const map = keyed(magnet);
    expect(findSameTorrent(map, hybrid.infoHashHex, hashesOfMeta(hybrid))).toBe(magnet);
    expect(findSameTorrent(map, v1.toString('hex'), hashesOfMagnet(v1, v2))).toBe(magnet);
    // A btih-only magnet cannot be told apart from another torrent until the metadata comes.
    expect(findSameTorrent(map, v1.toString('hex'), hashesOfMagnet(v1, null))).toBeUndefined();
    expect(findSameTorrent(map, magnet.infoHash, magnet.infoHashes, magnet)).toBeUndefined();
  });
});
