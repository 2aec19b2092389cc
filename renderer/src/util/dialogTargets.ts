import type { TorrentSummary } from '../../../shared/contract/index.js';

/**
 * What a torrent dialog acts on: the torrent's name or, for several (a multi-selection), how many
 * and the one the dialog was opened for.
 */
export function appliesTo(t: TorrentSummary, count: number): string {
  const name = t.name || t.infoHash;
  return count > 1 ? `${count} torrents: ${name} and ${count - 1} more` : name;
}
