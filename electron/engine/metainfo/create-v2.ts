/**
 * The BEP 52 parts of a new torrent: each file's merkle 'pieces root' and piece layer, and,
 * for a hybrid, the v1 'files' list with pad files so that every file starts on a piece (as
 * libtorrent ≥ 2.0.8 and qBittorrent make them: pad after every file that does not end on a
 * piece boundary, the last one included). One pass over each file feeds both the SHA-256
 * block hashes and, for hybrids, the SHA-1 of its (zero-padded) pieces.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Encodable } from '../bencode/index.js';
import { dataRoot, layerRoot, MERKLE_BLOCK, nextPowerOfTwo } from '../merkle/merkle.js';

export interface V2Source {
  absolute: string;
  /** Path inside the torrent; empty for a single-file torrent. */
  elements: string[];
  length: number;
}

export interface V2Parts {
  /** info['file tree']. */
  fileTree: Map<string, Encodable>;
  /** Top-level 'piece layers' (files of more than one piece). */
  pieceLayers: Map<string, Encodable>;
  /** Hybrid only: v1 'pieces' over the padded layout. */
  v1Pieces: Buffer | null;
  /** Hybrid multi-file only: v1 'files' with pad files. */
  v1Files: Encodable[] | null;
}

/** Bytes read at a time: a whole number of pieces (the pieces' hashes need them whole). */
function readSize(pieceLength: number): number {
  return Math.max(pieceLength, Math.floor((4 * 1024 * 1024) / pieceLength) * pieceLength);
}

interface FileHashes {
  root: Buffer | null;
  layer: Buffer[];
  sha1: Buffer[];
}

async function hashFile(file: V2Source, pieceLength: number, hybrid: boolean, onBytes: (n: number) => void): Promise<FileHashes> {
  const out: FileHashes = { root: null, layer: [], sha1: [] };
  if (file.length === 0) return out;
  const leavesPerPiece = pieceLength / MERKLE_BLOCK;
  const small = file.length <= pieceLength;
  const buffer = Buffer.alloc(readSize(pieceLength));
  const handle = await fsp.open(file.absolute, 'r');
  try {
    let position = 0;
    while (position < file.length) {
      const want = Math.min(buffer.length, file.length - position);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, position + got);
        if (bytesRead === 0) throw new Error(`${file.absolute} is shorter than it was (changed while hashing?)`);
        got += bytesRead;
      }
      for (let at = 0; at < want; at += pieceLength) {
        const piece = buffer.subarray(at, Math.min(want, at + pieceLength));
        if (small) out.root = dataRoot(piece, nextPowerOfTwo(Math.ceil(file.length / MERKLE_BLOCK)));
        else out.layer.push(dataRoot(piece, leavesPerPiece));
        if (hybrid) {
          // The v1 piece runs on into the pad file's zeros (never past the torrent's end, see below).
          const sha1 = createHash('sha1').update(piece);
          if (piece.length < pieceLength) sha1.update(Buffer.alloc(pieceLength - piece.length));
          out.sha1.push(sha1.digest());
        }
      }
      position += want;
      onBytes(want);
    }
  } finally {
    await handle.close();
  }
  if (!small) out.root = layerRoot(out.layer, pieceLength);
  return out;
}

function treeKey(element: string): string {
  return Buffer.from(element, 'utf8').toString('latin1');
}

export async function hashV2(
  name: string,
  files: readonly V2Source[],
  pieceLength: number,
  hybrid: boolean,
  onProgress?: (hashed: number, total: number) => void,
): Promise<V2Parts> {
  const total = files.reduce((n, f) => n + f.length, 0);
  let hashed = 0;
  const fileTree = new Map<string, Encodable>();
  const pieceLayers = new Map<string, Encodable>();
  const sha1: Buffer[] = [];
  const v1Files: Encodable[] = [];
  const single = files.length === 1 && files[0]!.elements.length === 0;

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const h = await hashFile(f, pieceLength, hybrid, (n) => {
      hashed += n;
      onProgress?.(hashed, total);
    });
    const leaf: Record<string, Encodable> = { length: f.length };
    if (h.root !== null) leaf['pieces root'] = h.root;
    if (h.layer.length > 0 && h.root !== null) pieceLayers.set(h.root.toString('latin1'), Buffer.concat(h.layer));

    // Insert under its path ([name] for a single-file torrent).
    const elements = single ? [name] : f.elements;
    let node = fileTree;
    for (let k = 0; k < elements.length - 1; k++) {
      const key = treeKey(elements[k]!);
      let child = node.get(key);
      if (!(child instanceof Map)) node.set(key, (child = new Map<string, Encodable>()));
      node = child as Map<string, Encodable>;
    }
    node.set(treeKey(elements[elements.length - 1]!), new Map([['', leaf]]));

    if (hybrid) {
      v1Files.push({ length: f.length, path: f.elements });
      const rem = f.length % pieceLength;
      if (rem !== 0 && !single) v1Files.push({ attr: 'p', length: pieceLength - rem, path: ['.pad', String(pieceLength - rem)] });
      sha1.push(...h.sha1);
    }
  }
  let v1Pieces: Buffer | null = null;
  if (hybrid) {
    // A single-file hybrid has no pad file: its last v1 piece is short, hash it again unpadded.
    if (single && total % pieceLength !== 0) {
      const last = Buffer.alloc(total % pieceLength);
      const handle = await fsp.open(files[0]!.absolute, 'r');
      try {
        await handle.read(last, 0, last.length, total - last.length);
      } finally {
        await handle.close();
      }
      sha1[sha1.length - 1] = createHash('sha1').update(last).digest();
    }
    v1Pieces = Buffer.concat(sha1);
  }
  return { fileTree, pieceLayers, v1Pieces, v1Files: hybrid && !single ? v1Files : null };
}

