import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileData, v2Hashes } from '../metainfo/test-torrents.js';
import { blockHashes, dataRoot, fileTree, layerRoot, merkleRoot, MERKLE_BLOCK, nextPowerOfTwo, zeroSubtree } from './merkle.js';

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('merkle', () => {
  it('pads with zero leaves and with hashes of empty subtrees', () => {
    const zero = Buffer.alloc(32);
    expect(zeroSubtree(1)).toEqual(zero);
    expect(zeroSubtree(4)).toEqual(sha256(sha256(zero, zero), sha256(zero, zero)));
    const a = sha256(Buffer.from('a'));
    const b = sha256(Buffer.from('b'));
    const c = sha256(Buffer.from('c'));
    expect(merkleRoot([a, b, c], 4)).toEqual(sha256(sha256(a, b), sha256(c, zero)));
    expect(merkleRoot([a], 4)).toEqual(sha256(sha256(a, zero), sha256(zero, zero)));
    expect(merkleRoot([a], 1)).toEqual(a);
    expect(() => merkleRoot([a, b, c], 2)).toThrow(/do not fit/);
    expect(nextPowerOfTwo(0)).toBe(1);
    expect(nextPowerOfTwo(5)).toBe(8);
  });

  it('hashes 16 KiB blocks, the last one as it is (not zero-filled)', () => {
    const data = fileData(MERKLE_BLOCK + 100, 3);
    const hashes = blockHashes(data);
    expect(hashes).toHaveLength(2);
    expect(hashes[1]).toEqual(sha256(data.subarray(MERKLE_BLOCK)));
  });

  it.each([1, 100, MERKLE_BLOCK, MERKLE_BLOCK * 3 + 7, 65536, 65537, 65536 * 3, 65536 * 5 + 12345])(
    'root and piece layer of a %i-byte file agree with a straight block-tree computation',
    (length) => {
      const pieceLength = 65536;
      const data = fileData(length, length);
      const ours = fileTree(data, pieceLength);
      const reference = v2Hashes(data, pieceLength);
      expect(ours.root).toEqual(reference.root);
      expect(Buffer.concat(ours.layer)).toEqual(reference.layer);
      if (ours.layer.length > 0) {
        expect(layerRoot(ours.layer, pieceLength)).toEqual(ours.root);
        // The last piece's subtree is as wide as a whole piece.
        const lastStart = (ours.layer.length - 1) * pieceLength;
        expect(dataRoot(data.subarray(lastStart), pieceLength / MERKLE_BLOCK)).toEqual(ours.layer[ours.layer.length - 1]);
      }
    },
  );
});
