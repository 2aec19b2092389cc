import { describe, expect, it } from 'vitest';
import { directPace, type DirectPace } from './direct-pace.js';

const settings = { windowMs: 200, busyShare: 0.5, pauseMs: 5000, minBytes: 2 * 1024 * 1024, maxPauseMs: 60_000 };
const MiB = 1024 * 1024;

/** One job from `from` to `to` that wrote `direct` and `cached` ([ms, bytes]) in that time. */
function paceWindow(p: DirectPace, from: number, to: number, writes: { direct?: [number, number]; cached?: [number, number] }): void {
  p.begin(from);
  if (writes.direct) p.wrote(...writes.direct);
  if (writes.cached) p.wroteCached(...writes.cached);
  p.end(to);
}

describe('DirectPace (the disk threads keep direct writes only while the device keeps up)', () => {
  it('pauses direct writes after a window in which they took over half the time, and tries them again after the pause', () => {
    const p = directPace(settings);
    expect(p.allowed(0)).toBe(true);
    p.begin(0);
    p.wrote(150, 4 * MiB);
    p.end(250);
    expect(p.allowed(251)).toBe(false);
    expect(p.allowed(5249)).toBe(false);
    expect(p.allowed(5250)).toBe(true);
  });

  it('pauses twice as long after each retry that finds the device still slow, up to the cap, and back to the start once a window passes', () => {
    const p = directPace(settings);
    const slowWindowAt = (t: number): number => {
      expect(p.allowed(t)).toBe(true);
      p.begin(t);
      p.wrote(150, 4 * MiB);
      p.end(t + 200);
      expect(p.allowed(t + 200)).toBe(false);
      let until = t + 200;
      while (!p.allowed(until)) until += 100;
      return until - (t + 200);
    };
    let t = 0;
    const pauses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const pause = slowWindowAt(t);
      pauses.push(pause);
      t += 200 + pause;
    }
    expect(pauses).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    // The device recovered: a good window, then the next slow one pauses for 5 s again.
    p.begin(t);
    p.wrote(20, 4 * MiB);
    p.end(t + 200);
    expect(p.allowed(t + 200)).toBe(true);
    expect(slowWindowAt(t + 1000)).toBe(5000);
  });

  it('keeps them while the device takes a small share of the time', () => {
    const p = directPace(settings);
    for (let t = 0; t < 10_000; t += 100) {
      p.begin(t);
      p.wrote(20, MiB);
      p.end(t + 90);
      expect(p.allowed(t + 90)).toBe(true);
    }
  });

  it('judges only a whole window, and not on too few bytes', () => {
    const p = directPace(settings);
    p.begin(0);
    p.wrote(100, 4 * MiB);
    p.end(110); // 110 ms: the window is still open
    expect(p.allowed(110)).toBe(true);
    p.begin(150);
    p.end(210); // closes with 100 of 210 ms busy: under half
    expect(p.allowed(210)).toBe(true);
    p.begin(1000);
    p.wrote(300, MiB); // one slow write of 1 MiB: too little to judge the device by
    p.end(1300);
    expect(p.allowed(1300)).toBe(true);
  });

  it('judges a window early once it is lost whatever follows (over half of a whole window already spent writing)', () => {
    const p = directPace(settings);
    p.begin(0);
    p.wrote(60, 4 * MiB);
    p.end(70); // 60 ms busy: the window could still pass
    expect(p.allowed(70)).toBe(true);
    p.wrote(50, 2 * MiB);
    p.end(120); // 110 ms busy: over half of 200 ms, however the rest of the window goes
    expect(p.allowed(121)).toBe(false);
    expect(p.allowed(5120)).toBe(true);
    // Not on too few bytes, even when they took long.
    const q = directPace(settings);
    q.begin(0);
    q.wrote(150, MiB);
    q.end(160);
    expect(q.allowed(160)).toBe(true);
  });

  it('resumes direct writes at once when the page cache costs as much per byte, and keeps them through busy windows that cost less than it', () => {
    const p = directPace(settings);
    // A disk thread that hashes and writes: direct writes take 60% of the window (30 ms per MiB).
    paceWindow(p, 0, 200, { direct: [120, 4 * MiB] });
    expect(p.allowed(200)).toBe(false);
    // Paused: the same work through the page cache costs 45 ms per MiB.
    paceWindow(p, 200, 400, { cached: [180, 4 * MiB] });
    expect(p.allowed(400)).toBe(true);
    // Direct writes as busy as before stay on: they cost less per byte than the page cache did.
    for (let t = 400; t < 2400; t += 200) {
      paceWindow(p, t, t + 200, { direct: [120, 4 * MiB] });
      expect(p.allowed(t + 200)).toBe(true);
    }
    // The device slows down (60 ms per MiB, above the page cache's 45): paused again.
    paceWindow(p, 2400, 2640, { direct: [240, 4 * MiB] });
    expect(p.allowed(2640)).toBe(false);
  });

  it('keeps the pause when the page cache is cheaper per byte (a slow device)', () => {
    const p = directPace(settings);
    paceWindow(p, 0, 200, { direct: [150, 4 * MiB] });
    paceWindow(p, 200, 400, { cached: [40, 4 * MiB] });
    expect(p.allowed(400)).toBe(false);
    expect(p.allowed(5200)).toBe(true);
    // Too few bytes through the page cache to judge by: no verdict either way.
    const q = directPace(settings);
    paceWindow(q, 0, 200, { direct: [150, 4 * MiB] });
    paceWindow(q, 200, 400, { cached: [300, MiB] });
    expect(q.allowed(400)).toBe(false);
  });

  it('does not count idle time before a job as the device keeping up', () => {
    const p = directPace(settings);
    p.begin(0);
    p.wrote(10, MiB);
    p.end(300); // window judged and closed (fine)
    // A long idle stretch, then a burst in which every write waits on the device.
    p.begin(60_000);
    p.wrote(190, 4 * MiB);
    p.end(60_200);
    expect(p.allowed(60_201)).toBe(false);
  });
});
