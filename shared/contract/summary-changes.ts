/**
 * Summaries travel as changes: after the snapshot, a `summaryChanges` event carries only the
 * torrents whose summary changed and, for each, only the fields that changed. Both ends use
 * these two functions, so what the service leaves out is exactly what the UI keeps.
 */
import type { TorrentSummary, TorrentSummaryChange } from './types.js';

/** The fields of `next` that differ from `previous`, with the info-hash; null when nothing differs. */
export function summaryChange(previous: TorrentSummary, next: TorrentSummary): TorrentSummaryChange | null {
  const change: Record<string, unknown> = { infoHash: next.infoHash };
  let changed = false;
  for (const key of Object.keys(next) as Array<keyof TorrentSummary>) {
    if (key !== 'infoHash' && next[key] !== previous[key]) {
      change[key] = next[key];
      changed = true;
    }
  }
  return changed ? (change as TorrentSummaryChange) : null;
}

/** `summary` with `change` applied: fields the change leaves out keep their value. */
export function applySummaryChange(summary: TorrentSummary, change: TorrentSummaryChange): TorrentSummary {
  return { ...summary, ...change };
}
