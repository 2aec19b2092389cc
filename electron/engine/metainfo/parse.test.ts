import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseInfoDictionary, parseTorrent } from './index.js';
import { hybridTorrent, torrentBytes, v1Info } from './test-torrents.js';

describe('parseTorrent: v1', () => {
  it('keeps the piece hashes as a view of the info bytes, not of the torrent file and not a second copy', () => {
    const info = v1Info({ name: 'a.bin', length: 500 * 16384, pieceLength: 16384 }); // past Node's small-buffer pool
    const bytes = torrentBytes(info, { comment: 'x' });
    const m = parseTorrent(bytes);
    expect(m.pieceHashes.buffer).toBe(m.infoBytes.buffer);
    expect(m.pieceHashes.buffer).not.toBe(bytes.buffer);
    expect(m.pieceHashes.length).toBe(500 * 20);
    expect(m.pieceHashes.equals(info.pieces as Buffer)).toBe(true);
  });

  it('parses a single-file torrent (the walkthrough geometry)', () => {
    const bytes = torrentBytes(v1Info({ name: 'debian.iso', length: 1_799_542, pieceLength: 16384 }), {
      announce: 'http://tracker/announce',
      comment: 'hello',
      'created by': 'test',
      'creation date': 1234567,
    });
    const m = parseTorrent(bytes);
    expect(m.name).toBe('debian.iso');
    expect(m.multiFile).toBe(false);
    expect(m.pieceCount).toBe(110);
    expect(m.lastPieceLength).toBe(13_686);
    expect(m.pieceHashes.length).toBe(110 * 20);
    expect(m.totalLength).toBe(1_799_542);
    expect(m.payloadLength).toBe(1_799_542);
    expect(m.files).toEqual([
      {
        path: 'debian.iso',
        pathElements: ['debian.iso'],
        length: 1_799_542,
        offset: 0,
        pad: false,
        attr: '',
        symlinkTarget: null,
        executable: false,
        hidden: false,
      },
    ]);
    expect(m.announce).toEqual([['http://tracker/announce']]);
    expect(m.comment).toBe('hello');
    expect(m.createdBy).toBe('test');
    expect(m.creationDate).toBe(1234567);
    expect(m.private).toBe(false);
    expect(m.hybrid).toBe(false);
  });

  it('parses a multi-file torrent: paths under the name, offsets, pad files and attributes', () => {
    const info = v1Info({
      name: 'album',
      pieceLength: 16384,
      files: [
        { path: ['cd1', 'track.flac'], length: 20000, attr: 'x' },
        { path: ['.pad', '12768'], length: 12768, attr: 'p' },
        { path: ['_____padding_file_0_'], length: 100 },
        { path: ['cover.jpg'], length: 5, attr: 'h' },
        { path: ['empty'], length: 0 },
      ],
      extra: { private: 1 },
    });
    const m = parseTorrent(torrentBytes(info));
    expect(m.multiFile).toBe(true);
    expect(m.private).toBe(true);
    expect(m.files.map((f) => [f.path, f.offset, f.length, f.pad])).toEqual([
      ['album/cd1/track.flac', 0, 20000, false],
      ['album/.pad/12768', 20000, 12768, true],
      ['album/_____padding_file_0_', 32768, 100, true],
      ['album/cover.jpg', 32868, 5, false],
      ['album/empty', 32873, 0, false],
    ]);
    expect(m.files[0]?.executable).toBe(true);
    expect(m.files[3]?.hidden).toBe(true);
    expect(m.files[0]?.pathElements).toEqual(['album', 'cd1', 'track.flac']);
    expect(m.totalLength).toBe(32873);
    expect(m.payloadLength).toBe(20005);
    expect(m.pieceCount).toBe(3);
    expect(m.lastPieceLength).toBe(32873 - 2 * 16384);
  });

  it('accepts BEP 47 pad files without a path', () => {
    const info = v1Info({ name: 't', files: [{ path: ['a'], length: 45 }, { length: 2124, attr: 'p' }] });
    const m = parseTorrent(torrentBytes(info));
    expect(m.files[1]).toMatchObject({ path: 't/.pad/2124', pad: true, length: 2124 });
  });

  it('takes the info-hash over the original bytes of a non-canonical info dictionary', () => {
    // Keys out of order: re-encoding would sort them and change the hash.
    const infoText = 'd4:name1:x12:piece lengthi16384e6:lengthi5e6:pieces20:aaaaaaaaaaaaaaaaaaaae';
    const bytes = Buffer.from(`d8:announce3:url4:info${infoText}e`, 'latin1');
    const m = parseTorrent(bytes);
    expect(m.infoBytes.toString('latin1')).toBe(infoText);
    expect(m.infoHashHex).toBe(createHash('sha1').update(infoText, 'latin1').digest('hex'));
    expect(m.infoHash.equals(Buffer.from(m.infoHashHex, 'hex'))).toBe(true);
  });

  it('prefers name.utf-8 and comment.utf-8, and repairs invalid UTF-8 in text', () => {
    const info = v1Info({ name: 'latin', length: 5, extra: { 'name.utf-8': 'naïve' } });
    const m = parseTorrent(torrentBytes(info, { comment: 'x', 'comment.utf-8': 'ü', 'created by': Buffer.from([0x41, 0xff]) }));
    expect(m.name).toBe('naïve');
    expect(m.files[0]?.path).toBe('naïve');
    expect(m.comment).toBe('ü');
    expect(m.createdBy).toBe('A_');
  });

  it('reads tracker tiers (BEP 12), trimming whitespace and skipping junk, with announce as fallback', () => {
    const info = v1Info({ length: 5 });
    const m = parseTorrent(
      torrentBytes(info, {
        announce: 'http://ignored',
        'announce-list': [['\t udp://a:1', '', 'http://b'], 'not a list', [], [5, 'http://c']],
      }),
    );
    expect(m.announce).toEqual([['udp://a:1', 'http://b'], ['http://c']]);
    expect(parseTorrent(torrentBytes(info, { announce: ' http://only' })).announce).toEqual([['http://only']]);
    expect(parseTorrent(torrentBytes(info, { 'announce-list': [['']], announce: '' })).announce).toEqual([]);
  });

  it('keeps web seeds, HTTP seeds and DHT nodes, tolerating junk', () => {
    const info = v1Info({ length: 5 });
    const m = parseTorrent(
      torrentBytes(info, {
        'url-list': ['http://a/', '', 'http://a/', -20, ['nested'], 'http://b/'],
        httpseeds: 'http://seed',
        nodes: [['127.0.0.1', 6881], ['bad'], [1, 2], ['192.168.1.1', 6881]],
      }),
    );
    expect(m.urlList).toEqual(['http://a/', 'http://b/']);
    expect(m.httpSeeds).toEqual(['http://seed']);
    expect(m.dhtNodes).toEqual([
      { host: '127.0.0.1', port: 6881 },
      { host: '192.168.1.1', port: 6881 },
    ]);
    expect(parseTorrent(torrentBytes(info, { 'url-list': 'http://single' })).urlList).toEqual(['http://single']);
  });

  it('names a torrent whose name sanitizes to nothing after its info-hash', () => {
    const m = parseTorrent(torrentBytes(v1Info({ name: '..', files: [{ path: ['a'], length: 5 }] })));
    expect(m.name).toBe(m.infoHashHex);
    expect(m.files[0]?.path).toBe(`${m.infoHashHex}/a`);
  });

  it('resolves BEP 47 symlinks inside the torrent, and points bad ones at themselves', () => {
    const info = v1Info({
      name: 'Some.framework',
      files: [
        { path: ['Versions', 'A', 'lib'], length: 10 },
        { path: ['Versions', 'Current'], length: 0, attr: 'l', symlinkPath: ['Versions', 'A'] },
        { path: ['lib'], length: 0, attr: 'l', symlinkPath: ['Versions', 'Current', 'lib'] },
        { path: ['escape'], length: 0, attr: 'l', symlinkPath: ['..', '..', 'etc', 'passwd'] },
        { path: ['nolink'], length: 7, attr: 'l' },
      ],
    });
    const m = parseTorrent(torrentBytes(info));
    const byPath = new Map(m.files.map((f) => [f.path, f]));
    expect(byPath.get('Some.framework/Versions/Current')?.symlinkTarget).toBe('Some.framework/Versions/A');
    expect(byPath.get('Some.framework/lib')?.symlinkTarget).toBe('Some.framework/Versions/Current/lib');
    expect(byPath.get('Some.framework/escape')?.symlinkTarget).toBe('Some.framework/escape');
    // 'l' without a 'symlink path' is a plain (empty) file.
    expect(byPath.get('Some.framework/nolink')).toMatchObject({ symlinkTarget: null, length: 0 });
  });
});

describe('parseTorrent: hybrid', () => {
  it('exposes the v1 view of a hybrid torrent', () => {
    const files = [
      { path: ['a.bin'], length: 70000 },
      { path: ['sub', 'b.bin'], length: 1000 },
    ];
    const m = parseTorrent(hybridTorrent({ name: 'h', files, pieceLength: 32768 }).bytes);
    expect(m.hybrid).toBe(true);
    expect(m.files.map((f) => [f.path, f.offset, f.pad])).toEqual([
      ['h/a.bin', 0, false],
      ['h/.pad/28304', 70000, true],
      ['h/sub/b.bin', 98304, false],
    ]);
    expect(m.pieceCount).toBe(4);
  });
});

describe('parseInfoDictionary', () => {
  it('parses bare info bytes (metadata from peers) with the same info-hash', () => {
    const info = v1Info({ name: 'x', length: 100000 });
    const torrent = parseTorrent(torrentBytes(info, { announce: 'http://t' }));
    const bare = parseInfoDictionary(encode(info));
    expect(bare.infoHashHex).toBe(torrent.infoHashHex);
    expect(bare.files).toEqual(torrent.files);
    expect(bare.announce).toEqual([]);
    expect(bare.comment).toBeNull();
  });

  it("keeps the info dict's source (a private tracker's tag), from a .torrent and from bare metadata alike", () => {
    const info = v1Info({ name: 'x', length: 100000, extra: { source: 'TRK' } });
    expect(parseTorrent(torrentBytes(info, {})).source).toBe('TRK');
    expect(parseInfoDictionary(encode(info)).source).toBe('TRK');
    expect(parseTorrent(torrentBytes(v1Info({ name: 'x', length: 10 }), {})).source).toBeNull();
    expect(parseTorrent(torrentBytes(v1Info({ name: 'x', length: 10, extra: { source: '' } }), {})).source).toBeNull();
  });

  it('rejects trailing bytes and non-dictionaries', () => {
    const info = encode(v1Info({ length: 5 }));
    expect(() => parseInfoDictionary(Buffer.concat([info, Buffer.from('x')]))).toThrow(/trailing/);
    expect(() => parseInfoDictionary(encode([1]))).toThrow(/not a bencoded dictionary/);
  });
});
