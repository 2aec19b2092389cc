/**
 * Synthetic .torrent builders for tests (ours and other modules'): v1 single/multi-file,
 * and v2 / hybrid file trees with real merkle roots and piece layers. Content is
 * deterministic pseudo-random data, so hashes are reproducible.
 */
import { createHash } from 'node:crypto';
import { encode, type Encodable } from '../bencode/index.js';

const BLOCK = 16 * 1024;

/** Deterministic bytes for file number `seed`. */
export function fileData(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function sha1Pieces(data: Buffer, pieceLength: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += pieceLength) parts.push(createHash('sha1').update(data.subarray(i, i + pieceLength)).digest());
  return Buffer.concat(parts);
}

export interface V1File {
  path: string[];
  length: number;
  attr?: string;
  symlinkPath?: Encodable[];
}

/** A v1 info dictionary; 'pieces' has the right size (zero hashes unless `pieces` is given). */
export function v1Info(opts: {
  name?: Encodable;
  pieceLength?: Encodable;
  length?: Encodable;
  files?: Array<V1File | Encodable>;
  pieces?: Encodable;
  extra?: Record<string, Encodable>;
}): Record<string, Encodable | undefined> {
  const pieceLength = opts.pieceLength ?? 16384;
  let total = typeof opts.length === 'number' ? opts.length : 0;
  const files = opts.files?.map((f) => {
    if (typeof f === 'object' && f !== null && 'path' in f && Array.isArray((f as V1File).path) && typeof (f as V1File).length === 'number') {
      const v = f as V1File;
      total += v.length;
      return { length: v.length, path: v.path, attr: v.attr, 'symlink path': v.symlinkPath };
    }
    return f as Encodable;
  });
  const pl = typeof pieceLength === 'number' && pieceLength > 0 ? pieceLength : 16384;
  return {
    name: opts.name ?? 'test',
    'piece length': pieceLength,
    length: opts.length,
    files,
    pieces: opts.pieces ?? Buffer.alloc(Math.ceil(total / pl) * 20),
    ...opts.extra,
  };
}

export function torrentBytes(info: Encodable, extra: Record<string, Encodable | undefined> = {}): Buffer {
  return encode({ ...extra, info });
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function reduce(level: Buffer[], pad: Buffer): Buffer {
  let width = 1;
  while (width < level.length) width *= 2;
  let cur = level;
  let padding = pad;
  while (width > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < width; i += 2) next.push(sha256(cur[i] ?? padding, cur[i + 1] ?? padding));
    cur = next;
    padding = sha256(padding, padding);
    width /= 2;
  }
  return cur[0] ?? pad;
}

export interface V2FileHashes {
  root: Buffer;
  /** Concatenated piece hashes; empty for files of at most one piece. */
  layer: Buffer;
}

/** BEP 52 hashes of `data`, computed straight from the block tree (independently of the parser). */
export function v2Hashes(data: Buffer, pieceLength: number): V2FileHashes {
  const blocks: Buffer[] = [];
  for (let i = 0; i < data.length; i += BLOCK) blocks.push(sha256(data.subarray(i, i + BLOCK)));
  const zero = Buffer.alloc(32);
  const blocksPerPiece = pieceLength / BLOCK;
  if (data.length <= pieceLength) return { root: reduce(blocks, zero), layer: Buffer.alloc(0) };
  // Pad the leaf layer to whole pieces, then to a power of two: the root covers the full tree.
  const pieces: Buffer[] = [];
  for (let i = 0; i < blocks.length; i += blocksPerPiece) {
    const leaves = blocks.slice(i, i + blocksPerPiece);
    while (leaves.length < blocksPerPiece) leaves.push(zero);
    pieces.push(reduce(leaves, zero));
  }
  const allLeaves = blocks.slice();
  let width = 1;
  while (width < allLeaves.length) width *= 2;
  while (allLeaves.length < Math.max(width, blocksPerPiece)) allLeaves.push(zero);
  return { root: reduce(allLeaves, zero), layer: Buffer.concat(pieces) };
}

export interface HybridFile {
  path: string[];
  length: number;
}

/**
 * A hybrid (v1+v2) torrent as libtorrent creates it: v1 'files' with pad files aligning
 * every file to a piece, a matching 'file tree', 'piece layers', and real v1 piece hashes.
 * `tailPad` adds the pad file after the last file (libtorrent ≥ 2.0.8 does).
 */
export function hybridTorrent(opts: {
  name?: string;
  pieceLength?: number;
  files: HybridFile[];
  tailPad?: boolean;
  v2Only?: boolean;
}): { bytes: Buffer; info: Record<string, Encodable>; layers: Map<string, Buffer>; tree: Map<string, Encodable> } {
  const pieceLength = opts.pieceLength ?? 32768;
  const name = opts.name ?? 'hybrid';
  const tree = new Map<string, Encodable>();
  const layers = new Map<string, Buffer>();
  const v1Files: Encodable[] = [];
  const payload: Buffer[] = [];

  opts.files.forEach((f, i) => {
    const data = fileData(f.length, i + 1);
    const leaf: Record<string, Encodable> = { length: f.length };
    if (f.length > 0) {
      const h = v2Hashes(data, pieceLength);
      leaf['pieces root'] = h.root;
      if (h.layer.length > 0) layers.set(h.root.toString('latin1'), h.layer);
    }
    // Insert into the tree (Map keys are raw latin1 strings).
    let node = tree;
    f.path.forEach((el, k) => {
      const key = Buffer.from(el, 'utf8').toString('latin1');
      if (k === f.path.length - 1) node.set(key, new Map([['', leaf]]));
      else {
        let child = node.get(key);
        if (!(child instanceof Map)) {
          child = new Map<string, Encodable>();
          node.set(key, child);
        }
        node = child as Map<string, Encodable>;
      }
    });
    v1Files.push({ length: f.length, path: f.path });
    payload.push(data);
    const rem = f.length % pieceLength;
    const last = i === opts.files.length - 1;
    if (rem !== 0 && (!last || opts.tailPad === true)) {
      const pad = pieceLength - rem;
      v1Files.push({ attr: 'p', length: pad, path: ['.pad', String(pad)] });
      payload.push(Buffer.alloc(pad));
    }
  });

  const data = Buffer.concat(payload);
  const info: Record<string, Encodable> = {
    'file tree': tree,
    'meta version': 2,
    name,
    'piece length': pieceLength,
  };
  if (opts.v2Only !== true) {
    info['files'] = v1Files;
    info['pieces'] = sha1Pieces(data, pieceLength);
  }
  const bytes = encode({ info, 'piece layers': layers });
  return { bytes, info, layers, tree };
}
