/**
 * Magnet URIs (BEP 9, with BEP 53 `so`): parse and format.
 *
 * parseMagnet is strict about what it understands (info-hash, percent-encoding, x.pe
 * addresses, so ranges, tracker/web-seed URLs) and ignores parameters it does not know.
 * Every rejection is a MagnetError whose message is one line.
 */
import type { PeerAddress } from '../api.js';
import { formatHostPort, HostPortError, parseHostPort } from '../util/host-port.js';

export interface Magnet {
  /**
   * The 20-byte info-hash used on the wire: the v1 one (btih), or for a v2-only magnet (btmh
   * alone) the first 20 bytes of the SHA-256 (BEP 52).
   */
  infoHash: Buffer;
  /** `xt=urn:btmh:1220…`: the BEP 52 SHA-256 info-hash, 32 bytes; null when absent. */
  infoHashV2: Buffer | null;
  /** The same, as 40 lower-case hex characters. */
  infoHashHex: string;
  /** `dn`: display name, or null. */
  name: string | null;
  /** `tr`: tracker URLs in order, de-duplicated. Any scheme is kept (the announcer reports the ones it cannot use). */
  trackers: string[];
  /** `x.pe`: peers to dial (IPv4, IPv6 or hostname). De-duplicated. */
  peers: PeerAddress[];
  /** `ws`: web seed URLs (http/https), de-duplicated. */
  webSeeds: string[];
  /** `so` (BEP 53): file indices to download, sorted and unique; null when absent. */
  selectOnly: number[] | null;
  /**
   * Why items were left out: a `tr`, `ws`, `x.pe` or `so` item that is not valid is skipped,
   * as libtorrent skips it, and the rest of the magnet is used (one bad tracker URL made the
   * whole magnet fail). One line each.
   */
  ignored: string[];
}

/** What formatMagnet needs: the info-hash plus any optional fields. */
export interface MagnetInput {
  infoHash: Uint8Array | string; // 20 bytes, or 40 hex characters
  name?: string | null;
  trackers?: readonly string[];
  peers?: readonly PeerAddress[];
  webSeeds?: readonly string[];
  selectOnly?: readonly number[] | null;
}

/** A magnet URI that cannot be used. `message` is a one-line reason, e.g. "invalid magnet: missing xt=urn:btih". */
export class MagnetError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`invalid magnet: ${reason}`);
    this.name = 'MagnetError';
    this.reason = reason;
  }
}

/** Longest URI accepted (magnets with hundreds of trackers are a few tens of KiB). */
export const MAX_MAGNET_LENGTH = 256 * 1024;
/** Most files an `so` parameter may select once ranges are expanded. */
export const MAX_SELECT_ONLY = 1_000_000;
/** Reasons kept in `Magnet.ignored` at most (a magnet may hold thousands of bad items). */
const MAX_IGNORED = 16;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function oneLine(s: string, max = 80): string {
  let flat = '';
  for (const ch of s) flat += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? '?' : ch;
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Decodes 32 RFC 4648 base32 characters (case-insensitive) into 20 bytes. */
function decodeBase32Hash(s: string): Buffer | null {
  const out = Buffer.alloc(20);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of s.toUpperCase()) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
    value &= (1 << bits) - 1;
  }
  return o === 20 ? out : null;
}

/** Percent-decodes to bytes. `plusIsSpace` applies form encoding ('+' = space), as clients do for `dn`. */
function percentDecode(raw: string, field: string, plusIsSpace: boolean): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new MagnetError(`bad percent-encoding in ${field}: "${oneLine(raw.slice(i, i + 3))}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */ && plusIsSpace) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Raw non-ASCII (a pasted IRI): keep it as UTF-8.
      const cp = raw.codePointAt(i) ?? 0xfffd;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes);
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false });

function decodeText(raw: string, field: string, plusIsSpace: boolean): string {
  return utf8Lenient.decode(percentDecode(raw, field, plusIsSpace));
}

function decodeUrl(raw: string, field: string, schemes: readonly string[] | null): string {
  let text: string;
  try {
    text = utf8Fatal.decode(percentDecode(raw, field, false)).trim();
  } catch (e) {
    if (e instanceof MagnetError) throw e;
    throw new MagnetError(`${field} is not valid UTF-8`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MagnetError(`${field} is not a URL: "${oneLine(text)}"`);
  }
  if (schemes && !schemes.includes(url.protocol)) {
    throw new MagnetError(`${field} must be ${schemes.join(' or ')} URL: "${oneLine(text)}"`);
  }
  return text;
}

/** Parses "a.b.c.d:p", "[v6]:p" or "hostname:p" (util/host-port.ts), host lower-cased, the field named in the error. Throws MagnetError. */
export function parsePeerAddress(text: string, field = 'x.pe'): PeerAddress {
  try {
    const { host, port } = parseHostPort(text);
    return { host: host.toLowerCase(), port };
  } catch (err) {
    if (err instanceof HostPortError) throw new MagnetError(`${field} "${oneLine(text)}": ${err.message}`);
    throw err;
  }
}

/** Parses a BEP 53 index list such as "0,2,4-6" into sorted unique indices. */
export function parseSelectOnly(text: string): number[] {
  const set = new Set<number>();
  addSelectOnly(text, set, { left: MAX_SELECT_ONLY });
  return [...set].sort((a, b) => a - b);
}

/**
 * Adds the indices of one `so` value to `into`. Every index it names counts against
 * `budget`, repeats included ("0-999999,0-999999,…" or many `so` parameters would
 * otherwise cost minutes of CPU while the set stays small).
 */
function addSelectOnly(text: string, into: Set<number>, budget: { left: number }, eachItem: (take: () => void) => void = (take) => take()): void {
  if (text === '') throw new MagnetError('empty so');
  for (const item of text.split(',')) eachItem(() => addSelectItem(item, into, budget));
}

function addSelectItem(item: string, into: Set<number>, budget: { left: number }): void {
  const m = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(item);
  if (!m) throw new MagnetError(`bad so item "${oneLine(item)}" (expected N or N-M)`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 0x7fffffff || to > 0x7fffffff) throw new MagnetError(`so index too large in "${oneLine(item)}"`);
  if (to < from) throw new MagnetError(`so range "${oneLine(item)}" runs backwards`);
  // Counted before the indices are added: past the budget, an item costs nothing more.
  budget.left -= to - from + 1;
  if (budget.left < 0) throw new MagnetError(`so selects more than ${MAX_SELECT_ONLY} files`);
  for (let i = from; i <= to; i++) into.add(i);
}

function parseInfoHash(value: string): Buffer {
  const hash = value.slice('urn:btih:'.length);
  if (hash.length === 40) {
    if (!/^[0-9a-fA-F]{40}$/.test(hash)) throw new MagnetError('btih info-hash has non-hex characters');
    return Buffer.from(hash, 'hex');
  }
  if (hash.length === 32) {
    const b = decodeBase32Hash(hash);
    if (!b) throw new MagnetError('btih info-hash has non-base32 characters');
    return b;
  }
  throw new MagnetError(`btih info-hash must be 40 hex or 32 base32 characters, got ${hash.length}`);
}

/** A BEP 52 btmh value: the multihash of a SHA-256 (code 0x12, length 0x20) in hex. */
function parseMultihash(text: string): Buffer {
  if (!/^1220[0-9a-fA-F]{64}$/.test(text)) {
    throw new MagnetError(`btmh info-hash must be "1220" and 64 hex characters (a SHA-256 multihash), got ${JSON.stringify(oneLine(text, 20))}`);
  }
  return Buffer.from(text.slice(4), 'hex');
}

/** Parses a magnet URI. Throws MagnetError with a one-line reason. */
export function parseMagnet(uri: string): Magnet {
  if (typeof uri !== 'string') throw new MagnetError('not a string');
  const text = uri.trim();
  if (text.length > MAX_MAGNET_LENGTH) throw new MagnetError(`longer than ${MAX_MAGNET_LENGTH} characters`);
  if (!/^magnet:/i.test(text)) throw new MagnetError('does not start with "magnet:"');
  // No fragment: like libtorrent, a raw '#' is part of the value it is in. Names such as
  // "C# Programming" arrive unescaped, and cutting there lost the trackers after them.
  let query = text.slice('magnet:'.length);
  if (!query.startsWith('?')) throw new MagnetError('no parameters (expected "magnet:?xt=…")');
  query = query.slice(1);

  let infoHash: Buffer | null = null;
  let infoHashV2: Buffer | null = null;
  let name: string | null = null;
  // Sets keep first-seen order and de-duplicate in O(1): a 256 KiB magnet holds ~15,000 URLs.
  const trackers = new Set<string>();
  const peers: PeerAddress[] = [];
  const peerKeys = new Set<string>();
  const webSeeds = new Set<string>();
  let selectOnly: Set<number> | null = null;
  const selectBudget = { left: MAX_SELECT_ONLY };
  const ignored: string[] = [];
  /** Runs `take`; a MagnetError skips that item (its reason kept, at most MAX_IGNORED of them). */
  const skipBad = (take: () => void): void => {
    try {
      take();
    } catch (err) {
      if (!(err instanceof MagnetError)) throw err;
      if (ignored.length < MAX_IGNORED) ignored.push(err.message);
    }
  };

  for (const param of query.split('&')) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const rawKey = eq < 0 ? param : param.slice(0, eq);
    const raw = eq < 0 ? '' : param.slice(eq + 1);
    // BEP 9 allows numbered keys for repeats (xt.1, tr.2); x.pe itself contains a dot.
    const key = rawKey.toLowerCase().replace(/\.\d+$/, '');
    switch (key) {
      case 'xt': {
        const value = decodeText(raw, 'xt', false).trim();
        const lower = value.toLowerCase();
        if (lower.startsWith('urn:btih:')) {
          const h = parseInfoHash(value);
          if (infoHash && !infoHash.equals(h)) throw new MagnetError('more than one different btih info-hash');
          infoHash = h;
        } else if (lower.startsWith('urn:btmh:')) {
          const h = parseMultihash(value.slice('urn:btmh:'.length));
          if (infoHashV2 && !infoHashV2.equals(h)) throw new MagnetError('more than one different btmh info-hash');
          infoHashV2 = h;
        }
        // Other URNs (sha1, ed2k, …) are not ours: ignored.
        break;
      }
      case 'dn':
        if (name === null) name = decodeText(raw, 'dn', true);
        break;
      case 'tr':
        if (raw !== '') skipBad(() => void trackers.add(decodeUrl(raw, 'tr', null)));
        break;
      case 'ws':
        if (raw !== '') skipBad(() => void webSeeds.add(decodeUrl(raw, 'ws', ['http:', 'https:'])));
        break;
      case 'x.pe':
        skipBad(() => {
          const peer = parsePeerAddress(decodeText(raw, 'x.pe', false).trim());
          const k = `${peer.host}|${peer.port}`;
          if (!peerKeys.has(k)) {
            peerKeys.add(k);
            peers.push(peer);
          }
        });
        break;
      case 'so': {
        const into = (selectOnly ??= new Set<number>());
        skipBad(() => addSelectOnly(decodeText(raw, 'so', false).trim(), into, selectBudget, skipBad));
        break;
      }
      default:
        break; // xl, as, xs, kt, mt, x.* and friends: not used.
    }
  }

  // A hybrid magnet names both; the torrent is then reached by its v1 hash.
  infoHash ??= infoHashV2 === null ? null : Buffer.from(infoHashV2.subarray(0, 20));
  if (!infoHash) throw new MagnetError('missing xt=urn:btih:<info-hash> or xt=urn:btmh:1220<sha-256>');
  // An `so` whose every item was bad selects nothing: as if it were absent.
  const selected = selectOnly === null || selectOnly.size === 0 ? null : [...selectOnly].sort((a, b) => a - b);
  return { infoHash, infoHashHex: infoHash.toString('hex'), infoHashV2, name, trackers: [...trackers], peers, webSeeds: [...webSeeds], selectOnly: selected, ignored };
}

/** Percent-encodes everything except unreserved characters and the URL punctuation that is safe inside a query value. */
function encodeValue(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~:/@!$'()*,[\]]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** "0,2,4-6" from [0,2,4,5,6]. */
export function formatSelectOnly(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      end++;
      i++;
    }
    i++;
    parts.push(end === start ? String(start) : `${start}-${end}`);
  }
  return parts.join(',');
}

export { formatHostPort as formatPeerAddress };

/** Builds a magnet URI (hex info-hash) that parseMagnet reads back to the same fields. */
export function formatMagnet(m: MagnetInput): string {
  const hex = typeof m.infoHash === 'string' ? m.infoHash.toLowerCase() : Buffer.from(m.infoHash).toString('hex');
  if (!/^[0-9a-f]{40}$/.test(hex)) throw new MagnetError('formatMagnet needs a 20-byte info-hash');
  const parts = [`xt=urn:btih:${hex}`];
  if (m.name != null && m.name !== '') parts.push(`dn=${encodeValue(m.name)}`);
  for (const t of m.trackers ?? []) parts.push(`tr=${encodeValue(t)}`);
  for (const w of m.webSeeds ?? []) parts.push(`ws=${encodeValue(w)}`);
  for (const p of m.peers ?? []) parts.push(`x.pe=${encodeValue(formatHostPort(p))}`);
  if (m.selectOnly && m.selectOnly.length > 0) parts.push(`so=${formatSelectOnly(m.selectOnly)}`);
  return `magnet:?${parts.join('&')}`;
}
