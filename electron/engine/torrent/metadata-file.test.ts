import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseTorrent } from '../metainfo/index.js';
import { torrentFileFromInfo } from './metadata-file.js';

describe('torrentFileFromInfo', () => {
  const info = Buffer.from(encode({ length: 5, name: 'a.bin', 'piece length': 16384, pieces: Buffer.alloc(20) }));
  it("keeps the info dict verbatim, the tiers and a magnet's web seeds as url-list", () => {
    const meta = parseTorrent(torrentFileFromInfo(info, [['http://t/announce']], { webSeeds: ['http://w/a.bin'] }));
    expect(meta.infoBytes.equals(info)).toBe(true);
    expect(meta.announce).toEqual([['http://t/announce']]);
    expect(meta.urlList).toEqual(['http://w/a.bin']);
  });
});
