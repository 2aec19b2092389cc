/**
 * How many connections one address may hold in one torrent. Without a cap, one stranger's
 * address could take every peer slot of a torrent (60 in the CLI, 50 in the app) and starve
 * it of honest peers. libtorrent allows one connection per IP per torrent unless
 * allow_multiple_connections_per_ip is set (default false; qBittorrent shows it as "Allow
 * multiple connections from the same IP address", off by default).
 *
 * Our default is 2, not 1: a NAT's IPv4 address can front two honest clients of one swarm,
 * and one stranger still takes 2 slots, not all 60. The setting counts single addresses, as
 * libtorrent does; an IPv6 /64 (see addressGroup: one host usually holds a whole /64, so it
 * could look like millions of addresses) may hold PREFIX_FACTOR times as many in all — a LAN
 * shares its /64, and several of its clients in one torrent (found by LSD) are all honest.
 * Loopback is exempt: peers on 127.0.0.1/::1 are this machine (tests and benchmarks run
 * dozens there), and a stranger cannot come from it. 0 means no cap.
 */
import { addressGroup } from '../session/connection-limits.js';

export { DEFAULT_MAX_CONNECTIONS_PER_IP } from '../../../shared/contract/types.js';

/** 127.0.0.0/8 (IPv4-mapped too) and ::1. */
export function isLoopback(ip: string): boolean {
  const v = ip.toLowerCase();
  const v4 = v.startsWith('::ffff:') && v.includes('.') ? v.slice('::ffff:'.length) : v;
  return v4.startsWith('127.') || v === '::1' || v === '0:0:0:0:0:0:0:1';
}

/** Connections an IPv6 /64 may hold, in multiples of what one address may. */
export const PREFIX_FACTOR = 4;

/**
 * Whether a new connection from `ip` would be over `limit` (per address; PREFIX_FACTOR × it per
 * IPv6 /64), given the IPs of the connections the torrent holds already (the new one not among them).
 */
export function overIpLimit(ip: string, connectedIps: Iterable<string>, limit: number): boolean {
  if (limit <= 0 || isLoopback(ip)) return false;
  // An IPv4 address (IPv4-mapped ones too) is its own group; an IPv6 address's group is its /64.
  const group = addressGroup(ip);
  const v6 = group.includes(':');
  const address = v6 ? canonical(ip) : group;
  let same = 0;
  let inPrefix = 0;
  for (const other of connectedIps) {
    if (addressGroup(other) !== group) continue;
    if (v6 && ++inPrefix >= limit * PREFIX_FACTOR) return true;
    if ((v6 ? canonical(other) : group) === address && ++same >= limit) return true;
  }
  return false;
}

/** An IPv6 address in one spelling (every group written out), so that equal addresses compare equal. */
function canonical(ip: string): string {
  const v = ip.toLowerCase();
  const [head = '', tail] = v.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}
