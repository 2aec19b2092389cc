/**
 * How much tracker work a stranger's .torrent or magnet can make us do. The numbers follow
 * libtorrent (max_concurrent_http_announces = 50) and what real tracker lists look like
 * (the big public lists have 100–200 entries); README.md "Limits" documents them.
 */

import { MAX_TRACKERS_PER_TORRENT } from '../../../shared/contract/trackers.js';

/** Trackers kept per torrent, after dropping blanks and duplicates; the rest are ignored (the contract's bound on adding too). */
export { MAX_TRACKERS_PER_TORRENT };
/** Announces one torrent has on the wire at once (only reachable with announceToAllTiers). */
export const MAX_ANNOUNCES_PER_TORRENT = 4;
/** HTTP(S) announces and scrapes on the wire at once in a session: each is a socket. */
export const MAX_HTTP_ANNOUNCES = 50;
/** UDP announces and scrapes waiting for a reply at once in a session (they share one socket). */
export const MAX_UDP_ANNOUNCES = 200;

export interface LimitedTiers {
  /** Non-empty tiers, URLs trimmed, each URL once (its first place wins), at most `max` URLs in all. */
  tiers: string[][];
  /** URLs dropped because the limit was reached (blanks and duplicates are not counted). */
  ignored: number;
}

/** Applies MAX_TRACKERS_PER_TORRENT (or `max`) to a BEP 12 announce-list, keeping the given order. */
export function limitTrackerTiers(tiers: ReadonlyArray<ReadonlyArray<string>>, max = MAX_TRACKERS_PER_TORRENT): LimitedTiers {
  const seen = new Set<string>();
  const out: string[][] = [];
  let ignored = 0;
  for (const given of tiers) {
    const tier: string[] = [];
    for (const raw of given) {
      const url = raw.trim();
      if (url === '' || seen.has(url)) continue;
      seen.add(url);
      if (seen.size > max) ignored++;
      else tier.push(url);
    }
    if (tier.length > 0) out.push(tier);
  }
  return { tiers: out, ignored };
}

/** The one warning for a torrent whose tracker list was cut. */
export function ignoredTrackersMessage(ignored: number, max = MAX_TRACKERS_PER_TORRENT): string {
  return `${ignored} more tracker${ignored === 1 ? '' : 's'} ignored: at most ${max} per torrent are used`;
}
