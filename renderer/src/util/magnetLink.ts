/**
 * "Copy magnet link": the magnet URI of a torrent in the list, as qBittorrent makes it — the
 * info-hash, the name and every tracker (BEP 9 `xt`, `dn`, `tr`).
 */
export function magnetLink(infoHash: string, name: string, trackers: readonly string[]): string {
  const parts = [`xt=urn:btih:${infoHash}`];
  if (name) parts.push(`dn=${encodeURIComponent(name)}`);
  for (const url of new Set(trackers)) parts.push(`tr=${encodeURIComponent(url)}`);
  return `magnet:?${parts.join('&')}`;
}
