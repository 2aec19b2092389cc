/**
 * Seeding limits (qBittorrent's share limits): a finished torrent that reached its share ratio
 * or its seeding time is paused or removed. Pure decisions; the session's policy acts on them.
 */
import { USE_GLOBAL, type SeedingLimits, type TorrentSeedingLimits } from '../../../shared/contract/policies.js';

/**
 * Share ratio as qBittorrent computes it: uploaded / downloaded over the torrent's life. A
 * torrent that downloaded (almost) nothing here — added with its data already on disk — counts
 * its completed bytes as downloaded, so seeding a file you had does not divide by zero.
 */
export function shareRatio(t: { uploaded: number; downloaded: number; completedBytes: number }): number {
  const downloaded = t.downloaded < t.completedBytes * 0.01 ? t.completedBytes : t.downloaded;
  if (downloaded <= 0) return 0;
  return t.uploaded / downloaded;
}

/** The limits that apply to one torrent: its own, or the global ones where it says -2. -1 = none. */
export function effectiveLimits(own: TorrentSeedingLimits, global: SeedingLimits): { ratio: number; minutes: number } {
  return {
    ratio: own.ratio === USE_GLOBAL ? global.ratio : own.ratio,
    minutes: own.minutes === USE_GLOBAL ? global.minutes : own.minutes,
  };
}

/**
 * Whether any limit applies to a torrent (effectiveLimits, without making the object): most
 * torrents have none, and then their ratio and seeding time need not be computed at all.
 */
export function anyLimit(own: Readonly<TorrentSeedingLimits>, global: SeedingLimits): boolean {
  return (own.ratio === USE_GLOBAL ? global.ratio : own.ratio) >= 0 || (own.minutes === USE_GLOBAL ? global.minutes : own.minutes) >= 0;
}

/** Which limit a seeding torrent reached, if any. */
export function seedingLimitReached(
  t: { ratio: number; seedingSeconds: number },
  limits: { ratio: number; minutes: number },
): 'ratio' | 'time' | null {
  if (limits.ratio >= 0 && t.ratio >= limits.ratio) return 'ratio';
  if (limits.minutes >= 0 && t.seedingSeconds >= limits.minutes * 60) return 'time';
  return null;
}
