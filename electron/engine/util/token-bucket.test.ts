import { describe, expect, it } from 'vitest';
import { takeAll, TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('never asks to wait when unlimited', () => {
    const b = new TokenBucket(0);
    expect(b.take(1e9)).toBe(0);
  });

  it('allows one burst, then asks to wait in proportion to the debt', () => {
    let now = 0;
    const b = new TokenBucket(1000, 1, () => now);
    expect(b.take(1000)).toBe(0);
    expect(b.take(500)).toBe(500);
    now = 500;
    expect(b.take(0)).toBe(0);
    now = 1500;
    expect(b.take(1000)).toBe(0);
  });

  it('holds the average rate over many takes', () => {
    let now = 0;
    const b = new TokenBucket(10_000, 1, () => now);
    let sent = 0;
    while (now < 10_000) {
      const wait = b.take(1000);
      sent += 1000;
      now += wait || 1;
    }
    // 10 s at 10 kB/s plus the initial 1 s burst.
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(sent).toBeLessThanOrEqual(112_000);
  });

  it('setRate lowers the burst to the new rate', () => {
    const now = 0;
    const b = new TokenBucket(1000, 1, () => now);
    b.setRate(100);
    expect(b.take(100)).toBe(0);
    expect(b.take(100)).toBe(1000);
    expect(b.limit).toBe(100);
  });

  it('takeAll waits for the slowest bucket', () => {
    const now = 0;
    const fast = new TokenBucket(1000, 1, () => now);
    const slow = new TokenBucket(100, 1, () => now);
    expect(takeAll([fast, slow], 300)).toBe(2000);
  });
});
