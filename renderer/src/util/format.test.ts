import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, formatPercent, formatRate, formatRateCell } from './format.js';

describe('format', () => {
  it('bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536 * 1024)).toBe('1.50 MiB');
    expect(formatBytes(3.2 * 1024 ** 3)).toBe('3.20 GiB');
    expect(formatBytes(150 * 1024 ** 2)).toBe('150 MiB');
    expect(formatBytes(-1)).toBe('–');
  });
  it('bytes: the unit and digits follow the rounded value', () => {
    expect(formatBytes(1023.6)).toBe('1.00 KiB');
    expect(formatBytes(1023.7 * 1024)).toBe('1.00 MiB');
    expect(formatBytes(99.999 * 1024 ** 2)).toBe('100 MiB');
    expect(formatBytes(9.999 * 1024)).toBe('10.0 KiB');
    expect(formatBytes(1023.4 * 1024)).toBe('1023 KiB');
    expect(formatBytes(1024 ** 6)).toBe('1024 PiB');
  });
  it('rates', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(2048)).toBe('2.00 KiB/s');
    expect(formatRateCell(0)).toBe('');
  });
  it('percent never rounds up to 100 early', () => {
    expect(formatPercent(0.5)).toBe('50.0%');
    expect(formatPercent(0.99999)).toBe('99.9%');
    expect(formatPercent(1)).toBe('100%');
  });
  it('eta', () => {
    expect(formatEta(null)).toBe('∞');
    expect(formatEta(42)).toBe('42s');
    expect(formatEta(125)).toBe('2m 5s');
    expect(formatEta(3 * 3600 + 60 * 7)).toBe('3h 7m');
    expect(formatEta(2 * 86400 + 3600)).toBe('2d 1h');
    expect(formatEta(1e9)).toBe('∞');
  });
});
