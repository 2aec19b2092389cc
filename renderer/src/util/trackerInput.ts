import { check, MAX_TRACKERS_PER_TORRENT, trackerTierLines, trackerUrl } from '../../../shared/contract/index.js';

const EXPECTED = 'http://, https:// or udp:// with a port, no spaces';

/** The Edit dialog's URL: the problem to show, or null when the engine will take it. */
export function trackerUrlProblem(url: string): string | null {
  if (url.trim() === '') return 'Type the tracker URL.';
  return check(trackerUrl, url.trim()).ok ? null : `Not a tracker URL: ${url.trim()} (${EXPECTED}).`;
}

/**
 * "Add trackers…" text as qBittorrent reads it (one URL a line, a blank line between tiers),
 * checked as the engine will check it, so the dialog names the bad line before sending: every
 * URL a tracker URL, and the torrent (with `known` URLs) keeping at most MAX_TRACKERS_PER_TORRENT.
 */
export function trackersToAdd(text: string, known: readonly string[]): { ok: true; tiers: string[][] } | { ok: false; problem: string } {
  const tiers = trackerTierLines(text);
  if (tiers.length === 0) return { ok: false, problem: 'Type at least one tracker URL.' };
  for (const url of tiers.flat()) {
    const problem = trackerUrlProblem(url);
    if (problem) return { ok: false, problem };
  }
  const have = new Set(known);
  const added = tiers.flat().filter((url) => !have.has(url)).length;
  if (have.size + added > MAX_TRACKERS_PER_TORRENT) {
    return { ok: false, problem: `A torrent keeps at most ${MAX_TRACKERS_PER_TORRENT} trackers: it has ${have.size}, ${added} more are too many.` };
  }
  return { ok: true, tiers };
}
