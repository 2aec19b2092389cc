import { describe, expect, it } from 'vitest';
import { MAX_RATE_LIMIT } from '../../../shared/contract/index.js';
import { formatLimit, limitToKiBText, MAX_LIMIT_KIB, parseKiBLimit } from './limits.js';

describe('speed limit fields (KiB/s in the UI, bytes/s on the wire)', () => {
  it('reads whole KiB/s, empty and 0 meaning unlimited', () => {
    expect(parseKiBLimit('500', 'Download limit')).toEqual({ ok: true, bytesPerSecond: 512_000 });
    expect(parseKiBLimit(' 0 ', 'Download limit')).toEqual({ ok: true, bytesPerSecond: 0 });
    expect(parseKiBLimit('', 'Download limit')).toEqual({ ok: true, bytesPerSecond: 0 });
    expect(parseKiBLimit(String(MAX_LIMIT_KIB), 'x')).toEqual({ ok: true, bytesPerSecond: MAX_LIMIT_KIB * 1024 });
    expect(MAX_LIMIT_KIB * 1024).toBeLessThanOrEqual(MAX_RATE_LIMIT);
  });

  it('explains what is wrong, naming the field', () => {
    for (const bad of ['-1', '1.5', 'fast', '1e3', '0x10']) {
      const r = parseKiBLimit(bad, 'Upload limit');
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(/^Upload limit must be a whole number/);
    }
    const big = parseKiBLimit(String(MAX_LIMIT_KIB + 1), 'Upload limit');
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.problem).toMatch(/at most/);
  });

  it('shows limits', () => {
    expect(limitToKiBText(0)).toBe('0');
    expect(limitToKiBText(512_000)).toBe('500');
    expect(limitToKiBText(100)).toBe('1');
    expect(formatLimit(0)).toBe('∞');
    expect(formatLimit(512_000)).toBe('500 KiB/s');
  });
});
