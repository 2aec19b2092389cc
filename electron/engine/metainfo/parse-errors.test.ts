/**
 * Every rejection class of libtorrent's test_torrent_info.cpp (as listed in the conformance
 * EXPECTED.md), reproduced with fixtures generated here.
 */
import { describe, expect, it } from 'vitest';
import { encode, type Encodable } from '../bencode/index.js';
import { MetainfoError, type MetainfoErrorCode, parseTorrent } from './index.js';
import { hybridTorrent, torrentBytes, v1Info } from './test-torrents.js';

function codeOf(bytes: Uint8Array): MetainfoErrorCode | 'loaded' {
  try {
    parseTorrent(bytes);
    return 'loaded';
  } catch (e) {
    if (e instanceof MetainfoError) return e.code;
    throw e;
  }
}

const single = (extra: Record<string, Encodable | undefined> = {}): Buffer =>
  torrentBytes({ ...v1Info({ name: 'file.bin', length: 425 }), ...extra });

describe('rejected like libtorrent: v1', () => {
  it('accepts the baseline fixtures', () => {
    expect(codeOf(single())).toBe('loaded');
    expect(codeOf(torrentBytes(v1Info({ name: 'dir', files: [{ path: ['a'], length: 45 }] })))).toBe('loaded');
  });

  it('torrent_is_no_dict: the file is not a dictionary', () => {
    expect(codeOf(encode('just a string'))).toBe('torrent_is_no_dict');
    expect(codeOf(encode([1, 2]))).toBe('torrent_is_no_dict');
  });

  it('torrent_missing_info: no info, or info is not a dictionary', () => {
    expect(codeOf(encode({ announce: 'x' }))).toBe('torrent_missing_info');
    expect(codeOf(encode({ info: 'abc' }))).toBe('torrent_missing_info');
  });

  it.each<[string, Encodable | undefined]>([
    ['missing', undefined],
    ['a string', '16384'],
    ['negative', -16384],
    ['zero', 0],
    ['2^30, the first length libtorrent 2.0.8 refuses', 2 ** 30],
    ['2^31 - 1', 2 ** 31 - 1],
    ['a huge bigint', 2n ** 62n],
  ])('torrent_missing_piece_length: piece length %s', (_what, value) => {
    expect(codeOf(single({ 'piece length': value }))).toBe('torrent_missing_piece_length');
  });

  // Each of these loads in libtorrent 2.0.8 (python3-libtorrent, checked by hand).
  it.each<[string, number]>([
    ['2^30 - 1, the largest', 2 ** 30 - 1],
    ['512 MiB', 536870912],
    ['512 MiB + 16 KiB', 536887296],
    ['32767 blocks', 32767 * 16384],
    ['one byte under a block', 16383],
    ['not a multiple of 16 KiB', 100000],
    ['1000', 1000],
    ['5', 5],
    ['1', 1],
  ])('accepts a v1 piece length of %s', (_what, pieceLength) => {
    // Small enough that 'pieces' keeps the file under the 10 MB .torrent limit at piece length 1.
    const length = 400_000;
    const bytes = torrentBytes(v1Info({ name: 'file.bin', length, pieceLength }));
    expect(codeOf(bytes)).toBe('loaded');
    expect(parseTorrent(bytes).pieceCount).toBe(Math.ceil(length / pieceLength));
  });

  it('loads piece length 1 up to the 2^21 piece limit, and refuses one piece more', () => {
    // As libtorrent loads such an info dict from a buffer; a .torrent file this size is over the 10 MB limit.
    const big = { maxSize: 50_000_000 };
    expect(parseTorrent(torrentBytes(v1Info({ name: 'file.bin', length: 0x200000, pieceLength: 1 })), big).pieceCount).toBe(0x200000);
    expect(() => parseTorrent(torrentBytes(v1Info({ name: 'file.bin', length: 0x200001, pieceLength: 1 })), big)).toThrow(/too many pieces/);
    expect(codeOf(torrentBytes(v1Info({ name: 'file.bin', length: 600_000, pieceLength: 1 })))).toBe('metadata_too_large');
  });

  it('torrent_missing_name: no name, a non-string name, or a single-file name that sanitizes away', () => {
    expect(codeOf(single({ name: undefined }))).toBe('torrent_missing_name');
    expect(codeOf(single({ name: 42 }))).toBe('torrent_missing_name');
    expect(codeOf(single({ name: '' }))).toBe('torrent_missing_name');
    expect(codeOf(single({ name: '..' }))).toBe('torrent_missing_name');
    expect(codeOf(single({ name: Buffer.from([0, 0, 0, 0]) }))).toBe('torrent_missing_name');
  });

  it('invalid_bencoding: nesting of 100 levels, where libtorrent stops (99 load)', () => {
    const nested = (lists: number): Buffer => {
      const info = encode(v1Info({ name: 'file.bin', length: 425 }) as Encodable);
      return Buffer.concat([Buffer.from('d4:info'), info, Buffer.from(`1:z${'l'.repeat(lists)}${'e'.repeat(lists)}e`)]);
    };
    // The top-level dictionary is the first level.
    expect(codeOf(nested(98))).toBe('loaded');
    expect(codeOf(nested(99))).toBe('invalid_bencoding');
  });

  it('loads a single-file name of only dots and spaces, as "_" (libtorrent loads it; Windows trims it away)', () => {
    for (const name of ['...', ' ', '. .', '....']) {
      const m = parseTorrent(single({ name }));
      expect(m.name).toBe('_');
      expect(m.files.map((f) => f.path)).toEqual(['_']);
    }
    // A multi-file torrent's folder too: "_" rather than the info-hash, as libtorrent on Windows.
    expect(parseTorrent(torrentBytes(v1Info({ name: '...', files: [{ path: ['a'], length: 45 }] }))).files[0]?.path).toBe('_/a');
  });

  it('loads path elements and names of 4 KiB and more (libtorrent has no limit; they are cut to 240 bytes)', () => {
    const long = 'a'.repeat(5000);
    const multi = parseTorrent(torrentBytes(v1Info({ name: 'dir', files: [{ path: [long, 'b'], length: 45 }, { path: ['b'.repeat(5000)], length: 5 }] })));
    expect(multi.files.map((f) => f.pathElements.map((e) => e.length))).toEqual([[3, 240, 1], [3, 240]]);
    expect(parseTorrent(single({ name: long })).name).toHaveLength(240);
  });

  it('torrent_missing_name: a file entry without a path (unless it is a pad file)', () => {
    const noPath = torrentBytes(v1Info({ files: [{ length: 10 }] }));
    expect(codeOf(noPath)).toBe('torrent_missing_name');
    const emptyPath = torrentBytes(v1Info({ files: [{ length: 10, path: [] }] }));
    expect(codeOf(emptyPath)).toBe('torrent_missing_name');
  });

  it('torrent_invalid_name: a path or symlink path with a non-string element', () => {
    expect(codeOf(torrentBytes(v1Info({ files: [{ length: 10, path: ['a', 1242] }] })))).toBe('torrent_invalid_name');
    const badLink = v1Info({ files: [{ path: ['a'], length: 10 }, { path: ['b'], length: 0, attr: 'l', symlinkPath: ['a', 4] }] });
    expect(codeOf(torrentBytes(badLink))).toBe('torrent_invalid_name');
  });

  it.each<[string, Encodable]>([
    ['negative', -425],
    ['a list', [45]],
    ['a string', '45'],
    ['beyond the 2^44 - 16 KiB file limit', 17592186028032],
  ])('torrent_invalid_length: single-file length %s', (_what, length) => {
    expect(codeOf(single({ length }))).toBe('torrent_invalid_length');
  });

  it('torrent_invalid_length: a negative file in a list, or nothing to download', () => {
    expect(codeOf(torrentBytes(v1Info({ files: [{ path: ['a'], length: -45 }] })))).toBe('torrent_invalid_length');
    expect(codeOf(single({ length: 0, pieces: Buffer.alloc(0) }))).toBe('torrent_invalid_length');
    const allEmpty = v1Info({ files: [{ path: ['a'], length: 0 }, { path: ['.pad', '0'], length: 0, attr: 'p' }] });
    expect(codeOf(torrentBytes(allEmpty))).toBe('torrent_invalid_length');
  });

  it('torrent_missing_pieces and torrent_invalid_hashes', () => {
    expect(codeOf(single({ pieces: -23 }))).toBe('torrent_missing_pieces');
    expect(codeOf(single({ pieces: undefined }))).toBe('torrent_missing_pieces');
    expect(codeOf(single({ pieces: Buffer.alloc(24) }))).toBe('torrent_invalid_hashes');
    expect(codeOf(single({ pieces: Buffer.alloc(40) }))).toBe('torrent_invalid_hashes');
  });

  it('too_many_pieces_in_torrent: more than 2^21 pieces', () => {
    const tooMany = single({ length: (0x200000 + 1) * 16384, pieces: Buffer.alloc(20) });
    expect(codeOf(tooMany)).toBe('too_many_pieces_in_torrent');
    // 1.76 TB in 16 KiB pieces (libtorrent's many_pieces.torrent).
    expect(codeOf(single({ length: 1_759_218_604_441, pieces: Buffer.alloc(20) }))).toBe('too_many_pieces_in_torrent');
  });

  it('no_files_in_torrent: an empty files list', () => {
    expect(codeOf(torrentBytes(v1Info({ files: [] })))).toBe('no_files_in_torrent');
  });

  it('torrent_file_parse_failed: a files entry that is not a dictionary', () => {
    expect(codeOf(torrentBytes(v1Info({ files: ['oops'] })))).toBe('torrent_file_parse_failed');
  });

  it('too_many_duplicate_filenames: 118 copies of one path, but 30 copies are renamed', () => {
    const many = (n: number): Buffer =>
      torrentBytes(v1Info({ files: Array.from({ length: n }, () => ({ path: ['foo', 'bar.txt'], length: 1 })) }));
    expect(codeOf(many(118))).toBe('too_many_duplicate_filenames');
    const ok = parseTorrent(many(30));
    expect(ok.files.map((f) => f.path).slice(0, 3)).toEqual(['test/foo/bar.txt', 'test/foo/bar.1.txt', 'test/foo/bar.2.txt']);
    expect(new Set(ok.files.map((f) => f.path)).size).toBe(30);
  });

  it('invalid_bencoding: malformed input, nesting deeper than 100', () => {
    expect(codeOf(Buffer.from('d4:infod'))).toBe('invalid_bencoding');
    const deep = Buffer.from(`d4:infod5:filesl${'l'.repeat(120)}${'e'.repeat(120)}eee`);
    expect(codeOf(deep)).toBe('invalid_bencoding');
  });

  it('loads leading zeros and a negative zero in a v1 torrent, as libtorrent 2.0.8 does', () => {
    const pieces = `6:pieces20:${'a'.repeat(20)}`;
    const leadingZeroInt = Buffer.from(`d4:infod6:lengthi05e4:name1:a12:piece lengthi16384e${pieces}ee`);
    const negativeZero = Buffer.from(`d4:infod6:lengthi5e4:name1:a12:piece lengthi16384e7:privatei-0e${pieces}ee`);
    const leadingZeroLength = Buffer.from(`d4:infod6:lengthi5e4:name01:a12:piece lengthi16384e${pieces}ee`);
    expect(parseTorrent(leadingZeroInt).totalLength).toBe(5);
    expect(parseTorrent(negativeZero).private).toBe(false);
    expect(parseTorrent(leadingZeroLength).name).toBe('a');
  });

  it('metadata_too_large: input over 10,000,000 bytes', () => {
    expect(codeOf(Buffer.alloc(10_000_001))).toBe('metadata_too_large');
  });
});

describe('rejected like libtorrent: v2 and hybrid', () => {
  const files = [
    { path: ['a.bin'], length: 70000 },
    { path: ['sub', 'b.bin'], length: 1000 },
  ];

  it('loads a consistent hybrid through its v1 half, with or without the tail pad', () => {
    expect(codeOf(hybridTorrent({ files }).bytes)).toBe('loaded');
    expect(codeOf(hybridTorrent({ files, tailPad: true }).bytes)).toBe('loaded');
    expect(codeOf(hybridTorrent({ files: [{ path: ['only'], length: 100000 }] }).bytes)).toBe('loaded');
  });

  it('loads v2-only torrents with their file tree', () => {
    expect(codeOf(hybridTorrent({ files, v2Only: true }).bytes)).toBe('loaded');
  });

  it('torrent_inconsistent_files: v1 and v2 lists that disagree', () => {
    const t = hybridTorrent({ files });
    const renamed = { ...t.info, files: [{ length: 70000, path: ['other.bin'] }, ...(t.info['files'] as Encodable[]).slice(1)] };
    expect(codeOf(encode({ info: renamed, 'piece layers': t.layers }))).toBe('torrent_inconsistent_files');
    // Pad files missing: the v1 offsets no longer line up with the v2 piece alignment.
    const unpadded = { ...t.info, files: files.map((f) => ({ length: f.length, path: f.path })), pieces: Buffer.alloc(Math.ceil(71000 / 32768) * 20) };
    expect(codeOf(encode({ info: unpadded, 'piece layers': t.layers }))).toBe('torrent_inconsistent_files');
  });

  it('torrent_missing_piece_length: v2 piece lengths must be powers of two of at least 16 KiB', () => {
    const t = hybridTorrent({ files, v2Only: true });
    expect(codeOf(encode({ info: { ...t.info, 'piece length': 32767 } }))).toBe('torrent_missing_piece_length');
    expect(codeOf(encode({ info: { ...t.info, 'piece length': 8192 } }))).toBe('torrent_missing_piece_length');
    expect(codeOf(encode({ info: { ...t.info, 'piece length': 49152 } }))).toBe('torrent_missing_piece_length');
    expect(codeOf(encode({ info: { ...t.info, 'piece length': 2 ** 30 } }))).toBe('torrent_missing_piece_length');
    expect(codeOf(encode({ info: { ...t.info, 'piece length': 2147483647 } }))).toBe('torrent_missing_piece_length');
  });

  it('accepts v2 and hybrid piece lengths from 16 KiB up to 2^29, as libtorrent 2.0.8 does', () => {
    for (const pieceLength of [16384, 2 ** 29]) {
      const one = [{ path: ['a.bin'], length: 70000 }];
      expect(codeOf(hybridTorrent({ files: one, pieceLength, v2Only: true }).bytes)).toBe('loaded');
      expect(codeOf(hybridTorrent({ files: one, pieceLength }).bytes)).toBe('loaded');
    }
  });

  it('torrent_file_parse_failed: a leaf without its "" key, or an empty name', () => {
    const t = hybridTorrent({ files, v2Only: true });
    const noLeafKey = new Map<string, Encodable>([['a.bin', { length: 70000, 'pieces root': Buffer.alloc(32, 1) }]]);
    expect(codeOf(encode({ info: { ...t.info, 'file tree': noLeafKey } }))).toBe('torrent_file_parse_failed');
    const emptyName = new Map<string, Encodable>([['', new Map([['', { length: 5, 'pieces root': Buffer.alloc(32, 1) }]])]]);
    expect(codeOf(encode({ info: { ...t.info, 'file tree': emptyName } }))).toBe('torrent_file_parse_failed');
  });

  it('torrent_missing_pieces_root: no root, a short root, or an all-zero root', () => {
    const tree = (leaf: Encodable): Map<string, Encodable> => new Map([['f', new Map([['', leaf]])]]);
    const base = hybridTorrent({ files, v2Only: true }).info;
    expect(codeOf(encode({ info: { ...base, 'file tree': tree({ length: 5 }) } }))).toBe('torrent_missing_pieces_root');
    expect(codeOf(encode({ info: { ...base, 'file tree': tree({ length: 5, 'pieces root': Buffer.alloc(31, 1) }) } }))).toBe(
      'torrent_missing_pieces_root',
    );
    expect(codeOf(encode({ info: { ...base, 'file tree': tree({ length: 5, 'pieces root': Buffer.alloc(32) }) } }))).toBe(
      'torrent_missing_pieces_root',
    );
    // Empty files need no root.
    expect(codeOf(encode({ info: { ...base, 'file tree': tree({ length: 0 }) } }))).toBe('torrent_invalid_length');
  });

  it('torrent_invalid_pad_file: the pad attribute inside a v2 file tree', () => {
    const base = hybridTorrent({ files, v2Only: true }).info;
    const tree = new Map([['f', new Map([['', { attr: 'p', length: 5, 'pieces root': Buffer.alloc(32, 1) }]])]]);
    expect(codeOf(encode({ info: { ...base, 'file tree': tree } }))).toBe('torrent_invalid_pad_file');
  });

  it('torrent_invalid_length: a v2 file at the 2^44 - 16 KiB limit', () => {
    const base = hybridTorrent({ files, v2Only: true }).info;
    const tree = new Map([['f', new Map([['', { length: 17592186028032, 'pieces root': Buffer.alloc(32, 1) }]])]]);
    expect(codeOf(encode({ info: { ...base, 'file tree': tree } }))).toBe('torrent_invalid_length');
  });

  it('invalid_bencoding: unsorted keys inside a v2 info dictionary (but not in v1)', () => {
    const t = hybridTorrent({ files });
    const canonical = t.bytes.toString('latin1');
    const swapped = canonical.replace('5:a.bin', '5:zzzzz'); // now after "sub": unsorted
    expect(swapped).not.toBe(canonical);
    expect(codeOf(Buffer.from(swapped, 'latin1'))).toBe('invalid_bencoding');
    const v1Unsorted = Buffer.from('d4:infod4:name1:x12:piece lengthi16384e6:lengthi5e6:pieces20:aaaaaaaaaaaaaaaaaaaaee');
    expect(codeOf(v1Unsorted)).toBe('loaded');
  });

  it('invalid_bencoding: a leading zero in a number of a v2 info dictionary (libtorrent has_soft_error)', () => {
    const canonical = hybridTorrent({ files, v2Only: true }).bytes.toString('latin1');
    const withLeadingZero = (from: string, to: string): Buffer => {
      expect(canonical).toContain(from);
      return Buffer.from(canonical.replace(from, to), 'latin1');
    };
    expect(codeOf(withLeadingZero('12:meta versioni2e', '12:meta versioni02e'))).toBe('invalid_bencoding');
    expect(codeOf(withLeadingZero('4:name', '04:name'))).toBe('invalid_bencoding');
    // Outside the info dictionary it is no matter, as in libtorrent.
    expect(codeOf(Buffer.from(canonical.replace(/^d/, 'd07:commenti0e'), 'latin1'))).toBe('loaded');
  });

  it('torrent_unknown_version: meta version above 2', () => {
    const t = hybridTorrent({ files, v2Only: true });
    expect(codeOf(encode({ info: { ...t.info, 'meta version': 3 } }))).toBe('torrent_unknown_version');
  });

  it('torrent_missing_file_tree / torrent_missing_meta_version', () => {
    const t = hybridTorrent({ files });
    const { 'file tree': _tree, ...noTree } = t.info;
    expect(codeOf(encode({ info: noTree }))).toBe('torrent_missing_file_tree');
    const { 'meta version': _mv, ...noVersion } = t.info;
    expect(codeOf(encode({ info: noVersion }))).toBe('torrent_missing_meta_version');
  });

  describe('torrent_invalid_piece_layer', () => {
    const t = hybridTorrent({ files });
    const [[root, layer]] = [...t.layers] as [[string, Buffer]];
    const withLayers = (layers: Map<string, Encodable>): Buffer => encode({ info: t.info, 'piece layers': layers });

    it('accepts correct layers, and no layers at all', () => {
      expect(codeOf(withLayers(new Map([[root, layer]])))).toBe('loaded');
      expect(codeOf(encode({ info: t.info }))).toBe('loaded');
    });

    it('rejects a layer that is not a multiple of 32 bytes', () => {
      expect(codeOf(withLayers(new Map([[root, layer.subarray(1)]])))).toBe('torrent_invalid_piece_layer');
    });

    it('rejects a layer with the wrong number of hashes', () => {
      expect(codeOf(withLayers(new Map([[root, Buffer.concat([layer, layer.subarray(0, 32)])]])))).toBe('torrent_invalid_piece_layer');
    });

    it('rejects hashes that do not hash up to the pieces root', () => {
      const bad = Buffer.from(layer);
      bad[0] = (bad[0] as number) ^ 1;
      expect(codeOf(withLayers(new Map([[root, bad]])))).toBe('torrent_invalid_piece_layer');
    });

    it('rejects a layer keyed by a root no file has, or by a one-piece file', () => {
      const wrongRoot = Buffer.alloc(32, 7).toString('latin1');
      expect(codeOf(withLayers(new Map([[root, layer], [wrongRoot, layer]])))).toBe('torrent_invalid_piece_layer');
    });
  });
});
