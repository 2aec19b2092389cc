/**
 * Keys for libtorrent's `dht_restrict_routing_ips`: one routing-table entry per IP address,
 * and per bucket one per /24 (IPv4) or /64 (IPv6). Without it, one host answering from many
 * ports (or a few neighbouring addresses) with made-up ids fills the table, and every lookup
 * then goes through the attacker (a Sybil / eclipse attack).
 */
import { encodeIp } from './compact.js';

/** The address as a key (its bytes: '::ffff:1.2.3.4' and '1.2.3.4' spelled differently are still told apart by family). */
export function ipKey(host: string): string {
  const bytes = encodeIp(host);
  return bytes ? Buffer.from(bytes).toString('hex') : host;
}

/** The /24 (IPv4) or /64 (IPv6) the address is in, as a key. */
export function subnetKey(host: string): string {
  const bytes = encodeIp(host);
  if (!bytes) return host;
  return `${Buffer.from(bytes.subarray(0, bytes.length === 4 ? 3 : 8)).toString('hex')}/${bytes.length === 4 ? 24 : 64}`;
}

/**
 * Who a datagram is from, for per-sender rate limits: the IPv4 address, or the IPv6 /64 (one
 * host is usually given a whole /64; counting single IPv6 addresses would let one sender look
 * like millions).
 */
export function senderKey(host: string): string {
  const bytes = encodeIp(host);
  return bytes && bytes.length === 16 ? subnetKey(host) : ipKey(host);
}

/**
 * The network a DHT node answers from, for the share of a torrent's candidate list the peers it
 * names may hold (torrent/peer-candidates.ts): an IPv4 /24 (an IPv4-mapped address counts as
 * IPv4) or an IPv6 /48, a site's usual allocation. Coarser than senderKey: what it guards is a
 * node inventing peers, and an attacker holding many addresses in one network still counts once.
 */
export function nodeGroup(host: string): string {
  const bytes = encodeIp(host);
  if (!bytes) return host;
  const mapped = bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  const v4 = bytes.length === 4 ? bytes : mapped ? bytes.subarray(12) : null;
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  const groups = [0, 2, 4].map((i) => (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return `${groups.join(':')}::/48`;
}

/** How many entries (live or waiting as replacements) each IP has. */
export class IpCounts {
  private readonly counts = new Map<string, number>();

  has(host: string): boolean {
    return this.counts.has(ipKey(host));
  }

  add(host: string): void {
    const key = ipKey(host);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  delete(host: string): void {
    const key = ipKey(host);
    const count = this.counts.get(key) ?? 0;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }
}
