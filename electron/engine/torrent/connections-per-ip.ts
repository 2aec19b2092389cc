/**
 * How many connections one address may hold in one torrent. Without a cap, one stranger's
 * address could take every peer slot of a torrent (60 in the CLI, 50 in the app) and starve
 * it of honest peers. libtorrent allows one connection per IP per torrent unless
 * allow_multiple_connections_per_ip is set (default false; qBittorrent shows it as "Allow
 * multiple connections from the same IP address", off by default).
 *
 * Our default is 2, not 1: an address here is an IPv6 /64 as well as an IPv4 address (see
 * addressGroup — one host usually holds a whole /64, so counting single IPv6 addresses would
 * let it look like many), and a home /64 or a NAT's IPv4 address can front two honest
 * clients of one swarm; one stranger still takes 2 slots, not all 60. Loopback is exempt:
 * peers on 127.0.0.1/::1 are this machine (tests and benchmarks run dozens there), and a
 * stranger cannot come from it. 0 means no cap.
 */
import { addressGroup } from '../session/connection-limits.js';

export { DEFAULT_MAX_CONNECTIONS_PER_IP } from '../../../shared/contract/types.js';

/** 127.0.0.0/8 (IPv4-mapped too) and ::1. */
export function isLoopback(ip: string): boolean {
  const v = ip.toLowerCase();
  const v4 = v.startsWith('::ffff:') && v.includes('.') ? v.slice('::ffff:'.length) : v;
  return v4.startsWith('127.') || v === '::1' || v === '0:0:0:0:0:0:0:1';
}

/**
 * Whether a new connection from `ip` would be over `limit`, given the IPs of the connections
 * the torrent holds already (the new one not among them).
 */
export function overIpLimit(ip: string, connectedIps: Iterable<string>, limit: number): boolean {
  if (limit <= 0 || isLoopback(ip)) return false;
  const group = addressGroup(ip);
  let count = 0;
  for (const other of connectedIps) if (addressGroup(other) === group && ++count >= limit) return true;
  return false;
}
