import { describe, expect, it } from 'vitest';
import { parseTorrent } from '../metainfo/index.js';
import { hybridTorrent } from '../metainfo/test-torrents.js';
import { hashesOfMagnet, hashesOfMeta, type InfoHashes } from '../torrent/info-hashes.js';
import { obfuscatedInfoHash, xorReq3 } from '../wire/mse/mse-common.js';
import { TorrentIndex } from './torrent-index.js';

const hybrid = parseTorrent(hybridTorrent({ files: [{ path: ['a.bin'], length: 100_000 }] }).bytes);
const other = parseTorrent(hybridTorrent({ name: 'other', files: [{ path: ['b.bin'], length: 70_000 }], v2Only: true }).bytes);
const v1 = hybrid.infoHash;
const v2 = hybrid.infoHashV2!;
const short = Buffer.from(v2.subarray(0, 20));

interface Fake {
  infoHash: string;
  infoHashes: InfoHashes;
}

function indexOf(...ts: Fake[]): TorrentIndex<Fake> {
  const index = new TorrentIndex<Fake>();
  for (const t of ts) index.set(t.infoHash, t);
  return index;
}

/** What an MSE responder looks up for an initiator naming `hash`. */
function req2Of(hash: Buffer): Buffer {
  const secret = Buffer.alloc(96, 5);
  return xorReq3(obfuscatedInfoHash(hash, secret), secret);
}

describe('TorrentIndex', () => {
  it('finds a btmh magnet that learned its v1 hash by either hash, plain and MSE', () => {
    const t: Fake = { infoHash: short.toString('hex'), infoHashes: hashesOfMagnet(short, v2) };
    const o: Fake = { infoHash: other.infoHashHex, infoHashes: hashesOfMeta(other) };
    const index = indexOf(o, t);
    expect(index.byWireHash(v1)).toBeUndefined();
    t.infoHashes = hashesOfMeta(hybrid);
    index.reindex(t);
    expect(index.byWireHash(v1)).toBe(t);
    expect(index.byWireHash(short)).toBe(t);
    expect(index.byWireHash(other.infoHash)).toBe(o);
    expect(index.byWireHash(Buffer.alloc(20))).toBeUndefined();
    expect(index.byWireHash(Buffer.alloc(32))).toBeUndefined();
    for (const h of [v1, short, other.infoHash]) expect(index.wireHashByReq2(req2Of(h))?.equals(h)).toBe(true);
    expect(index.wireHashByReq2(req2Of(Buffer.alloc(20)))).toBeUndefined();
  });

  it('finds a hybrid added by .torrent by its truncated v2 hash', () => {
    const t: Fake = { infoHash: hybrid.infoHashHex, infoHashes: hashesOfMeta(hybrid) };
    const index = indexOf(t);
    expect(index.byWireHash(short)).toBe(t);
    expect(index.wireHashByReq2(req2Of(short))?.equals(short)).toBe(true);
  });

  it('takes a second add by another hash of the same torrent for a duplicate', () => {
    const magnet: Fake = { infoHash: short.toString('hex'), infoHashes: hashesOfMagnet(short, v2) };
    const index = indexOf(magnet);
    expect(index.same(hybrid.infoHashHex, hashesOfMeta(hybrid))).toBe(magnet);
    expect(index.same(v1.toString('hex'), hashesOfMagnet(v1, v2))).toBe(magnet);
    // A btih-only magnet cannot be told apart from another torrent until the metadata comes.
    expect(index.same(v1.toString('hex'), hashesOfMagnet(v1, null))).toBeUndefined();
    expect(index.same(magnet.infoHash, magnet.infoHashes, magnet)).toBeUndefined();
  });

  it('forgets every hash of a removed torrent, and keeps a duplicate that shares them', () => {
    const a: Fake = { infoHash: hybrid.infoHashHex, infoHashes: hashesOfMeta(hybrid) };
    const b: Fake = { infoHash: short.toString('hex'), infoHashes: hashesOfMeta(hybrid) };
    const index = indexOf(a, b);
    expect(index.size).toBe(2);
    expect(index.same(a.infoHash, a.infoHashes, a)).toBe(b);
    expect(index.delete(a.infoHash)).toBe(true);
    expect(index.delete(a.infoHash)).toBe(false);
    expect(index.get(a.infoHash)).toBeUndefined();
    expect(index.byWireHash(v1)).toBe(b);
    expect(index.wireHashByReq2(req2Of(v1))?.equals(v1)).toBe(true);
    index.delete(b.infoHash);
    expect(index.byWireHash(v1)).toBeUndefined();
    expect(index.byWireHash(short)).toBeUndefined();
    expect(index.wireHashByReq2(req2Of(v1))).toBeUndefined();
    expect(index.same(hybrid.infoHashHex, hashesOfMeta(hybrid))).toBeUndefined();
  });

  it('replaces what a key held when it is set again', () => {
    const a: Fake = { infoHash: other.infoHashHex, infoHashes: hashesOfMeta(other) };
    const b: Fake = { infoHash: other.infoHashHex, infoHashes: hashesOfMeta(other) };
    const index = indexOf(a);
    index.set(b.infoHash, b);
    expect(index.size).toBe(1);
    expect(index.same('00'.repeat(20), hashesOfMeta(other))).toBe(b);
    expect([...index.values()]).toEqual([b]);
  });

  it('answers in one lookup whatever the number of torrents', () => {
    const index = new TorrentIndex<Fake>();
    const many = Array.from({ length: 20_000 }, (_, i) => {
      const h = Buffer.alloc(20);
      h.writeUInt32BE(i + 1);
      return { infoHash: h.toString('hex'), infoHashes: hashesOfMagnet(h, null) } satisfies Fake;
    });
    for (const t of many) index.set(t.infoHash, t);
    // Each of these is a hash lookup; by comparing against every torrent they would take 20,000 × 20,000.
    for (const t of many) expect(index.same(`ff${t.infoHash.slice(2)}`, t.infoHashes)).toBe(t);
    const last = many.at(-1)!;
    expect(index.wireHashByReq2(req2Of(last.infoHashes.v1!))?.equals(last.infoHashes.v1!)).toBe(true);
  });
});
