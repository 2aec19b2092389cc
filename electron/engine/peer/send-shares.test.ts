import { describe, expect, it } from 'vitest';
import { MIN_SEND_SHARE, SESSION_SEND_BYTES, SendShares } from './send-shares.js';

describe('SendShares', () => {
  it('gives each peer an equal part of the total, so all parts together stay within it', () => {
    const shares = new SendShares();
    const leaves = Array.from({ length: 500 }, () => shares.join());
    expect(shares.share * shares.count).toBeLessThanOrEqual(SESSION_SEND_BYTES);
    expect(shares.share).toBe(Math.floor(SESSION_SEND_BYTES / 500));
    leaves.slice(0, 499).forEach((leave) => leave());
    expect(shares.share).toBe(SESSION_SEND_BYTES);
  });

  it('never gives less than the floor', () => {
    const shares = new SendShares(1024 * 1024, MIN_SEND_SHARE);
    for (let i = 0; i < 100; i++) shares.join();
    expect(shares.share).toBe(MIN_SEND_SHARE);
  });

  it('counts a connection that leaves twice once', () => {
    const shares = new SendShares(1000, 1);
    const leave = shares.join();
    shares.join();
    leave();
    leave();
    expect(shares.count).toBe(1);
    expect(shares.share).toBe(1000);
  });
});
