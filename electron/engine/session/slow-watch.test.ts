import { describe, expect, it } from 'vitest';
import { SLOW_AFTER_MS, SLOW_DOWNLOAD_RATE, SLOW_UPLOAD_RATE, SlowWatch } from './slow-watch.js';

const running = { running: true, finished: false, downloadRate: 0, uploadRate: 0 };

describe('SlowWatch', () => {
  it('a running download below the threshold becomes slow only after the inactivity time', () => {
    const w = new SlowWatch();
    expect(w.observe('a', 0, running)).toBe(false);
    expect(w.observe('a', SLOW_AFTER_MS - 1, running)).toBe(false);
    expect(w.observe('a', SLOW_AFTER_MS, running)).toBe(true);
  });

  it('traffic at the threshold resets the clock', () => {
    const w = new SlowWatch();
    w.observe('a', 0, running);
    w.observe('a', 50_000, { ...running, downloadRate: SLOW_DOWNLOAD_RATE });
    expect(w.observe('a', 50_000 + SLOW_AFTER_MS - 1, running)).toBe(false);
    expect(w.observe('a', 50_000 + SLOW_AFTER_MS, running)).toBe(true);
  });

  it('a seed is judged by its upload rate', () => {
    const w = new SlowWatch();
    const seeding = { running: true, finished: true, downloadRate: 1e9, uploadRate: 0 };
    w.observe('s', 0, seeding);
    expect(w.observe('s', SLOW_AFTER_MS, seeding)).toBe(true);
    expect(w.observe('s', SLOW_AFTER_MS + 1, { ...seeding, uploadRate: SLOW_UPLOAD_RATE })).toBe(false);
  });

  it('a torrent that is not running is never slow, and starts its clock again when let in', () => {
    const w = new SlowWatch();
    w.observe('a', 0, running);
    expect(w.observe('a', SLOW_AFTER_MS, { ...running, running: false })).toBe(false);
    expect(w.observe('a', SLOW_AFTER_MS + 1, running)).toBe(false);
    expect(w.observe('a', 2 * SLOW_AFTER_MS, running)).toBe(false);
    expect(w.observe('a', 2 * SLOW_AFTER_MS + 1, running)).toBe(true);
  });
});
