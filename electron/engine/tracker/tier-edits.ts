/**
 * The user's edits of a torrent's announce-list (the Trackers tab): replace one URL in its
 * place, remove some. Pure: the torrent keeps the result, announces to it and records it.
 */

export type TrackerEdit = { kind: 'edited'; tiers: string[][] } | { kind: 'not-found' } | { kind: 'duplicate' };

/** `url` replaced by `newUrl` in its tier and place; a URL listed already elsewhere is refused (each URL once). */
export function replaceTracker(tiers: ReadonlyArray<ReadonlyArray<string>>, url: string, newUrl: string): TrackerEdit {
  if (!tiers.some((tier) => tier.includes(url))) return { kind: 'not-found' };
  if (newUrl !== url && tiers.some((tier) => tier.includes(newUrl))) return { kind: 'duplicate' };
  return { kind: 'edited', tiers: tiers.map((tier) => tier.map((u) => (u === url ? newUrl : u))) };
}

/** The tiers without `urls`; a tier left empty goes, so the later tiers move up. */
export function withoutTrackers(tiers: ReadonlyArray<ReadonlyArray<string>>, urls: readonly string[]): { tiers: string[][]; removed: number } {
  const gone = new Set(urls);
  let removed = 0;
  const left = tiers
    .map((tier) =>
      tier.filter((u) => {
        if (!gone.has(u)) return true;
        removed++;
        return false;
      }),
    )
    .filter((tier) => tier.length > 0);
  return { tiers: left, removed };
}
