import { describe, expect, it } from 'vitest';
import { PieceField } from './pieceField.js';
import { FAILED, IN_FLIGHT, MISSING, SKIPPED, VERIFIED } from './layout.js';

function drainAll(f: PieceField): { full: boolean; pieces: number[] } {
  const pieces: number[] = [];
  const full = f.drain((p) => pieces.push(p));
  return { full, pieces: pieces.sort((a, b) => a - b) };
}

describe('PieceField', () => {
  it('starts fully dirty, then tracks individual changes once each', () => {
    const f = new PieceField(10);
    expect(drainAll(f).full).toBe(true);
    f.setPiece(3, IN_FLIGHT, 0.25);
    f.setPiece(3, IN_FLIGHT, 0.5);
    f.setAvailability(7, 2);
    f.setAvailability(7, 2);
    expect(f.pendingChanges).toBe(2);
    expect(drainAll(f)).toEqual({ full: false, pieces: [3, 7] });
    expect(drainAll(f)).toEqual({ full: false, pieces: [] });
    expect(f.fraction[3]).toBeCloseTo(0.5);
  });

  it('ignores no-op writes and out-of-range indices', () => {
    const f = new PieceField(4);
    drainAll(f);
    f.setPiece(1, MISSING);
    f.setPiece(-1, VERIFIED);
    f.setPiece(4, VERIFIED);
    f.setPiece(Number.NaN, VERIFIED);
    f.setAvailability(99, 3);
    expect(f.pendingChanges).toBe(0);
  });

  it('counts verified pieces through every transition', () => {
    const f = new PieceField(5);
    f.setPiece(0, VERIFIED);
    f.setPiece(1, VERIFIED);
    f.setPiece(1, VERIFIED);
    expect(f.verified).toBe(2);
    f.setPiece(1, MISSING);
    expect(f.verified).toBe(1);
    f.load([2, 2, 2, 1, 0], [1, 1, 1, 0.5, 0]);
    expect(f.verified).toBe(3);
    expect(f.fraction[3]).toBeCloseTo(0.5);
  });

  it('keeps skipped pieces as Skipped (not Missing) and counts them through snapshots and changes', () => {
    const f = new PieceField(4);
    f.load([SKIPPED, SKIPPED, VERIFIED, MISSING]);
    expect([...f.state]).toEqual([SKIPPED, SKIPPED, VERIFIED, MISSING]);
    expect([f.verified, f.skipped]).toEqual([1, 2]);
    f.setPiece(0, MISSING); // its file is wanted again
    f.setPiece(3, SKIPPED);
    f.setPiece(3, SKIPPED);
    expect([f.verified, f.skipped]).toEqual([1, 2]);
    f.setPiece(1, VERIFIED);
    expect([f.verified, f.skipped]).toEqual([2, 1]);
  });

  it('clamps fractions and availability', () => {
    const f = new PieceField(3);
    f.setPiece(0, IN_FLIGHT, 7);
    f.setPiece(1, IN_FLIGHT, -1);
    f.setAvailability(2, 1e9);
    expect(f.fraction[0]).toBe(1);
    expect(f.fraction[1]).toBe(0);
    expect(f.availability[2]).toBe(0xffff);
  });

  it('load sanitizes unknown states and marks everything dirty', () => {
    const f = new PieceField(3);
    drainAll(f);
    f.load([9, 2, 3], undefined, [1, 2, 3]);
    expect(Array.from(f.state)).toEqual([MISSING, VERIFIED, FAILED]);
    expect(Array.from(f.availability)).toEqual([1, 2, 3]);
    expect(drainAll(f).full).toBe(true);
  });

  it('records the failure time for the flash', () => {
    const f = new PieceField(3);
    drainAll(f);
    f.setPiece(1, IN_FLIGHT, 0.9);
    f.fail(1, 1234, MISSING);
    expect(f.failedAt[1]).toBe(1234);
    expect(f.state[1]).toBe(MISSING);
    expect(drainAll(f).pieces).toEqual([1]);
  });

  it('grows its dirty list past the initial capacity', () => {
    const f = new PieceField(10_000);
    drainAll(f);
    for (let i = 0; i < 10_000; i++) f.setPiece(i, IN_FLIGHT, 0.5);
    const { pieces } = drainAll(f);
    expect(pieces.length).toBe(10_000);
  });

  it('notifies subscribers once per microtask batch', async () => {
    const f = new PieceField(100);
    let calls = 0;
    const off = f.subscribe(() => calls++);
    for (let i = 0; i < 50; i++) f.setPiece(i, VERIFIED);
    await Promise.resolve();
    expect(calls).toBe(1);
    off();
    f.setPiece(60, VERIFIED);
    await Promise.resolve();
    expect(calls).toBe(1);
  });
});
