import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode, type Encodable } from '../bencode/index.js';
import { dataRoot } from '../merkle/merkle.js';
import { fileData, hybridTorrent } from './test-torrents.js';
import { parseInfoDictionary, parseTorrent, v2PieceCheck, type Metainfo } from './index.js';

const pieceLength = 32768;
// A multi-piece file, an empty file, a file smaller than a piece, another multi-piece one
// (in the file tree's key order, which a hybrid's v1 list must follow).
const files = [
  { path: ['big.bin'], length: 3 * pieceLength + 5000 },
  { path: ['empty'], length: 0 },
  { path: ['small.txt'], length: 700 },
  { path: ['sub', 'two.bin'], length: 2 * pieceLength },
];

/** Each piece's data as the torrent lays it out (zeros in pad files). */
function pieceData(m: Metainfo, index: number): Buffer {
  const out = Buffer.alloc(m.pieceLength);
  const start = index * m.pieceLength;
  let seed = 0;
  for (const f of m.files) {
    if (f.pad) continue;
    seed++;
    if (f.length === 0) continue;
    const data = fileData(f.length, seed);
    const from = Math.max(start, f.offset);
    const to = Math.min(start + m.pieceLength, f.offset + f.length);
    if (from < to) data.copy(out, from - start, from - f.offset, to - f.offset);
  }
  return out;
}

function checkEveryPiece(m: Metainfo): void {
  for (let i = 0; i < m.pieceCount; i++) {
    const check = v2PieceCheck(m.v2!, m.pieceLength, i);
    expect(check, `piece ${i}`).not.toBeNull();
    const data = pieceData(m, i);
    expect(dataRoot(data.subarray(0, check!.dataLength), check!.leaves), `piece ${i}`).toEqual(check!.expected);
  }
}

describe('v2 and hybrid torrents', () => {
  it('loads a v2-only torrent: piece-aligned files, truncated SHA-256 info-hash, merkle checks per piece', () => {
    const t = hybridTorrent({ files, pieceLength, v2Only: true });
    const m = parseTorrent(t.bytes);
    const infoBytes = encode(t.info);
    const sha256 = createHash('sha256').update(infoBytes).digest();
    expect(m.infoHashV2).toEqual(sha256);
    expect(m.infoHash).toEqual(sha256.subarray(0, 20));
    expect(m.hybrid).toBe(false);
    expect(m.pieceHashes.length).toBe(0);
    for (const f of m.files) if (!f.pad && f.length > 0) expect(f.offset % pieceLength).toBe(0);
    expect(m.files.filter((f) => !f.pad).map((f) => f.path)).toEqual(['hybrid/big.bin', 'hybrid/empty', 'hybrid/small.txt', 'hybrid/sub/two.bin']);
    expect(m.pieceCount).toBe(4 + 1 + 2);
    checkEveryPiece(m);
  });

  it('loads a hybrid: SHA-1 wire hash, SHA-256 beside it, and the same pieces checkable both ways', () => {
    const t = hybridTorrent({ files, pieceLength });
    const m = parseTorrent(t.bytes);
    const infoBytes = encode(t.info);
    expect(m.hybrid).toBe(true);
    expect(m.infoHash).toEqual(createHash('sha1').update(infoBytes).digest());
    expect(m.infoHashV2).toEqual(createHash('sha256').update(infoBytes).digest());
    expect(m.pieceHashes.length).toBe(m.pieceCount * 20);
    checkEveryPiece(m);
    for (let i = 0; i < m.pieceCount; i++) {
      const len = i === m.pieceCount - 1 ? m.lastPieceLength : m.pieceLength;
      expect(createHash('sha1').update(pieceData(m, i).subarray(0, len)).digest()).toEqual(m.pieceHashes.subarray(i * 20, i * 20 + 20));
    }
  });

  it('without piece layers (metadata from a magnet), only files of one piece can be checked', () => {
    const t = hybridTorrent({ files, pieceLength, v2Only: true });
    const m = parseInfoDictionary(encode(t.info));
    const small = m.v2!.files.find((f) => f.length === 700)!;
    expect(v2PieceCheck(m.v2!, pieceLength, small.firstPiece)).not.toBeNull();
    expect(v2PieceCheck(m.v2!, pieceLength, 0)).toBeNull();
    expect(m.v2!.files.every((f) => f.layer === null)).toBe(true);
  });
});

describe("v2 'file tree' keys '.' and '..' are dropped from paths, as libtorrent 2.0.8 drops them", () => {
  type Tree = Map<string, Encodable>;
  const leaf = (length = 100): Tree => new Map([['', { length, 'pieces root': Buffer.alloc(32, 0x22) }]]);
  const tree = (entries: Array<[string, Tree]>): Tree => new Map(entries);
  const v2Info = (fileTree: Tree) => ({ 'file tree': fileTree, 'meta version': 2, name: 'T', 'piece length': 16384 });
  const paths = (m: Metainfo): string[] => m.files.filter((f) => !f.pad).map((f) => f.path);
  const codeOf = (bytes: Buffer): string => {
    try {
      parseTorrent(bytes);
      return 'loaded';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };

  it('a folder named "." or ".." vanishes (v_dot, v_dotdot: T/x)', () => {
    const dot = tree([['.', tree([['x', leaf()]])], ['y', leaf()]]);
    const dotdot = tree([['..', tree([['..', tree([['x', leaf()]])]])], ['y', leaf()]]);
    expect(paths(parseTorrent(encode({ info: v2Info(dot) })))).toEqual(['T/x', 'T/y']);
    expect(paths(parseTorrent(encode({ info: v2Info(dotdot) })))).toEqual(['T/x', 'T/y']);
  });

  it('a file named ".." takes its folder\'s path (then renamed as a duplicate of the folder)', () => {
    expect(paths(parseTorrent(encode({ info: v2Info(tree([['..', leaf()], ['y', leaf()]])) })))).toEqual(['T.1', 'T/y']);
  });

  it('a single-file torrent whose file is named ".." has no name (v_single_dotdot)', () => {
    expect(codeOf(encode({ info: v2Info(tree([['..', leaf()]])) }))).toBe('torrent_missing_name');
  });

  it("a hybrid's v1 and v2 lists agree when both drop the same element, and not when only one does", () => {
    const v2 = (dirKey: string) => tree([[dirKey, tree([['x', leaf()]])], ['y', leaf()]]);
    const hybrid = (dirKey: string, v1Dir: string): Buffer =>
      encode({
        info: {
          ...v2Info(v2(dirKey)),
          files: [
            { length: 100, path: [v1Dir, 'x'] },
            { attr: 'p', length: 16384 - 100, path: ['.pad', String(16384 - 100)] },
            { length: 100, path: ['y'] },
          ],
          pieces: Buffer.alloc(40, 1),
        },
      });
    expect(paths(parseTorrent(hybrid('.', '.')))).toEqual(['T/x', 'T/y']);
    expect(paths(parseTorrent(hybrid('..', '..')))).toEqual(['T/x', 'T/y']);
    expect(codeOf(hybrid('..', '_'))).toBe('torrent_inconsistent_files');
  });
});
