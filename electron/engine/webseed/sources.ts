import { isWebSeedUrl, type WebSeedSource } from './url-mapping.js';

/**
 * The web seeds a torrent may use: its own `url-list` (BEP 19) and `httpseeds` (BEP 17), plus
 * those a magnet's `ws=` named — except for a private torrent (BEP 27), which uses only the
 * sources its own metainfo lists: a magnet could otherwise send its data to anyone.
 */
export function webSeedSources(
  meta: { private: boolean; urlList: readonly string[]; httpSeeds: readonly string[] },
  magnetWebSeeds: readonly string[],
): WebSeedSource[] {
  const out: WebSeedSource[] = [];
  const seen = new Set<string>();
  const add = (url: string, kind: WebSeedSource['kind']): void => {
    const key = `${kind} ${url}`;
    if (seen.has(key) || !isWebSeedUrl(url)) return;
    seen.add(key);
    out.push({ url, kind });
  };
  for (const url of meta.urlList) add(url, 'url');
  for (const url of meta.httpSeeds) add(url, 'http-seed');
  if (!meta.private) for (const url of magnetWebSeeds) add(url, 'url');
  return out;
}
