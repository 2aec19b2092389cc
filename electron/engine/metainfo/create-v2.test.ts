import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTorrent, parseTorrent } from './index.js';
import { fileData, hybridTorrent } from './test-torrents.js';

const root = mkdtempSync(path.join(tmpdir(), 'tessera-create-v2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PIECE = 32768;
// In file-tree (sorted) order, as a hybrid's v1 list must be.
const files = [
  { path: ['big.bin'], length: 3 * PIECE + 5000 },
  { path: ['empty'], length: 0 },
  { path: ['small.txt'], length: 700 },
  { path: ['sub', 'two.bin'], length: 2 * PIECE },
];

function writeSource(name: string): string {
  const dir = path.join(root, name);
  files.forEach((f, i) => {
    mkdirSync(path.join(dir, ...f.path.slice(0, -1)), { recursive: true });
    writeFileSync(path.join(dir, ...f.path), fileData(f.length, i + 1));
  });
  return dir;
}

describe('createTorrent: v2 and hybrid', () => {
  it('v2: the same info dictionary and piece layers as an independent BEP 52 builder', async () => {
    const torrent = await createTorrent({ sourcePath: writeSource('v2src'), format: 'v2', pieceLength: PIECE, creationDate: null });
    const reference = hybridTorrent({ name: 'v2src', files, pieceLength: PIECE, v2Only: true });
    expect(torrent.equals(reference.bytes)).toBe(true);
    const m = parseTorrent(torrent);
    expect(m.hybrid).toBe(false);
    expect(m.v2!.files.map((f) => f.layer !== null)).toEqual([true, false, true]);
  });

  it('hybrid: v1 files padded to pieces (tail included) and SHA-1 pieces matching the v2 tree', async () => {
    const torrent = await createTorrent({ sourcePath: writeSource('hysrc'), format: 'hybrid', pieceLength: PIECE, creationDate: null });
    const reference = hybridTorrent({ name: 'hysrc', files, pieceLength: PIECE, tailPad: true });
    expect(torrent.equals(reference.bytes)).toBe(true);
    expect(parseTorrent(torrent).hybrid).toBe(true);
  });

  it('single-file hybrid: no pad file, last v1 piece short', async () => {
    const file = path.join(root, 'one.bin');
    writeFileSync(file, fileData(PIECE * 2 + 10, 9));
    const m = parseTorrent(await createTorrent({ sourcePath: file, format: 'hybrid', pieceLength: PIECE, creationDate: null }));
    expect(m.hybrid).toBe(true);
    expect(m.multiFile).toBe(false);
    expect(m.files.map((f) => f.path)).toEqual(['one.bin']);
    expect(m.lastPieceLength).toBe(10);
  });
});
