import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { inspectSource } from './inspect.js';
import { TorrentInputError } from '../api.js';

function torrent(files: Array<{ path: string[]; length: number; attr?: string }>): Uint8Array {
  const pieceLength = 16384;
  const total = files.reduce((n, f) => n + f.length, 0);
  const pieces = Buffer.alloc(Math.ceil(total / pieceLength) * 20);
  return encode({
    announce: 'http://127.0.0.1:1/announce',
    'announce-list': [['http://127.0.0.1:1/announce', 'http://127.0.0.1:2/announce'], ['udp://127.0.0.1:3']],
    info: { name: 'album', 'piece length': pieceLength, pieces, files: files.map((f) => ({ path: f.path, length: f.length, ...(f.attr ? { attr: f.attr } : {}) })) },
  });
}

describe('inspectSource', () => {
  it('gives name, size, files (without pad files) and tracker count of a .torrent', async () => {
    const bytes = torrent([
      { path: ['a.flac'], length: 1000 },
      { path: ['.pad', '15384'], length: 15384, attr: 'p' },
      { path: ['b.flac'], length: 2000 },
    ]);
    const facts = await inspectSource({ kind: 'torrent', bytes }, 10);
    expect(facts).toMatchObject({ name: 'album', size: 3000, fileCount: 2, trackerCount: 3, private: false });
    expect(facts.files).toEqual([
      { path: 'album/a.flac', size: 1000 },
      { path: 'album/b.flac', size: 2000 },
    ]);
    expect(facts.infoHash).toMatch(/^[0-9a-f]{40}$/);
  });

  it('lists at most maxFiles files but counts them all', async () => {
    const bytes = torrent(Array.from({ length: 50 }, (_, i) => ({ path: [`f${i}`], length: 10 })));
    const facts = await inspectSource({ kind: 'torrent', bytes }, 7);
    expect(facts.files).toHaveLength(7);
    expect(facts.fileCount).toBe(50);
  });

  it('gives what a magnet knows: hash, display name and trackers, no size', async () => {
    const uri = 'magnet:?xt=urn:btih:' + 'ab'.repeat(20) + '&dn=Film&tr=http%3A%2F%2F127.0.0.1%3A1%2Fa&tr=udp%3A%2F%2F127.0.0.1%3A2';
    expect(await inspectSource({ kind: 'magnet', uri }, 10)).toEqual({
      infoHash: 'ab'.repeat(20),
      name: 'Film',
      size: null,
      fileCount: null,
      files: [],
      trackerCount: 2,
      private: false,
    });
  });

  it('rejects bad input with the same one-line TorrentInputError as adding', async () => {
    await expect(inspectSource({ kind: 'magnet', uri: 'magnet:?dn=x' }, 10)).rejects.toThrow(TorrentInputError);
    await expect(inspectSource({ kind: 'torrent', bytes: new Uint8Array([1, 2, 3]) }, 10)).rejects.toThrow(TorrentInputError);
  });
});
