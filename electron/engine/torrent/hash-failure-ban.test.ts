import { describe, expect, it } from 'vitest';
import { BAN_AFTER_FAILED_ALONE, BAN_AFTER_FAILED_SHARED, banForHashFailures } from './hash-failure-ban.js';

describe('banning for hash failures', () => {
  it('bans a peer that alone sent failed pieces at the second', () => {
    expect(banForHashFailures({ total: 1, alone: 1 })).toBe(false);
    expect(banForHashFailures({ total: BAN_AFTER_FAILED_ALONE, alone: BAN_AFTER_FAILED_ALONE })).toBe(true);
  });

  it('keeps a peer whose failed pieces others contributed to until the seventh: a liar sharing its pieces cannot get it banned first', () => {
    expect(banForHashFailures({ total: 2, alone: 0 })).toBe(false);
    expect(banForHashFailures({ total: BAN_AFTER_FAILED_SHARED - 1, alone: 1 })).toBe(false);
    expect(banForHashFailures({ total: BAN_AFTER_FAILED_SHARED, alone: 0 })).toBe(true);
  });
});
