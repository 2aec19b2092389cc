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

/** One of a torrent's limits as it applies: its own, or the global one where it says -2 (USE_GLOBAL). */
function resolved(own: number, global: number): number {
  return own === USE_GLOBAL ? global : own;
}

/** The limits that apply to one torrent: its own, or the global ones where it says -2. -1 = none. */
export function effectiveLimits(own: Readonly<TorrentSeedingLimits>, global: SeedingLimits): { ratio: number; minutes: number } {
  return { ratio: resolved(own.ratio, global.ratio), minutes: resolved(own.minutes, global.minutes) };
}

/**
 * Whether any limit applies to a torrent (effectiveLimits, without making the object): most
 * torrents have none, and then their ratio and seeding time need not be computed at all.
 */
export function anyLimit(own: Readonly<TorrentSeedingLimits>, global: SeedingLimits): boolean {
  return resolved(own.ratio, global.ratio) >= 0 || resolved(own.minutes, global.minutes) >= 0;
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
