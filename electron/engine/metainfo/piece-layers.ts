/**
 * BEP 52 'piece layers': for every file larger than one piece, the SHA-256 hashes of its
 * pieces. libtorrent rejects a torrent whose layers do not hash up (merkle tree, padded to a
 * power of two) to the file's 'pieces root', or that names a root no such file has. A file
 * whose layer is absent is fine (its hashes can come from peers, as for a magnet).
 */
import { type BDict, isBytes } from '../bencode/index.js';
import { layerRoot } from '../merkle/merkle.js';
import { MetainfoError } from './errors.js';
import type { FileEntry } from './file-list.js';

function invalid(why: string): MetainfoError {
  return new MetainfoError('torrent_invalid_piece_layer', `invalid piece layer: ${why}`);
}

/** Checks every layer against its file's root; returns the layers by root (hex). */
export function verifyPieceLayers(layers: BDict, files: readonly FileEntry[], pieceLength: number): Map<string, Buffer> {
  // Files of more than one piece, by root (hex). A layer may be used once.
  const byRoot = new Map<string, FileEntry>();
  for (const f of files) {
    if (f.root !== null && f.length > pieceLength) {
      const hex = f.root.toString('hex');
      if (!byRoot.has(hex)) byRoot.set(hex, f);
    }
  }
  const out = new Map<string, Buffer>();
  for (const [key, value] of layers) {
    if (key.length !== 32 || !isBytes(value) || value.length % 32 !== 0) throw invalid('malformed entry');
    const hex = Buffer.from(key, 'latin1').toString('hex');
    const file = byRoot.get(hex);
    if (file === undefined) throw invalid('it does not belong to any file');
    const pieces = Math.ceil(file.length / pieceLength);
    if (value.length !== pieces * 32) throw invalid('wrong number of hashes');
    const leaves: Buffer[] = [];
    for (let i = 0; i < value.length; i += 32) leaves.push(value.subarray(i, i + 32));
    if (!layerRoot(leaves, pieceLength).equals(file.root as Buffer)) throw invalid("hashes do not match the file's pieces root");
    byRoot.delete(hex);
    out.set(hex, Buffer.from(value));
  }
  return out;
}
