import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.js';

function clock(start = 1_000_000): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, set: (ms) => (time = ms), advance: (ms) => (time += ms) };
}

describe('RateMeter', () => {
  it('is zero before anything is added', () => {
    const c = clock();
    const meter = new RateMeter(5, c.now);
    expect(meter.rate()).toBe(0);
    expect(meter.totalBytes).toBe(0);
  });

  it('averages a steady rate over the window once it has been running that long', () => {
    const c = clock(10_000_000);
    const meter = new RateMeter(5, c.now);
    for (let s = 0; s < 10; s++) {
      meter.add(1000);
      c.advance(1000);
    }
    // At an exact second boundary: 4 full seconds + a (clamped) empty current second.
    c.advance(500); // mid-second: 4 full seconds of 1000 + the half current second (empty)
    expect(meter.rate()).toBeCloseTo(4000 / 4.5, 6);
    meter.add(500); // the current second is on schedule
    expect(meter.rate()).toBeCloseTo(4500 / 4.5, 6);
  });

  it('counts the partial current second fractionally', () => {
    const c = clock(20_000_000);
    const meter = new RateMeter(5, c.now);
    c.advance(250);
    meter.add(1000);
    expect(meter.rate()).toBeCloseTo(1000 / 4.25, 6);
    c.advance(500);
    expect(meter.rate()).toBeCloseTo(1000 / 4.75, 6);
  });

  it('forgets bytes older than the window', () => {
    const c = clock(30_000_000);
    const meter = new RateMeter(5, c.now);
    meter.add(5000);
    c.advance(4000);
    expect(meter.rate()).toBeGreaterThan(0);
    c.advance(1000); // the bucket of that first second is reused now
    expect(meter.rate()).toBe(0);
    expect(meter.totalBytes).toBe(5000);
  });

  it('clears every stale bucket after a long pause', () => {
    const c = clock(40_000_000);
    const meter = new RateMeter(5, c.now);
    for (let s = 0; s < 5; s++) {
      meter.add(100);
      c.advance(1000);
    }
    c.advance(3_600_000);
    expect(meter.rate()).toBe(0);
    meter.add(10);
    expect(meter.rate()).toBeCloseTo(10 / 4.001, 6);
  });

  it('clears only the skipped buckets after a short pause', () => {
    const c = clock(50_000_000);
    const meter = new RateMeter(5, c.now);
    meter.add(100); // second 0
    c.advance(1000);
    meter.add(200); // second 1
    c.advance(2000); // second 3: second 2 skipped
    meter.add(400);
    c.advance(500);
    expect(meter.rate()).toBeCloseTo(700 / 4.5, 6);
    c.advance(1000); // second 4
    expect(meter.rate()).toBeCloseTo(700 / 4.5, 6);
    c.advance(1000); // second 5: second 0 leaves the window
    expect(meter.rate()).toBeCloseTo(600 / 4.5, 6);
  });

  it('keeps a running total that never decays', () => {
    const c = clock();
    const meter = new RateMeter(3, c.now);
    meter.add(1);
    c.advance(100_000);
    meter.add(2);
    expect(meter.totalBytes).toBe(3);
  });

  it('supports a one-second window', () => {
    const c = clock(60_000_000);
    const meter = new RateMeter(1, c.now);
    c.advance(500);
    meter.add(1000);
    expect(meter.rate()).toBeCloseTo(2000, 6);
    c.advance(1000);
    expect(meter.rate()).toBe(0);
  });

  it('does not blow up when the clock is at an exact second (no division by zero)', () => {
    const c = clock(70_000_000);
    const meter = new RateMeter(1, c.now);
    meter.add(1);
    expect(Number.isFinite(meter.rate())).toBe(true);
  });
});
