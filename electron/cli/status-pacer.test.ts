import { describe, expect, it } from 'vitest';
import { ChangeFilter, HEARTBEAT_MS, MIN_GAP_MS, StatusPacer } from './status-pacer.js';

/** Feeds one sample a second for `seconds`; returns the seconds at which a line was printed. */
function printedAt(pacer: StatusPacer, seconds: number, sample: (t: number) => { key: string; line: string }): number[] {
  const out: number[] = [];
  for (let t = 0; t < seconds; t++) {
    const { key, line } = sample(t);
    if (pacer.due(t * 1000, key, line)) out.push(t);
  }
  return out;
}

describe('StatusPacer (status lines to a file or pipe)', () => {
  it('an idle seed prints its first line and then nothing for an hour (it printed 3,600)', () => {
    expect(printedAt(new StatusPacer(), 3600, () => ({ key: '0|seeding', line: '0 peers  up 0 B/s  total 0 B  seeding' }))).toEqual([0]);
  });

  it('a busy seed whose totals move prints at most a line a minute', () => {
    const at = printedAt(new StatusPacer(), 600, (t) => ({ key: '3|seeding', line: `3 peers  total ${t} KiB` }));
    expect(at).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480, 540]);
  });

  it('a change of key prints soon, but not more than once every MIN_GAP_MS however often it flaps', () => {
    const at = printedAt(new StatusPacer(), 60, (t) => ({ key: String(t % 2), line: `peers ${t % 2}` }));
    expect(at.length).toBe(60_000 / MIN_GAP_MS);
    for (let i = 1; i < at.length; i++) expect((at[i]! - at[i - 1]!) * 1000).toBeGreaterThanOrEqual(MIN_GAP_MS);
    // A single change after a quiet spell is printed at once.
    const pacer = new StatusPacer();
    expect(pacer.due(0, 'a', 'a')).toBe(true);
    expect(pacer.due(30_000, 'b', 'b')).toBe(true);
    expect(pacer.due(30_000 + HEARTBEAT_MS - 1, 'b', 'b2')).toBe(false);
  });
});

describe('ChangeFilter (--json status objects)', () => {
  it('lets an object through only when it differs from the last one', () => {
    const filter = new ChangeFilter();
    expect(['a', 'a', 'b', 'b', 'a'].map((s) => filter.changed(s))).toEqual([true, false, true, false, true]);
  });
});
