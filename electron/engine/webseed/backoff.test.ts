import { describe, expect, it } from 'vitest';
import { Backoff, MAX_RETRY_AFTER_MS, parseRetryAfter } from './backoff.js';

describe('Backoff', () => {
  it('doubles the delay with each failure in a row, up to the cap, and resets on success', () => {
    const b = new Backoff(1000, 8000);
    expect([b.failed(0), b.failed(0), b.failed(0), b.failed(0), b.failed(0)]).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(b.ready(7999)).toBe(false);
    expect(b.ready(8000)).toBe(true);
    b.succeeded();
    expect(b.ready(0)).toBe(true);
    expect(b.failed(100)).toBe(1000);
    expect(b.notBefore).toBe(1100);
  });

  it("honours a server's Retry-After when longer, within a bound", () => {
    const b = new Backoff(1000, 8000);
    expect(b.failed(0, 30_000)).toBe(30_000);
    expect(b.failed(0, 10 ** 12)).toBe(MAX_RETRY_AFTER_MS);
    expect(b.failed(0, 10)).toBe(4000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(' 5 ', 0)).toBe(5000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});
