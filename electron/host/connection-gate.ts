/**
 * Bounds the web host's TCP connections so a slowloris (many connections that never finish
 * their request headers) cannot take every file descriptor or lock the UI out: at most
 * `maxConnections` in all and `maxPerIp` from one address (an IPv6 /64 counts as one). When a
 * limit is reached the oldest connection that is waiting (no request in progress: still sending
 * headers, or idle between keep-alive requests) is closed to make room: the newcomer's own at
 * its address's limit, else one of the address that holds the most connections, so a flood from
 * a few addresses turns over its own connections and never a user's from another address (whose
 * request, sent at once, may not be parsed yet when a burst of newcomers arrives). A connection
 * serving a request or a WebSocket is never dropped for a newcomer, which is refused instead
 * when nothing is waiting.
 */
import type { Socket } from 'node:net';
import { addressGroup } from '../engine/session/connection-limits.js';

export interface GateLimits {
  maxConnections: number;
  maxPerIp: number;
}

export const WEB_GATE_LIMITS: GateLimits = { maxConnections: 128, maxPerIp: 64 };

/**
 * The web host's share of the open-file limit: an eighth, at most WEB_GATE_LIMITS (128 at the
 * usual 1024), beside the peers' half, leaving the rest to the disk, resume data and the DHT.
 */
export function webGateLimits(fdLimit: number): GateLimits {
  const maxConnections = Math.max(16, Math.min(WEB_GATE_LIMITS.maxConnections, Math.floor(fdLimit / 8)));
  return { maxConnections, maxPerIp: Math.min(WEB_GATE_LIMITS.maxPerIp, Math.max(8, Math.floor(maxConnections / 2))) };
}

interface Tracked {
  readonly ip: string;
  /** A request (or an upgraded WebSocket) is in progress on it. */
  busy: boolean;
}

export class ConnectionGate {
  /** Insertion order = age order; a connection that turns idle again moves to the end. */
  private readonly sockets = new Map<Socket, Tracked>();
  private readonly perIp = new Map<string, number>();
  private refusedCount = 0;

  constructor(private readonly limits: GateLimits = WEB_GATE_LIMITS) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Connections dropped or refused by the limits so far. */
  get refused(): number {
    return this.refusedCount;
  }

  /** A new connection: admitted (tracked until it closes) or destroyed. */
  admit(socket: Socket): boolean {
    const ip = addressGroup(socket.remoteAddress ?? '?');
    if ((this.perIp.get(ip) ?? 0) >= this.limits.maxPerIp && !this.dropOldestWaiting(ip)) return this.refuse(socket);
    if (this.sockets.size >= this.limits.maxConnections && !this.dropOldestWaiting(null)) return this.refuse(socket);
    this.sockets.set(socket, { ip, busy: false });
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    socket.once('close', () => this.forget(socket));
    return true;
  }

  /** Request headers arrived (or the connection became a WebSocket). */
  busy(socket: Socket): void {
    const t = this.sockets.get(socket);
    if (t) t.busy = true;
  }

  /** The response is sent; the connection waits for another request. */
  idle(socket: Socket): void {
    const t = this.sockets.get(socket);
    if (!t) return;
    t.busy = false;
    this.sockets.delete(socket);
    this.sockets.set(socket, t);
  }

  private dropOldestWaiting(ip: string | null): boolean {
    const from = ip ?? this.busiestWaitingAddress();
    for (const [socket, t] of this.sockets) {
      if (t.busy || t.ip !== from) continue;
      this.forget(socket);
      this.refusedCount++;
      socket.destroy();
      return true;
    }
    return false;
  }

  /** The address with the most connections among those with one waiting (null: none waits). */
  private busiestWaitingAddress(): string | null {
    let busiest: string | null = null;
    let most = 0;
    for (const t of this.sockets.values()) {
      if (t.busy) continue;
      const count = this.perIp.get(t.ip) ?? 0;
      if (count > most) {
        most = count;
        busiest = t.ip;
      }
    }
    return busiest;
  }

  private refuse(socket: Socket): false {
    this.refusedCount++;
    socket.destroy();
    return false;
  }

  private forget(socket: Socket): void {
    const t = this.sockets.get(socket);
    if (!t) return;
    this.sockets.delete(socket);
    const left = (this.perIp.get(t.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(t.ip, left);
    else this.perIp.delete(t.ip);
  }
}
