/**
 * What health.ts may conclude about whether peers outside can connect to us: the session's
 * reachability (incoming connections, port mapping) plus where we listen and which addresses
 * this machine has. "No incoming connection yet" alone proves nothing — on a loopback-only
 * listener, on a machine with a public address, or before the router answered, it said "not
 * reachable" where nothing showed it.
 */
import { networkInterfaces } from 'node:os';
import type { Reachability } from '../session/reachability.js';

export interface ReachFacts {
  /** Incoming peer connections accepted since the session started. */
  incomingConnections: number;
  portMapping: Reachability['portMapping']['status'];
  /** Why port mapping failed (when it did). */
  mappingError: string | null;
  /** We listen on a loopback address only (a test set-up, or chosen): nobody outside is meant to connect. */
  loopbackOnly: boolean;
  /** We listen on a public IPv4 address: no NAT between us and IPv4 peers. */
  publicIPv4: boolean;
  /** We listen on a global IPv6 address: IPv6 peers may reach us without any mapping. */
  globalIPv6: boolean;
}

/** The facts, from the session's reachability and the addresses we listen on (`addresses`: this machine's, for a wildcard listener). */
export function reachFacts(r: Reachability, addresses: readonly string[]): ReachFacts {
  const host = r.listenHost && !isWildcard(r.listenHost) ? stripBrackets(r.listenHost) : null;
  const listening = host ? [host] : addresses;
  return {
    incomingConnections: r.incomingConnections,
    portMapping: r.portMapping.status,
    mappingError: r.portMapping.status === 'failed' ? (r.portMapping.error ?? 'unknown reason') : null,
    loopbackOnly: host !== null && (isLoopback(host) || host.toLowerCase() === 'localhost'),
    publicIPv4: listening.some(isPublicIPv4),
    globalIPv6: listening.some(isGlobalIPv6),
  };
}

/**
 * The one rule for what may be said about reachability, wherever it is said (the Health tab,
 * the status bar, `tessera --verbose`): reachable on evidence (an incoming connection, a port
 * mapped on the router), not reachable on evidence (mapping failed, nobody came in, no public
 * IPv4 address to be dialled on), and otherwise not known — a loopback-only listener (nobody
 * outside is meant to connect), a public address (no NAT in the way, a firewall unknown), or no
 * evidence yet (mapping off or still asking the router, nobody has dialled in so far).
 */
export type ReachVerdict =
  | { kind: 'reachable'; why: 'incoming' | 'mapped' }
  | { kind: 'not-reachable'; why: 'mapping-failed' }
  | { kind: 'unknown'; why: 'loopback-only' | 'public-address' | 'no-evidence-yet' };

export function reachVerdict(f: ReachFacts): ReachVerdict {
  if (f.incomingConnections > 0) return { kind: 'reachable', why: 'incoming' };
  if (f.portMapping === 'mapped') return { kind: 'reachable', why: 'mapped' };
  if (f.loopbackOnly) return { kind: 'unknown', why: 'loopback-only' };
  if (f.publicIPv4) return { kind: 'unknown', why: 'public-address' };
  if (f.portMapping === 'failed') return { kind: 'not-reachable', why: 'mapping-failed' };
  return { kind: 'unknown', why: 'no-evidence-yet' };
}

/** The verdict in a few words for a person (the status bar's tooltip, `--verbose`). */
export function describeVerdict(v: ReachVerdict, f: ReachFacts): string {
  const n = f.incomingConnections;
  switch (v.why) {
    case 'incoming': return `reachable: ${n} incoming connection${n === 1 ? '' : 's'} seen`;
    case 'mapped': return 'reachable: the port is mapped on the router';
    case 'mapping-failed': return 'probably not reachable from outside: port mapping failed, no incoming connection seen, no public IPv4 address';
    case 'loopback-only': return 'listening on loopback only: reachable from this machine alone, as set';
    case 'public-address': return 'no incoming connection yet; listening on a public IPv4 address (no router in the way)';
    case 'no-evidence-yet': return 'no incoming connection yet; whether peers outside can connect is not known';
  }
}

/** This machine's interface addresses (none when the OS will not say). */
export function interfaceAddresses(): string[] {
  try {
    return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  } catch {
    return [];
  }
}

function isWildcard(host: string): boolean {
  const h = stripBrackets(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function ipv4Octets(address: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

export function isLoopback(address: string): boolean {
  const v4 = ipv4Octets(address);
  if (v4) return v4[0] === 127;
  const a = address.toLowerCase();
  return a === '::1' || a.startsWith('::ffff:127.');
}

/** Routable on the internet: not private (RFC 1918), shared (CGNAT, RFC 6598), loopback, link-local, reserved or multicast. */
export function isPublicIPv4(address: string): boolean {
  const o = ipv4Octets(address);
  if (!o) return false;
  const [a, b] = o as [number, number, number, number];
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && o[2] === 0) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  return true;
}

/** Global unicast (2000::/3), the only IPv6 addresses peers elsewhere can dial. */
export function isGlobalIPv6(address: string): boolean {
  if (!address.includes(':')) return false;
  const first = address.toLowerCase().split(':')[0] ?? '';
  if (first.length === 0) return false;
  const group = parseInt(first, 16);
  return Number.isFinite(group) && (group & 0xe000) === 0x2000;
}
