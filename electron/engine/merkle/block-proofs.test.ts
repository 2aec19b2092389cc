import { describe, expect, it } from 'vitest';
import { fileData } from '../metainfo/test-torrents.js';
import type { HashRequest } from '../wire/hash-messages.js';
import { answerBelowPieceLayer, piecesBelowPieceLayer } from './block-proofs.js';
import { layersAbovePieces, rootHeight, uncleCount, verifyHashes } from './hash-proofs.js';
import { blockHashes, fileTree, MERKLE_BLOCK, merkleRoot, nextPowerOfTwo } from './merkle.js';

const PIECE = 4 * MERKLE_BLOCK;

/** Every piece's block hashes, keyed by piece, as the server has them after reading the data. */
function blocksOf(data: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  for (let p = 0; p * PIECE < data.length; p++) out.set(p, blockHashes(data.subarray(p * PIECE, (p + 1) * PIECE)));
  return out;
}

/** The block layer straight from the data, padded to the tree's width: the independent reference. */
function leafLayer(data: Buffer): Buffer[] {
  const leaves = blockHashes(data);
  const width = nextPowerOfTwo(Math.max(leaves.length, PIECE / MERKLE_BLOCK));
  while (leaves.length < width) leaves.push(Buffer.alloc(32));
  return leaves;
}

describe('hash requests below the piece layer', () => {
  // 9 pieces and a bit: the tree has 16 pieces of 4 blocks, and the last piece is partial.
  const data = fileData(9 * PIECE + 5000, 3);
  const tree = fileTree(data, PIECE);
  const above = layersAbovePieces(Buffer.concat(tree.layer), data.length, PIECE);
  const top = rootHeight(data.length);

  it.each([
    // libtorrent's verify_block_hashes: one piece's blocks, proofs up to the root.
    [0, 0, 4, top - 1],
    [0, 36, 4, top - 1],
    [0, 32, 4, 2],
    // Two pieces at once, a single block, a run inside a piece, the layer above the blocks.
    [0, 8, 8, top - 1],
    [0, 5, 1, top - 1],
    [0, 6, 2, 3],
    [1, 2, 2, top - 2],
    // Wholly in the padding past the file's end.
    [0, 60, 4, top - 1],
  ])('layer %i from %i, %i hashes, %i proof layers: the data\'s hashes, proven against the root', (baseLayer, index, length, proofLayers) => {
    const r: HashRequest = { root: tree.root, baseLayer, index, length, proofLayers };
    const { first, end } = piecesBelowPieceLayer(r, data.length, PIECE);
    const all = blocksOf(data);
    const needed = new Map([...all].filter(([p]) => p >= first && p < end));
    const hashes = answerBelowPieceLayer(r, data.length, PIECE, needed, above)!;
    expect(hashes).not.toBeNull();
    expect(hashes.length).toBe((length + uncleCount(r)) * 32);
    if (baseLayer === 0) expect(hashes.subarray(0, length * 32)).toEqual(Buffer.concat(leafLayer(data).slice(index, index + length)));
    // Proofs that reach the top are checked against the file root; shorter ones against the subtree they reach.
    if (baseLayer + proofLayers === top - 1) expect(verifyHashes(r, hashes, tree.root)).toBe(true);
    const bad = Buffer.from(hashes);
    bad[0]! ^= 1;
    if (baseLayer + proofLayers === top - 1) expect(verifyHashes(r, bad, tree.root)).toBe(false);
  });

  it('a proof that stops inside a piece hashes up to that piece\'s layer entry', () => {
    const r: HashRequest = { root: tree.root, baseLayer: 0, index: 12, length: 2, proofLayers: 1 };
    const hashes = answerBelowPieceLayer(r, data.length, PIECE, blocksOf(data), above)!;
    const [a, b, uncle] = [0, 1, 2].map((i) => hashes.subarray(i * 32, i * 32 + 32));
    expect(merkleRoot([merkleRoot([a!, b!], 2), uncle!], 2)).toEqual(tree.layer[3]);
  });

  it('needs the covered pieces, and only those', () => {
    const r: HashRequest = { root: tree.root, baseLayer: 0, index: 8, length: 8, proofLayers: top - 1 };
    expect(piecesBelowPieceLayer(r, data.length, PIECE)).toEqual({ first: 2, end: 4 });
    const partial = blocksOf(data);
    partial.delete(3);
    expect(answerBelowPieceLayer(r, data.length, PIECE, partial, above)).toBeNull();
    expect(piecesBelowPieceLayer({ ...r, index: 60, length: 4 }, data.length, PIECE)).toEqual({ first: 10, end: 10 });
  });

  it('a file of one piece: its whole tree lies within the piece', () => {
    const small = fileData(3 * MERKLE_BLOCK - 100, 4);
    const root = fileTree(small, PIECE).root;
    const r: HashRequest = { root, baseLayer: 0, index: 0, length: 2, proofLayers: rootHeight(small.length) - 1 };
    const hashes = answerBelowPieceLayer(r, small.length, PIECE, new Map([[0, blockHashes(small)]]), null)!;
    expect(verifyHashes(r, hashes, root)).toBe(true);
  });
});
