/**
 * Turning what the user drops or pastes into add requests. Pure (apart from reading File
 * bytes), so the rules are unit-tested: what counts as a magnet link, what is a .torrent.
 */
import { MAX_MAGNET_LENGTH, MAX_TORRENT_FILE_BYTES } from '../../../shared/contract/index.js';

/**
 * Magnet URIs found in text/uri-list or text/plain content (one per line; `#` lines are
 * comments). A line that is a bare info-hash (40 hex or 32 base32 characters, as copied from
 * a tracker page or another client's Info tab) becomes its magnet link, as qBittorrent's and
 * Transmission's "add link" boxes accept.
 */
export function extractMagnets(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^magnet:/i.test(line)) out.push(line);
    else if (/^([0-9a-f]{40}|[a-z2-7]{32})$/i.test(line)) out.push(`magnet:?xt=urn:btih:${line}`);
  }
  return out;
}

/** Null if `uri` is plausible enough to send to the engine, else a readable reason. */
export function magnetProblem(uri: string): string | null {
  if (!/^magnet:\?/i.test(uri)) return 'That is not a magnet link (it should start with "magnet:?").';
  if (uri.length > MAX_MAGNET_LENGTH) return 'That magnet link is too long.';
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(uri.slice(uri.indexOf('?') + 1));
  } catch {
    return 'That magnet link is malformed.';
  }
  const xts = params.getAll('xt');
  if (xts.length === 0) return 'That magnet link has no info-hash (xt=urn:btih:…).';
  const ok = xts.some((xt) => /^urn:btih:([0-9a-f]{40}|[a-z2-7]{32})$/i.test(xt) || /^urn:btmh:1220[0-9a-f]{64}$/i.test(xt));
  if (!ok) return 'That magnet link\'s info-hash is not valid (expected urn:btih: with 40 hex or 32 base32 characters).';
  return null;
}

/** What we know about a file before reading it. */
export interface FileLike {
  name: string;
  size: number;
  type: string;
}

/** Null if the file may be a .torrent worth reading, else a readable reason. */
export function torrentFileProblem(file: FileLike): string | null {
  const name = file.name || 'The file';
  if (file.size === 0) return `${name} is empty.`;
  if (file.size > MAX_TORRENT_FILE_BYTES) return `${name} is too big to be a .torrent file (${Math.round(file.size / 1048576)} MiB).`;
  return null;
}

/** Null if the bytes look like a bencoded dictionary (what every .torrent is), else a reason. */
export function torrentBytesProblem(name: string, bytes: Uint8Array): string | null {
  const n = name || 'The file';
  if (bytes.length < 2 || bytes[0] !== 0x64 /* d */ || bytes[bytes.length - 1] !== 0x65 /* e */) {
    return `${n} is not a .torrent file.`;
  }
  return null;
}

/** Does a drag carry something we could add (files, links or text)? */
export function dragLooksAddable(types: readonly string[]): boolean {
  return types.includes('Files') || types.includes('text/uri-list') || types.includes('text/plain');
}
