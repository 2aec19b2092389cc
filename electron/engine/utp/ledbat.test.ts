import { describe, expect, it } from 'vitest';
import { DelayHistory, GAIN_BYTES_PER_RTT, Ledbat, TARGET_DELAY_US } from './ledbat.js';
import { RttEstimator, MIN_RTO_MS } from './rtt.js';

const MSS = 1000;

function steady(): Ledbat {
  const l = new Ledbat({ packetSize: MSS, maxWindow: 1_000_000 });
  l.slowStart = false;
  l.cwnd = 50_000;
  return l;
}

describe('LEDBAT', () => {
  it('grows by at most the gain per round trip when the delay is zero', () => {
    const l = steady();
    // A whole window acknowledged (one round trip), no queuing delay.
    l.onAck(50_000, 50_000, 0, true);
    expect(l.cwnd).toBe(50_000 + GAIN_BYTES_PER_RTT);
  });

  it('grows in proportion to the distance from the target', () => {
    const l = steady();
    l.onAck(25_000, 50_000, TARGET_DELAY_US / 2, true);
    expect(l.cwnd).toBe(50_000 + GAIN_BYTES_PER_RTT * 0.5 * 0.5);
  });

  it('shrinks above the target, by the gain per round trip times the relative excess', () => {
    const l = steady();
    l.onAck(50_000, 50_000, 2 * TARGET_DELAY_US, true);
    expect(l.cwnd).toBe(50_000 - GAIN_BYTES_PER_RTT);
    // Far above the target it shrinks in proportion (libtorrent does not clamp the factor).
    const far = steady();
    far.onAck(50_000, 50_000, 4 * TARGET_DELAY_US, true);
    expect(far.cwnd).toBe(50_000 - 3 * GAIN_BYTES_PER_RTT);
    const at = steady();
    at.onAck(50_000, 50_000, TARGET_DELAY_US, true);
    expect(at.cwnd).toBe(50_000);
  });

  it('does not grow a window the sender is not using', () => {
    const l = steady();
    l.onAck(10_000, 10_000, 0, false);
    expect(l.cwnd).toBe(50_000);
    l.onAck(10_000, 10_000, 2 * TARGET_DELAY_US, false);
    expect(l.cwnd).toBeLessThan(50_000);
  });

  it('slow start adds the acknowledged bytes until the delay nears the target', () => {
    const l = new Ledbat({ packetSize: MSS, maxWindow: 1_000_000 });
    const start = l.cwnd;
    l.onAck(5_000, start, 0, true);
    expect(l.cwnd).toBe(start + 5_000);
    const grown = l.cwnd;
    l.onAck(5_000, l.cwnd, TARGET_DELAY_US, true);
    expect(l.slowStart).toBe(false);
    // The delay seen is a round trip old: the window overshot, and is halved.
    expect(l.cwnd).toBe(grown / 2);
  });

  it('halves on loss, drops to one packet on timeout, never below one packet nor above the cap', () => {
    const l = steady();
    l.onLoss();
    expect(l.cwnd).toBe(25_000);
    l.onTimeout();
    expect(l.cwnd).toBe(MSS);
    l.onLoss();
    expect(l.cwnd).toBe(MSS);
    const capped = new Ledbat({ packetSize: MSS, maxWindow: 4000 });
    for (let i = 0; i < 10; i++) capped.onAck(4000, 4000, 0, true);
    expect(capped.cwnd).toBe(4000);
  });
});

describe('base delay history', () => {
  it('measures queuing delay above the lowest delay seen, across the 32-bit wrap', () => {
    const h = new DelayHistory();
    const base = 0xffff_ff00; // wraps after 256 µs
    h.add(base, 0);
    for (let i = 0; i < 3; i++) h.add((base + 50_000) >>> 0, 10 + i);
    expect(h.queuingDelay).toBe(50_000);
    expect(h.baseDelay).toBe(base);
  });

  it('takes the lowest of the recent samples (one quick packet is not the queue)', () => {
    const h = new DelayHistory();
    h.add(1000, 0);
    h.add(81_000, 1);
    h.add(61_000, 2);
    h.add(91_000, 3);
    expect(h.queuingDelay).toBe(60_000);
  });

  it('forgets a base delay older than the history (a route change)', () => {
    const h = new DelayHistory();
    h.add(1000, 0);
    // 14 minutes of samples 20 ms higher: the old minimum leaves the 13-minute history.
    for (let minute = 1; minute <= 14; minute++) h.add(21_000, minute * 60_000);
    for (let i = 0; i < 3; i++) h.add(21_000, 14 * 60_000 + i);
    expect(h.baseDelay).toBe(21_000);
    expect(h.queuingDelay).toBe(0);
  });
});

describe('RTT estimator', () => {
  it('follows RFC 6298 smoothing with a floor on the timeout', () => {
    const r = new RttEstimator();
    r.sample(100);
    expect(r.rtt).toBe(100);
    expect(r.rttVar).toBe(50);
    r.sample(200);
    expect(r.rtt).toBe(112.5);
    expect(r.rttVar).toBe(62.5);
    expect(r.rto).toBe(Math.max(MIN_RTO_MS, 112.5 + 4 * 62.5));
    const slow = new RttEstimator();
    slow.sample(2000);
    expect(slow.rto).toBe(6000);
  });
});
