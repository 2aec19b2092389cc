/**
 * BEP 52 'piece layers': for every file larger than one piece, the SHA-256 hashes of its
 * pieces. libtorrent rejects a torrent whose layers do not hash up (merkle tree, padded to a
 * power of two) to the file's 'pieces root', or that names a root no such file has.
 */
import { createHash } from 'node:crypto';
import { type BDict, isBytes } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { BLOCK_SIZE, type FileEntry } from './file-list.js';

function sha256(a: Buffer, b: Buffer): Buffer {
  return createHash('sha256').update(a).update(b).digest();
}

/** Root of a merkle tree over `leaves`, padded with `pad` up to a power of two. */
export function merkleRoot(leaves: Buffer[], pad: Buffer): Buffer {
  let width = 1;
  while (width < leaves.length) width *= 2;
  let level = leaves.slice();
  let padding = pad;
  while (width > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < width; i += 2) {
      next.push(sha256(level[i] ?? padding, level[i + 1] ?? padding));
    }
    padding = sha256(padding, padding);
    level = next;
    width /= 2;
  }
  return level[0] ?? pad;
}

/** Hash of an all-zero subtree with `blocks` leaves (the padding of a piece layer). */
function pieceLayerPad(pieceLength: number): Buffer {
  let h: Buffer = Buffer.alloc(32);
  for (let w = pieceLength / BLOCK_SIZE; w > 1; w /= 2) h = sha256(h, h);
  return h;
}

function invalid(why: string): MetainfoError {
  return new MetainfoError('torrent_invalid_piece_layer', `invalid piece layer: ${why}`);
}

export function verifyPieceLayers(layers: BDict, files: readonly FileEntry[], pieceLength: number): void {
  // Files of more than one piece, by root (hex). A layer may be used once.
  const byRoot = new Map<string, FileEntry>();
  for (const f of files) {
    if (f.root !== null && f.length > pieceLength) {
      const hex = f.root.toString('hex');
      if (!byRoot.has(hex)) byRoot.set(hex, f);
    }
  }
  const pad = pieceLayerPad(pieceLength);

  for (const [key, value] of layers) {
    if (key.length !== 32 || !isBytes(value) || value.length % 32 !== 0) throw invalid('malformed entry');
    const hex = Buffer.from(key, 'latin1').toString('hex');
    const file = byRoot.get(hex);
    if (file === undefined) throw invalid('it does not belong to any file');
    const pieces = Math.ceil(file.length / pieceLength);
    if (value.length !== pieces * 32) throw invalid('wrong number of hashes');
    const leaves: Buffer[] = [];
    for (let i = 0; i < value.length; i += 32) leaves.push(value.subarray(i, i + 32));
    if (!merkleRoot(leaves, pad).equals(file.root as Buffer)) throw invalid("hashes do not match the file's pieces root");
    byRoot.delete(hex);
  }
}
