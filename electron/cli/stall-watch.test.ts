import { describe, expect, it } from 'vitest';
import { StallWatch, stallReport } from './stall-watch.js';

describe('StallWatch', () => {
  it('fires after 30 s without a byte or a piece, then every 30 s while the stall lasts', () => {
    const w = new StallWatch(0);
    expect(w.check(0, { downloaded: 100, verifiedPieces: 1 })).toBe(false);
    expect(w.check(29_999, { downloaded: 100, verifiedPieces: 1 })).toBe(false);
    expect(w.check(30_000, { downloaded: 100, verifiedPieces: 1 })).toBe(true);
    expect(w.check(45_000, { downloaded: 100, verifiedPieces: 1 })).toBe(false);
    expect(w.check(60_000, { downloaded: 100, verifiedPieces: 1 })).toBe(true);
    expect(w.quietFor(60_000)).toBe(60_000);
  });

  it('any byte received or piece verified restarts the clock', () => {
    const w = new StallWatch(0);
    w.check(0, { downloaded: 0, verifiedPieces: 0 });
    expect(w.check(20_000, { downloaded: 1, verifiedPieces: 0 })).toBe(false);
    expect(w.check(40_000, { downloaded: 1, verifiedPieces: 0 })).toBe(false);
    expect(w.check(45_000, { downloaded: 1, verifiedPieces: 1 })).toBe(false);
    expect(w.check(74_999, { downloaded: 1, verifiedPieces: 1 })).toBe(false);
    expect(w.check(75_000, { downloaded: 1, verifiedPieces: 1 })).toBe(true);
  });

  it('without --verbose (one report per stall) it says why once, and again only after progress and a new stall', () => {
    const w = new StallWatch(0, 30_000, 1);
    const idle = { downloaded: 0, verifiedPieces: 0 };
    expect(w.check(0, idle)).toBe(false);
    expect(w.check(30_000, idle)).toBe(true);
    expect([60_000, 90_000, 3_600_000].map((t) => w.check(t, idle))).toEqual([false, false, false]);
    expect(w.check(3_600_001, { downloaded: 1, verifiedPieces: 0 })).toBe(false);
    expect(w.check(3_630_001, { downloaded: 1, verifiedPieces: 0 })).toBe(true);
  });

  it('the report has a heading and one indented line per cause', () => {
    expect(stallReport(30.2, ['[blocking] No peers found: x → y', '[info] z'])).toBe(
      'tessera: no progress for 30 s; why:\n  [blocking] No peers found: x → y\n  [info] z\n',
    );
  });
});
