/**
 * The parts of a new .torrent outside its info dictionary that say where peers and data come
 * from: 'announce' and 'announce-list' (BEP 12 tiers) and 'url-list' (BEP 19 web seeds),
 * written as libtorrent's create_torrent writes them, after checking every URL.
 */
import type { Encodable } from '../bencode/index.js';

const TRACKER_SCHEMES = new Set(['http:', 'https:', 'udp:']);
const WEB_SEED_SCHEMES = new Set(['http:', 'https:']);

/** A URL that cannot be a tracker or web seed; the message names it and says why. */
export class CreateUrlError extends Error {
  override readonly name = 'CreateUrlError';
}

function checkedUrl(text: string, what: string, schemes: ReadonlySet<string>): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CreateUrlError(`${what} ${JSON.stringify(text)} is not a URL`);
  }
  if (!schemes.has(url.protocol)) {
    throw new CreateUrlError(`${what} ${JSON.stringify(text)} must start with ${[...schemes].map((s) => `${s}//`).join(', ')}`);
  }
  if (url.hostname === '') throw new CreateUrlError(`${what} ${JSON.stringify(text)} names no host`);
  if (url.protocol === 'udp:' && url.port === '') throw new CreateUrlError(`${what} ${JSON.stringify(text)} needs a port (udp://host:port)`);
  // As given, not as URL re-serialised it: the .torrent says what the user wrote.
  return text;
}

export interface AnnounceFields {
  announce?: string;
  'announce-list'?: string[][];
  'url-list'?: Encodable;
}

/**
 * `tiers`: trackers grouped into tiers, tried in order, a client picking any tracker of a
 * tier (BEP 12). Empty tiers are dropped and a URL seen before is left out (libtorrent
 * keeps one entry per URL too). As libtorrent: 'announce' is the first tracker,
 * 'announce-list' is written only when there is more than one tracker, 'url-list' is a
 * string for one web seed and a list for more.
 */
export function announceFields(tiers: readonly (readonly string[])[], webSeeds: readonly string[]): AnnounceFields {
  const seen = new Set<string>();
  const kept: string[][] = [];
  for (const tier of tiers) {
    const urls: string[] = [];
    for (const text of tier) {
      const url = checkedUrl(text, 'tracker', TRACKER_SCHEMES);
      if (seen.has(url)) continue;
      seen.add(url);
      urls.push(url);
    }
    if (urls.length > 0) kept.push(urls);
  }
  const seeds = [...new Set(webSeeds.map((s) => checkedUrl(s, 'web seed', WEB_SEED_SCHEMES)))];
  return {
    announce: kept[0]?.[0],
    'announce-list': seen.size > 1 ? kept : undefined,
    'url-list': seeds.length === 0 ? undefined : seeds.length === 1 ? seeds[0] : seeds,
  };
}

/**
 * A web seed of a multi-file torrent, as clients read it. BEP 19 has a client build a file's
 * URL as `url + name/path` when the URL ends in '/'; libtorrent (create_torrent writes the URL
 * as given), Transmission 3.00, aria2 and Tessera all add a missing '/' to a multi-file
 * torrent's web seed when they read it (checked on loopback: each asked for `url/name/file`),
 * so a folder's web seed without it means a folder. The '/' is written, so that the .torrent
 * says so itself to a client that follows BEP 19 to the letter, and the notice shows the URL
 * a file will be asked at (a URL that names the torrent's folder itself, `…/pub/album` for
 * 'album', is a mistake it makes plain). A URL with a query or a fragment is left as written
 * (the file's path would go inside it either way).
 */
export function folderWebSeed(url: string): { url: string; changed: boolean; query: boolean } {
  if (url.endsWith('/')) return { url, changed: false, query: false };
  if (/[?#]/.test(url)) return { url, changed: false, query: true };
  return { url: `${url}/`, changed: true, query: false };
}
