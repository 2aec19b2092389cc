import { describe, expect, it } from 'vitest';
import { InFlightPieces } from './in-flight-pieces.js';
import { PieceDownload } from './piece-download.js';

const piece = (index: number): PieceDownload => new PieceDownload(index, 16384, null);

/** Slots of the array that still point at a piece (what would keep one alive). */
function heldSlots(pieces: InFlightPieces): number {
  return (pieces as unknown as { slots: readonly unknown[] }).slots.filter((s) => s !== null).length;
}

describe('InFlightPieces', () => {
  it('finds pieces by index and walks them in the order started', () => {
    const f = new InFlightPieces(100);
    const [a, b, c] = [piece(40), piece(3), piece(99)];
    for (const p of [a, b, c]) f.add(p);
    expect(f.size).toBe(3);
    expect(f.get(3)).toBe(b);
    expect(f.has(99)).toBe(true);
    expect(f.get(4)).toBeUndefined();
    expect([...f.values()]).toEqual([a, b, c]);
    expect(() => f.add(piece(3))).toThrow(/already in flight/);
    expect(f.delete(3)).toBe(true);
    expect(f.delete(3)).toBe(false);
    expect([...f.keys()]).toEqual([40, 99]);
    const walked: number[] = [];
    for (let s = 0; s < f.span; s++) walked.push(f.at(s)?.index ?? -1);
    expect(walked.filter((i) => i >= 0)).toEqual([40, 99]);
  });

  it('stays consistent through long churn, keeping start order and holding no piece that left', () => {
    const f = new InFlightPieces(5000);
    const order: PieceDownload[] = [];
    let next = 0;
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let step = 0; step < 20000; step++) {
      if (order.length < 300 && (order.length === 0 || rand(3) > 0)) {
        const p = piece(next++ % 5000);
        if (f.has(p.index)) continue;
        f.add(p);
        order.push(p);
      } else {
        // Mostly the oldest leaves first, as pieces complete in roughly the order started.
        const i = rand(4) === 0 ? rand(order.length) : 0;
        const [gone] = order.splice(i, 1);
        expect(f.delete(gone!.index)).toBe(true);
      }
      if (step % 997 === 0) {
        expect([...f.values()]).toEqual(order);
        for (const p of order) expect(f.get(p.index)).toBe(p);
        expect(heldSlots(f)).toBe(order.length);
      }
    }
    expect(f.size).toBe(order.length);
    expect(f.span).toBeLessThanOrEqual(1024);
  });

  it('keeps its table while empty until told to drop it, and makes it again for the next piece', () => {
    const f = new InFlightPieces(1000);
    const table = (): unknown => (f as unknown as { slotOf: unknown }).slotOf;
    f.add(piece(5));
    f.add(piece(6));
    f.dropIndex(); // not while anything is in flight
    expect(f.get(6)?.index).toBe(6);
    f.delete(5);
    f.delete(6);
    expect(table()).not.toBeNull();
    expect(f.span).toBe(0);
    f.dropIndex();
    expect(table()).toBeNull();
    expect(f.has(5)).toBe(false);
    expect(f.delete(5)).toBe(false);
    f.add(piece(5));
    expect(f.get(5)?.index).toBe(5);
    expect([...f.keys()]).toEqual([5]);
  });
});
