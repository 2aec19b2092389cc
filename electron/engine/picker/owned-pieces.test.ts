import { describe, expect, it } from 'vitest';
import { OwnedPieces } from './owned-pieces.js';
import { PieceDownload } from './piece-download.js';

const piece = (index: number): PieceDownload => new PieceDownload(index, 16384, null);

describe('OwnedPieces', () => {
  it('adds, removes and lists pieces, each once', () => {
    const o = new OwnedPieces();
    const ps = Array.from({ length: 20 }, (_, i) => piece(i));
    for (const p of ps) o.add(p);
    o.add(ps[3]!);
    expect(o.size).toBe(20);
    for (const i of [0, 7, 19, 3]) expect(o.delete(ps[i]!)).toBe(true);
    expect(o.delete(ps[7]!)).toBe(false);
    expect(o.size).toBe(16);
    const left = new Set(ps.filter((_, i) => ![0, 7, 19, 3].includes(i)));
    expect(new Set(o)).toEqual(left);
    expect(new Set(Array.from({ length: o.size }, (_, s) => o.at(s)))).toEqual(left);
    for (const p of ps) expect(o.has(p)).toBe(left.has(p));
  });

  it('tells its own pieces from another peer’s and clears without holding any', () => {
    const a = new OwnedPieces();
    const b = new OwnedPieces();
    const [p, q] = [piece(1), piece(2)];
    a.add(p);
    b.add(q);
    expect(a.has(q)).toBe(false);
    expect(a.delete(q)).toBe(false);
    expect(b.has(q)).toBe(true);
    a.clear();
    expect(a.size).toBe(0);
    expect(p.ownedSlot).toBe(-1);
    expect((a as unknown as { slots: readonly unknown[] }).slots.every((s) => s === null)).toBe(true);
  });
});
