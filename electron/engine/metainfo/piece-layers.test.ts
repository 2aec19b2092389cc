import { describe, expect, it, vi } from 'vitest';
import { encode, type Encodable } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { parseTorrent } from './index.js';
import { layerRootOf, rememberLayer } from './piece-layers.js';
import { layerRoot } from '../merkle/merkle.js';
import { randomBytes } from 'node:crypto';
import { hybridTorrent } from './test-torrents.js';

const PIECE = 16384;
// 300 pieces: a layer big enough to be remembered.
const t = hybridTorrent({ name: 'layers', files: [{ path: ['a.bin'], length: 300 * PIECE - 100 }], pieceLength: PIECE, v2Only: true });
const [rootKey, layer] = [...t.layers][0]!;
const root = Buffer.from(rootKey, 'latin1');

function withLayer(l: Buffer): Buffer {
  return encode({ info: t.info as Encodable, 'piece layers': new Map([[rootKey, l]]) });
}

function codeOf(bytes: Buffer): string | null {
  try {
    parseTorrent(bytes);
    return null;
  } catch (e) {
    return e instanceof MetainfoError ? e.code : String(e);
  }
}

describe('piece layer checks', () => {
  it('still rejects a changed layer after the right one was checked and remembered', () => {
    expect(codeOf(withLayer(layer))).toBeNull();
    expect(codeOf(withLayer(layer))).toBeNull();
    const bad = Buffer.from(layer);
    bad[bad.length - 1]! ^= 1;
    expect(codeOf(withLayer(bad))).toBe('torrent_invalid_piece_layer');
    rememberLayer(root, layer);
    expect(codeOf(withLayer(bad))).toBe('torrent_invalid_piece_layer');
  });

  it('takes a layer remembered by its creator without hashing it up again', () => {
    // rememberLayer is the caller's word that the layer hashes up to the root (createTorrent
    // computed both); a layer that does not would otherwise be rejected.
    const unchecked = Buffer.from(layer);
    unchecked[0]! ^= 1;
    expect(codeOf(withLayer(unchecked))).toBe('torrent_invalid_piece_layer');
    rememberLayer(root, unchecked);
    expect(codeOf(withLayer(unchecked))).toBeNull();
  });
});

describe('viewsOfInput', () => {
  it('keeps the info dictionary and the layers as views of the bytes given, when asked; copies otherwise', () => {
    const bytes = withLayer(layer);
    const layerOf = (m: ReturnType<typeof parseTorrent>): Buffer => m.v2!.files[0]!.layer!;
    const viewed = parseTorrent(bytes, { viewsOfInput: true });
    expect(layerOf(viewed).buffer).toBe(bytes.buffer);
    expect(viewed.infoBytes.buffer).toBe(bytes.buffer);
    const copiedMeta = parseTorrent(bytes);
    const copied = layerOf(copiedMeta);
    expect(copied.buffer).not.toBe(bytes.buffer);
    expect(copiedMeta.infoBytes.buffer).not.toBe(bytes.buffer);
    expect(copiedMeta.infoBytes.equals(viewed.infoBytes)).toBe(true);
    expect(copied.equals(layer)).toBe(true);
  });
});

describe('layerRootOf', () => {
  it('hashes a layer up as it sits in the torrent, to the root merkle.ts gives from a list of its pieces', () => {
    for (const pieces of [1, 2, 3, 4, 5, 7, 8, 300, 1025]) {
      for (const pieceLength of [PIECE, 4 * PIECE]) {
        const l = randomBytes(32 * pieces);
        const list: Buffer[] = [];
        for (let i = 0; i < l.length; i += 32) list.push(l.subarray(i, i + 32));
        expect(layerRootOf(l, pieceLength).toString('hex'), `${pieces} pieces of ${pieceLength}`).toBe(layerRoot(list, pieceLength).toString('hex'));
      }
    }
  });

  it('works in half the size of the layer, not in a copy of it (9 MB for a file of 295,000 pieces)', () => {
    const l = randomBytes(32 * 1025);
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      layerRootOf(l, PIECE);
      const largest = Math.max(0, ...alloc.mock.calls.map(([size]) => size));
      expect(largest).toBeLessThanOrEqual(32 * 513);
    } finally {
      alloc.mockRestore();
    }
  });

  it('leaves the layer as it was', () => {
    const l = randomBytes(32 * 5);
    const copy = Buffer.from(l);
    layerRootOf(l, PIECE);
    expect(l.equals(copy)).toBe(true);
  });
});
