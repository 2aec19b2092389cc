import { describe, expect, it } from 'vitest';
import { anyLimit, effectiveLimits, seedingLimitReached, shareRatio } from './seeding-limits.js';

describe('shareRatio', () => {
  it('is uploaded / downloaded', () => {
    expect(shareRatio({ uploaded: 300, downloaded: 200, completedBytes: 200 })).toBe(1.5);
  });
  it('counts completed bytes as downloaded for data that was already on disk', () => {
    expect(shareRatio({ uploaded: 500, downloaded: 0, completedBytes: 1000 })).toBe(0.5);
  });
  it('is 0 with nothing downloaded or completed', () => {
    expect(shareRatio({ uploaded: 10, downloaded: 0, completedBytes: 0 })).toBe(0);
  });
});

describe('effectiveLimits', () => {
  it('-2 takes the global limit, -1 and a value are the torrent own', () => {
    const global = { ratio: 2, minutes: 60, action: 'pause' as const };
    expect(effectiveLimits({ ratio: -2, minutes: -2 }, global)).toEqual({ ratio: 2, minutes: 60 });
    expect(effectiveLimits({ ratio: -1, minutes: 5 }, global)).toEqual({ ratio: -1, minutes: 5 });
  });
});

describe('anyLimit', () => {
  it('is whether effectiveLimits has a ratio or a time limit (0 is a limit)', () => {
    const none = { ratio: -1, minutes: -1, action: 'pause' as const };
    expect(anyLimit({ ratio: -2, minutes: -2 }, none)).toBe(false);
    expect(anyLimit({ ratio: -1, minutes: -1 }, { ...none, ratio: 2 })).toBe(false);
    expect(anyLimit({ ratio: -2, minutes: -1 }, { ...none, ratio: 0 })).toBe(true);
    expect(anyLimit({ ratio: -1, minutes: -2 }, { ...none, minutes: 60 })).toBe(true);
    expect(anyLimit({ ratio: -1, minutes: 0 }, none)).toBe(true);
  });
});

describe('seedingLimitReached', () => {
  it('reports the ratio limit once reached, not before', () => {
    expect(seedingLimitReached({ ratio: 0.99, seedingSeconds: 0 }, { ratio: 1, minutes: -1 })).toBeNull();
    expect(seedingLimitReached({ ratio: 1, seedingSeconds: 0 }, { ratio: 1, minutes: -1 })).toBe('ratio');
  });
  it('reports the seeding time limit in minutes', () => {
    expect(seedingLimitReached({ ratio: 0, seedingSeconds: 599 }, { ratio: -1, minutes: 10 })).toBeNull();
    expect(seedingLimitReached({ ratio: 0, seedingSeconds: 600 }, { ratio: -1, minutes: 10 })).toBe('time');
  });
  it('-1 is no limit; a ratio limit of 0 stops at once', () => {
    expect(seedingLimitReached({ ratio: 100, seedingSeconds: 1e9 }, { ratio: -1, minutes: -1 })).toBeNull();
    expect(seedingLimitReached({ ratio: 0, seedingSeconds: 0 }, { ratio: 0, minutes: -1 })).toBe('ratio');
  });
});
