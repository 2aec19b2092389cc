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
 * The layers of a file's tree from the piece layer (padded to a power of two) up to the root:
 * one contiguous buffer per layer, 32 bytes a node (`levelNode`). About twice the padded piece
 * layer in all; a Buffer per node, as before, cost nine times the layer (75 MiB for 262,144
 * pieces).
 */
export type MerkleLevels = readonly Buffer[];

/** Node `pos` of layer `level` (0 = the piece layer), or null outside it. */
export function levelNode(levels: MerkleLevels, level: number, pos: number): Buffer | null {
  const layer = levels[level];
  if (layer === undefined || pos < 0 || (pos + 1) * 32 > layer.length) return null;
  return layer.subarray(pos * 32, pos * 32 + 32);
}

/** Pairs hashed between two turns of the event loop when built asynchronously (~10 ms). */
export const PAIRS_PER_TURN = 4096;

/** The layers above the pieces, at once (tests, small files). */
export function layersAbovePieces(layer: Buffer, fileLength: number, pieceLength: number): MerkleLevels {
  const build = buildLevels(layer, fileLength, pieceLength, Infinity);
  for (;;) {
    const step = build.next();
    if (step.done) return step.value;
  }
}

/**
 * The layers above the pieces, hashed a few thousand pairs at a time with the event loop
 * turning in between: a file of 262,144 pieces needs as many SHA-256 pairs (about a second),
 * and any peer can ask for its hashes.
 */
export async function layersAbovePiecesAsync(layer: Buffer, fileLength: number, pieceLength: number, pairsPerTurn = PAIRS_PER_TURN): Promise<MerkleLevels> {
  const build = buildLevels(layer, fileLength, pieceLength, pairsPerTurn);
  for (;;) {
    const step = build.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Builds the levels, yielding after every `pairsPerTurn` pairs hashed. Padding nodes are copied, not hashed. */
function* buildLevels(layer: Buffer, fileLength: number, pieceLength: number, pairsPerTurn: number): Generator<void, MerkleLevels> {
  let width = 2 ** (rootHeight(fileLength) - pieceLayerHeight(pieceLength));
  let pad = zeroSubtree(pieceLength / MERKLE_BLOCK);
  let real = Math.min(width, Math.floor(layer.length / 32));
  let below = Buffer.alloc(width * 32);
  layer.copy(below, 0, 0, real * 32);
  for (let i = real; i < width; i++) pad.copy(below, i * 32);
  const levels = [below];
  let hashed = 0;
  while (width > 1) {
    width /= 2;
    real = Math.ceil(real / 2);
    pad = pair(pad, pad);
    const up = Buffer.alloc(width * 32);
    for (let i = 0; i < real; i++) {
      pair(below.subarray(i * 64, i * 64 + 32), below.subarray(i * 64 + 32, i * 64 + 64)).copy(up, i * 32);
      if (++hashed % pairsPerTurn === 0) yield;
    }
    for (let i = real; i < width; i++) pad.copy(up, i * 32);
    levels.push(up);
    below = up;
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
export function answerRequest(r: HashRequest, levels: MerkleLevels, pieceLength: number): Buffer {
  const pl = pieceLayerHeight(pieceLength);
  const out: Buffer[] = [levels[r.baseLayer - pl]!.subarray(r.index * 32, (r.index + r.length) * 32)];
  for (let h = r.baseLayer + log2(r.length); h <= r.baseLayer + r.proofLayers; h++) {
    const pos = Math.floor(r.index / 2 ** (h - r.baseLayer));
    out.push(levelNode(levels, h - pl, pos ^ 1)!);
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
