import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../e2e/support/test-utils.js';
import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('is zero before anything is added', () => {
    const c = manualClock();
    const meter = new RateMeter(5, c.now);
    expect(meter.rate()).toBe(0);
    expect(meter.totalBytes).toBe(0);
  });

  it('holds no buckets until bytes are added (most meters of a big session never see any)', () => {
    const c = manualClock(5_000_000);
    const meter = new RateMeter(5, c.now);
    c.advance(3000);
    expect(meter.rate()).toBe(0);
    expect(Reflect.get(meter, 'buckets')).toBeNull();
    c.advance(250);
    meter.add(1000);
    expect(Reflect.get(meter, 'buckets')).toBeInstanceOf(Float64Array);
    expect(meter.rate()).toBeCloseTo(1000 / 4.25, 6);
  });

  it('averages a steady rate over the window once it has been running that long', () => {
    const c = manualClock(10_000_000);
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
    const c = manualClock(20_000_000);
    const meter = new RateMeter(5, c.now);
    c.advance(250);
    meter.add(1000);
    expect(meter.rate()).toBeCloseTo(1000 / 4.25, 6);
    c.advance(500);
    expect(meter.rate()).toBeCloseTo(1000 / 4.75, 6);
  });

  it('forgets bytes older than the window', () => {
    const c = manualClock(30_000_000);
    const meter = new RateMeter(5, c.now);
    meter.add(5000);
    c.advance(4000);
    expect(meter.rate()).toBeGreaterThan(0);
    c.advance(1000); // the bucket of that first second is reused now
    expect(meter.rate()).toBe(0);
    expect(meter.totalBytes).toBe(5000);
  });

  it('clears every stale bucket after a long pause', () => {
    const c = manualClock(40_000_000);
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
    const c = manualClock(50_000_000);
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
    const c = manualClock();
    const meter = new RateMeter(3, c.now);
    meter.add(1);
    c.advance(100_000);
    meter.add(2);
    expect(meter.totalBytes).toBe(3);
  });

  it('supports a one-second window', () => {
    const c = manualClock(60_000_000);
    const meter = new RateMeter(1, c.now);
    c.advance(500);
    meter.add(1000);
    expect(meter.rate()).toBeCloseTo(2000, 6);
    c.advance(1000);
    expect(meter.rate()).toBe(0);
  });

  it('does not blow up when the clock is at an exact second (no division by zero)', () => {
    const c = manualClock(70_000_000);
    const meter = new RateMeter(1, c.now);
    meter.add(1);
    expect(Number.isFinite(meter.rate())).toBe(true);
  });
});
