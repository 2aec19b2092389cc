import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, progressLine, wantedProgress } from './progress.js';
import { torrentStats as stats } from './test-stats.js';

describe('progressLine over the wanted part', () => {
  it('reads 100% and no ETA when every wanted byte is verified, however much is skipped', () => {
    // Half the torrent set to "Do not download" (from a resume record), the wanted half done.
    const line = progressLine(stats({ state: 'seeding', pieceCount: 110, completedBytes: 900_000, wantedSize: 900_000, wantedCompletedBytes: 900_000 }));
    expect(line).toContain('100.0%');
  });

  it('counts remaining and ETA in wanted bytes', () => {
    const s = stats({ completedBytes: 500_000, wantedSize: 1_000_000, wantedCompletedBytes: 500_000, downloadRate: 100_000 });
    expect(progressLine(s)).toContain(' 50.0%');
    expect(progressLine(s)).toContain('ETA 5s');
    expect(wantedProgress(s)).toEqual({ size: 1_000_000, done: 500_000, fraction: 0.5 });
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1_799_542, '1.7 MiB'],
    [1024 ** 3, '1.0 GiB'],
    [5 * 1024 ** 4, '5.0 TiB'],
    [3 * 1024 ** 5, '3072.0 TiB'],
  ])('%d bytes → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [59, '59s'],
    [59.6, '1m00s'],
    [61, '1m01s'],
    [3599, '59m59s'],
    [3599.6, '1h00m'],
    [3600, '1h00m'],
    [3 * 3600 + 5 * 60 + 59, '3h05m'],
    [100 * 3600, '100h00m'],
  ])('%d s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('shows ∞ for infinite or unknown durations', () => {
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatDuration(Number.NaN)).toBe('∞');
  });
});

describe('progressLine', () => {
  it('shows bar, percent, rate, peers, ETA and state', () => {
    const line = progressLine(stats({ completedBytes: 899_771, downloadRate: 100_000, peers: 3 }), 10);
    expect(line).toBe('[#####-----]  50.0%  97.7 KiB/s  3 peers  ETA 9s  downloading');
  });

  it('starts empty with an infinite ETA', () => {
    expect(progressLine(stats({}), 4)).toBe('[----]   0.0%  0 B/s  0 peers  ETA ∞  downloading');
  });

  it('is full at the end', () => {
    const line = progressLine(stats({ completedBytes: 1_799_542, state: 'seeding' }), 8);
    expect(line.startsWith('[########] 100.0%')).toBe(true);
    expect(line.endsWith('seeding')).toBe(true);
  });

  it('treats an empty torrent as complete', () => {
    expect(progressLine(stats({ size: 0, completedBytes: 0 }), 3).startsWith('[###] 100.0%')).toBe(true);
  });

  it('shows an empty bar, not 100%, while a magnet fetches its metadata', () => {
    const line = progressLine(stats({ state: 'metadata', size: 0, pieceCount: 0, pieceLength: 0, peers: 3 }), 8);
    expect(line).toBe('[--------] fetching metadata  3 peers  metadata');
    // Paused before its metadata arrived: still unknown.
    expect(progressLine(stats({ state: 'paused', size: 0, pieceCount: 0 }), 8)).toMatch(/^\[--------\] fetching metadata/);
  });

  it('keeps the bar width constant', () => {
    for (const completed of [0, 1, 17_995, 899_771, 1_799_541, 1_799_542]) {
      const line = progressLine(stats({ completedBytes: completed }), 30);
      expect(line.indexOf(']')).toBe(31);
    }
  });

  it('uses the default width of 30', () => {
    expect(progressLine(stats({})).indexOf(']')).toBe(31);
  });
});
