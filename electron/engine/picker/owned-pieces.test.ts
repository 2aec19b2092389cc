import { describe, expect, it } from 'vitest';
import { OwnedPieces } from './owned-pieces.js';
import { PieceDownload } from './piece-download.js';

describe('OwnedPieces', () => {
  it('holds pieces as a Set does, in the order they were added', () => {
    const owned = new OwnedPieces();
    const a = new PieceDownload(7, 16384, null);
    const b = new PieceDownload(2, 16384, null);
    owned.add(a).add(b).add(a);
    expect(owned.size).toBe(2);
    expect([...owned]).toEqual([a, b]);
    expect(owned.has(a)).toBe(true);
    expect(owned.delete(a)).toBe(true);
    expect(owned.delete(a)).toBe(false);
    expect([...owned]).toEqual([b]);
    owned.clear();
    expect(owned.size).toBe(0);
  });

  it('does not take another download of the same piece for the one it holds', () => {
    const owned = new OwnedPieces();
    const first = new PieceDownload(3, 16384, null);
    const again = new PieceDownload(3, 16384, null);
    owned.add(first);
    expect(owned.has(again)).toBe(false);
    expect(owned.delete(again)).toBe(false);
    expect([...owned]).toEqual([first]);
  });
});
