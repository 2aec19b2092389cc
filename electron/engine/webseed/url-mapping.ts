/**
 * Where a web seed keeps each byte: BEP 19 (`url-list`, GetRight style) maps a file of the
 * torrent to a URL; BEP 17 (`httpseeds`) asks a script for a piece by info-hash.
 */

/** The kinds of web seed: BEP 19 serves files, BEP 17 serves pieces. */
export type WebSeedKind = 'url' | 'http-seed';

export interface WebSeedSource {
  url: string;
  kind: WebSeedKind;
}

/**
 * Percent-encodes one path element: everything but RFC 3986's unreserved characters, so a
 * name with spaces, '#', '?', '%' or non-ASCII letters (UTF-8) reaches the right file.
 */
export function encodePathElement(element: string): string {
  let out = '';
  for (const byte of Buffer.from(element, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * BEP 19: the URL of one file. Single-file torrents use the URL as it is, or with the name
 * appended when it ends in '/'. Multi-file torrents use `url/name/path…` (the torrent's name is
 * the first element of `pathElements`, as in TorrentFile), adding the '/' when it is missing.
 */
export function fileUrl(base: string, multiFile: boolean, pathElements: readonly string[]): string {
  const encoded = pathElements.map(encodePathElement).join('/');
  if (!multiFile) return base.endsWith('/') ? base + encoded : base;
  return (base.endsWith('/') ? base : `${base}/`) + encoded;
}

/** Percent-encodes raw bytes for a query string (the 20-byte info-hash). */
export function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * BEP 17: `url?info_hash=…&piece=N&ranges=a-b` for the bytes [begin, end) of piece `piece`
 * (the range is inclusive on the wire). A URL that has a query already gets '&'.
 */
export function httpSeedUrl(base: string, infoHash: Uint8Array, piece: number, begin: number, end: number): string {
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}info_hash=${encodeBytes(infoHash)}&piece=${piece}&ranges=${begin}-${end - 1}`;
}

/** Only http: and https: URLs are web seeds (a file: or ftp: URL in a stranger's torrent is ignored). */
export function isWebSeedUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
