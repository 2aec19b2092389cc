/**
 * BEP 52 hash requests below the piece layer: layer 0 is the 16 KiB block hashes, which
 * libtorrent asks for after a piece of a v2 torrent failed its check (hash_picker.cpp
 * verify_block_hashes: base 0, one piece's blocks, with proofs). Tessera keeps no block hashes,
 * so the pieces a request covers are read and hashed again; the caller serves them only when
 * they hash up to the piece layer (or file root) it holds. The answer has the same shape as
 * answerRequest's (hash-proofs.ts): the run, then its uncles up to base + proofLayers.
 */
import type { HashRequest } from '../wire/hash-messages.js';
import { levelNode, log2, pieceLayerHeight, type MerkleLevels } from './hash-proofs.js';
import { merkleRoot, MERKLE_BLOCK, zeroSubtree } from './merkle.js';

/** File-relative pieces [first, end) whose blocks a request below the piece layer covers (none past the file's end). */
export function piecesBelowPieceLayer(r: HashRequest, fileLength: number, pieceLength: number): { first: number; end: number } {
  const blocksPerPiece = pieceLength / MERKLE_BLOCK;
  const pieceCount = Math.ceil(fileLength / pieceLength);
  const span = 2 ** r.baseLayer;
  const first = Math.min(pieceCount, Math.floor((r.index * span) / blocksPerPiece));
  const end = Math.min(pieceCount, Math.ceil(((r.index + r.length) * span) / blocksPerPiece));
  return { first, end: Math.max(first, end) };
}

/**
 * The hashes answering `r` (base below the piece layer), from the block hashes of the pieces
 * it covers (`blocks`: file-relative piece → the SHA-256 of each of its data blocks) and the
 * layers from the piece layer up (`above`, hash-proofs' layersAbovePieces; null for a file of
 * one piece, whose whole tree lies within it). Null when a needed piece is missing.
 */
export function answerBelowPieceLayer(
  r: HashRequest,
  fileLength: number,
  pieceLength: number,
  blocks: ReadonlyMap<number, readonly Buffer[]>,
  above: MerkleLevels | null,
): Buffer | null {
  const pl = pieceLayerHeight(pieceLength);
  const blocksPerPiece = pieceLength / MERKLE_BLOCK;
  const pieceCount = Math.ceil(fileLength / pieceLength);
  const node = (height: number, pos: number): Buffer | null => {
    if (above !== null && height >= pl) return levelNode(above, height - pl, pos);
    // Below the piece layer every node lies inside one piece.
    const span = 2 ** height;
    const leaf = pos * span;
    const piece = Math.floor(leaf / blocksPerPiece);
    if (piece >= pieceCount) return zeroSubtree(span);
    const hashes = blocks.get(piece);
    if (hashes === undefined) return null;
    const from = leaf - piece * blocksPerPiece;
    return merkleRoot(hashes.slice(from, from + span), span);
  };
  const out: Buffer[] = [];
  for (let i = 0; i < r.length; i++) {
    const h = node(r.baseLayer, r.index + i);
    if (h === null) return null;
    out.push(h);
  }
  for (let height = r.baseLayer + log2(r.length); height <= r.baseLayer + r.proofLayers; height++) {
    const h = node(height, Math.floor(r.index / 2 ** (height - r.baseLayer)) ^ 1);
    if (h === null) return null;
    out.push(h);
  }
  return Buffer.concat(out);
}
