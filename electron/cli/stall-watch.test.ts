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

  it('the report has a heading and one indented line per cause', () => {
    expect(stallReport(30.2, ['[blocking] No peers found: x → y', '[info] z'])).toBe(
      'tessera: no progress for 30 s; why:\n  [blocking] No peers found: x → y\n  [info] z\n',
    );
  });
});
