/**
 * BEP 52 hash messages over a file's merkle tree, as libtorrent frames them (merkle_tree.cpp
 * get_hashes, hash_picker.cpp validate_hash_request). Heights count from the 16 KiB leaves
 * (0) to the root (log2 of the leaf count, the tree padded to a power of two). A request for
 * `length` hashes of layer `base` from `index`, with `proofLayers`, is answered with those
 * hashes and then the uncles from the run's own subtree root up to height base+proofLayers.
 * Tessera keeps piece layers, not block hashes: it serves the piece layer and above from them,
 * and layers below from the data (block-proofs.ts).
 */
import { createHash } from 'node:crypto';
import type { HashRequest } from '../wire/hash-messages.js';
import { MAX_HASHES_PER_REQUEST } from '../wire/hash-messages.js';
import { merkleRoot, MERKLE_BLOCK, nextPowerOfTwo, zeroSubtree } from './merkle.js';

export function log2(n: number): number {
  return Math.round(Math.log2(n));
}

/** Height of the root of a file of `length` bytes (its leaves padded to a power of two). */
export function rootHeight(length: number): number {
  return log2(nextPowerOfTwo(Math.ceil(length / MERKLE_BLOCK)));
}

/** Height of the piece layer. */
export function pieceLayerHeight(pieceLength: number): number {
  return log2(pieceLength / MERKLE_BLOCK);
}

function pair(a: Uint8Array, b: Uint8Array): Buffer {
  return createHash('sha256').update(a).update(b).digest();
}

/**
 * Every layer from the piece layer (padded) up to the root, built once per file and kept:
 * about twice the piece layer's size.
 */
export function layersAbovePieces(layer: Buffer, fileLength: number, pieceLength: number): Buffer[][] {
  const width = 1 << (rootHeight(fileLength) - pieceLayerHeight(pieceLength));
  const pad = zeroSubtree(pieceLength / MERKLE_BLOCK);
  const level: Buffer[] = [];
  for (let i = 0; i < width; i++) level.push(i * 32 < layer.length ? layer.subarray(i * 32, i * 32 + 32) : pad);
  const levels = [level];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) up.push(pair(below[i]!, below[i + 1]!));
    levels.push(up);
  }
  return levels;
}

/**
 * Why a request is not valid for the file's tree (a hash reject), or null: libtorrent's
 * validate_hash_request, plus runs aligned to their own size (as every libtorrent request is).
 * Layers below the piece layer are valid; they are answered from the data (block-proofs.ts).
 */
export function requestProblem(r: HashRequest, fileLength: number): string | null {
  const top = rootHeight(fileLength);
  if (r.length < 1 || r.length > MAX_HASHES_PER_REQUEST || (r.length & (r.length - 1)) !== 0) return 'length is not a power of two from 1 to 8192';
  if (r.baseLayer < 0 || r.baseLayer >= top) return 'no such layer in the file\'s tree';
  // Not 1 << n: a layer of 2^31 nodes or more (a file of 32 TiB) would wrap to a negative size.
  const levelSize = 2 ** (top - r.baseLayer);
  if (r.index % r.length !== 0 || r.index + r.length > levelSize) return 'index outside the layer';
  if (r.proofLayers >= top - r.baseLayer) return 'too many proof layers';
  return null;
}

/** The hashes answering a valid request (see requestProblem): the run, then its uncles. */
export function answerRequest(r: HashRequest, levels: Buffer[][], pieceLength: number): Buffer {
  const pl = pieceLayerHeight(pieceLength);
  const out: Buffer[] = levels[r.baseLayer - pl]!.slice(r.index, r.index + r.length);
  for (let h = r.baseLayer + log2(r.length); h <= r.baseLayer + r.proofLayers; h++) {
    const pos = Math.floor(r.index / 2 ** (h - r.baseLayer));
    out.push(levels[h - pl]![pos ^ 1]!);
  }
  return Buffer.concat(out);
}

/** Uncles a response to `r` carries after its `length` hashes. */
export function uncleCount(r: HashRequest): number {
  return Math.max(0, r.proofLayers - log2(r.length) + 1);
}

/** Whether `hashes` (run + uncles) prove the run against the file's root. */
export function verifyHashes(r: HashRequest, hashes: Buffer, root: Buffer): boolean {
  if (hashes.length !== (r.length + uncleCount(r)) * 32) return false;
  const run: Buffer[] = [];
  for (let i = 0; i < r.length; i++) run.push(hashes.subarray(i * 32, i * 32 + 32));
  let node = merkleRoot(run, r.length);
  let pos = r.index / r.length;
  for (let u = r.length * 32; u < hashes.length; u += 32) {
    const uncle = hashes.subarray(u, u + 32);
    node = pos % 2 === 0 ? pair(node, uncle) : pair(uncle, node);
    pos = Math.floor(pos / 2);
  }
  return node.equals(root);
}
