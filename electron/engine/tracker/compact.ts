/** Compact peer lists: BEP 23 (6 bytes per IPv4 peer) and BEP 7 (18 bytes per IPv6 peer). */
import type { PeerAddress } from '../api.js';

/** RFC 5952 text form of 16 bytes (lower case, longest zero run compressed; IPv4-mapped shown as ::ffff:a.b.c.d). */
export function formatIPv6(b: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[offset + 2 * i] ?? 0) << 8) | (b[offset + 2 * i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[offset + 12]}.${b[offset + 13]}.${b[offset + 14]}.${b[offset + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** IPv4-mapped IPv6 peers are reported as plain IPv4. */
function normalise(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

/**
 * Peers kept from one compact list (BEP 23 `peers`, BEP 7 `peers6`, a UDP announce reply).
 * We ask for 50 and real trackers send at most a few hundred; a 1 MiB reply holds 174,000,
 * which took ~1.2 s of the event loop to decode and offer to the peer list, per announce.
 */
export const MAX_PEERS_PER_LIST = 500;

/**
 * Decodes a compact peer list. Trailing bytes that do not fill a whole entry are ignored
 * (`trailing` says how many). Port-0 peers are dropped; duplicates are removed. At most `max`
 * peers are kept; the entries after them are not read (`skipped` counts them).
 */
export function decodeCompactPeers(buf: Uint8Array, family: 4 | 6, max = MAX_PEERS_PER_LIST): { peers: PeerAddress[]; trailing: number; skipped: number } {
  const size = family === 4 ? 6 : 18;
  const count = Math.floor(buf.length / size);
  const peers: PeerAddress[] = [];
  const seen = new Set<string>();
  let i = 0;
  for (; i < count && peers.length < max; i++) {
    const o = i * size;
    const host =
      family === 4 ? `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}` : normalise(formatIPv6(buf, o));
    const port = ((buf[o + size - 2] ?? 0) << 8) | (buf[o + size - 1] ?? 0);
    if (port === 0) continue;
    const k = `${host}|${port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    peers.push({ host, port });
  }
  return { peers, trailing: buf.length - count * size, skipped: count - i };
}

/** The note on a tracker reply whose list `where` had more than MAX_PEERS_PER_LIST peers. */
export function ignoredPeersNote(skipped: number, where: string): string {
  return `ignored ${skipped} more entr${skipped === 1 ? 'y' : 'ies'} in ${where} (at most ${MAX_PEERS_PER_LIST} are read)`;
}

/** Encodes IPv4 peers as BEP 23 compact bytes (non-IPv4 entries are skipped). For tests and fakes. */
export function encodeCompactPeers4(peers: readonly PeerAddress[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of peers) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(p.host);
    if (!m) continue;
    const b = Buffer.alloc(6);
    for (let i = 0; i < 4; i++) b[i] = Number(m[i + 1]);
    b.writeUInt16BE(p.port, 4);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Encodes IPv6 literals as BEP 7 compact bytes (18 per peer). For tests and fakes. */
export function encodeCompactPeers6(peers: readonly PeerAddress[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of peers) {
    const bytes = parseIPv6(p.host);
    if (!bytes) continue;
    const b = Buffer.alloc(18);
    bytes.copy(b, 0);
    b.writeUInt16BE(p.port, 16);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Parses an IPv6 literal (no brackets, no zone) into 16 bytes; null if it is not one. */
export function parseIPv6(text: string): Buffer | null {
  let s = text;
  let tail: number[] = [];
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const octets = v4.slice(2, 6).map(Number);
    if (octets.some((o) => o > 255)) return null;
    tail = [((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)];
    const prefix = v4[1] ?? '';
    s = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, 2 * i));
  return b;
}
