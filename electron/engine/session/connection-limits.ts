/**
 * How many connections the session may hold, derived from the process's open-file limit, so
 * that a flood of connections can never take the file descriptors that disk I/O, resume data
 * and the web UI need. Node can neither read nor raise RLIMIT_NOFILE itself (it raises the soft
 * limit to the hard one at start-up); on Linux the effective value is in /proc/self/limits.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_CONNECTIONS } from '../../../shared/contract/index.js';

/** Assumed where the limit cannot be read (Linux's usual default soft limit). */
export const ASSUMED_FD_LIMIT = 1024;
/** Half-open (handshake not yet read) incoming connections held at once, at most. */
export const MAX_PENDING = 64;
/** Half-open incoming connections from one IP address, at most. */
export const MAX_PENDING_PER_IP = 8;

export interface ConnectionLimits {
  /** The open-file limit the numbers were derived from. */
  fdLimit: number;
  /** Peer connections (incoming, half-open included) at once: half the open-file limit. */
  maxConnections: number;
  maxPending: number;
  maxPendingPerIp: number;
}

/** The soft "Max open files" of this process, or null where it cannot be read. */
export function readFdLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!match) return null;
  return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * @param wanted the user's global connection limit (at least 1); the open-file limit caps it.
 *   By default DEFAULT_MAX_CONNECTIONS, qBittorrent's "Global maximum number of connections":
 *   every connection may hold its part of the session's send total (peer/send-shares.ts, at
 *   least 128 KiB), so this also bounds what strangers can make us hold; the open-file limit
 *   alone allowed 65,536 connections where it is high.
 */
export function connectionLimits(fdLimit: number | null = readFdLimit(), wanted: number = DEFAULT_MAX_CONNECTIONS): ConnectionLimits {
  const fds = fdLimit ?? ASSUMED_FD_LIMIT;
  const byFiles = Math.max(8, Math.min(Math.floor(fds / 2), 65_536));
  const maxConnections = Math.min(byFiles, Math.max(1, Math.floor(wanted)));
  const maxPending = Math.max(2, Math.min(MAX_PENDING, Math.floor(maxConnections / 4)));
  return { fdLimit: fds, maxConnections, maxPending, maxPendingPerIp: Math.min(MAX_PENDING_PER_IP, maxPending) };
}

/** Each active torrent's share of the session-wide connection limit (at least 2). */
export function fairSharePerTorrent(maxConnections: number, activeTorrents: number): number {
  return Math.max(2, Math.floor(maxConnections / Math.max(1, activeTorrents)));
}

/**
 * The "address" the per-address caps count: an IPv4 address (IPv4-mapped ones included), or an
 * IPv6 /64 — one host is usually given a whole /64, so counting single IPv6 addresses would let
 * one stranger look like millions.
 */
export function addressGroup(ip: string): string {
  const v = ip.toLowerCase();
  if (!v.includes(':')) return v;
  if (v.startsWith('::ffff:') && v.includes('.')) return v.slice('::ffff:'.length);
  const [head = '', tail] = v.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The session-wide count of peer connections. Each connection takes a slot before it uses a
 * file descriptor's worth of work and gives it back when its socket closes.
 */
export class ConnectionBudget {
  private used = 0;

  /** Lowering it closes nothing: connections over it stay until they end, and none is taken meanwhile. */
  constructor(public limit: number) {}

  get inUse(): number {
    return this.used;
  }

  tryTake(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  give(): void {
    if (this.used > 0) this.used--;
  }
}
