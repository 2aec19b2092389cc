/**
 * Paths thousands of folders deep (a peer's metadata may be 16 MiB of them): duplicate names
 * and symlinks are resolved folder by folder (duplicates.ts, symlinks.ts), with the same
 * results as for shallow paths. Keyed by whole paths, the work grew with the square of the
 * depth: 50 files 4,000 folders deep held the event loop 5 s.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseTorrent } from './index.js';

const DEPTH = 3000;
const deep = Array.from({ length: DEPTH }, (_, i) => (i % 2 ? 'a' : 'B'));

function torrent(files: unknown[]): Uint8Array {
  return encode({ info: { name: 'r', 'piece length': 16384, pieces: Buffer.alloc(20), files } } as never);
}

describe('deep paths', () => {
  it('renames duplicates deep down, case-insensitively, and a file may not take a folder\'s name', () => {
    const m = parseTorrent(torrent([
      { length: 1, path: [...deep, 'x.txt'] },
      { length: 1, path: [...deep.map((e) => e.toLowerCase()), 'X.txt'] },
      { length: 1, path: [...deep.slice(0, -1), 'a'] },
    ]));
    const last = m.files.map((f) => f.path.split('/').at(-1));
    expect(last).toEqual(['x.txt', 'X.1.txt', 'a.1']);
    expect(m.files[1]!.path.split('/')).toHaveLength(DEPTH + 2);
  });

  it('resolves a symlink to a folder deep down, and one through another link', () => {
    const m = parseTorrent(torrent([
      { length: 1, path: [...deep, 'f'] },
      { length: 0, path: ['top'], attr: 'l', 'symlink path': deep.slice(0, 10) },
      { length: 0, path: ['via'], attr: 'l', 'symlink path': ['top', ...deep.slice(10), 'f'] },
      { length: 0, path: ['dead'], attr: 'l', 'symlink path': [...deep, 'nothing'] },
    ]));
    const link = (name: string) => m.files.find((f) => f.path === `r/${name}`)!;
    expect(link('top').symlinkTarget).toBe(['r', ...deep.slice(0, 10)].join('/'));
    expect(link('via').symlinkTarget).toBe(['r', 'top', ...deep.slice(10), 'f'].join('/'));
    // A target that names nothing points at the link itself.
    expect(link('dead').symlinkTarget).toBe('r/dead');
  });
});
