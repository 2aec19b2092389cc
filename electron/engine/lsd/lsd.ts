import dgram from 'node:dgram';
import crypto from 'node:crypto';
import type { PeerAddress } from '../api.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { SenderLimits } from './sender-limits.js';
import {
  formatLsdAnnounce,
  INFOHASHES_PER_SENT_MESSAGE,
  LSD_GROUP_V4,
  LSD_GROUP_V6,
  LSD_PORT,
  LsdMessageError,
  parseLsdAnnounce,
} from './lsd-message.js';

export interface LsdEvents {
  /** A peer on the local network announced a torrent (already filtered: not our own cookie). */
  peer: (infoHash: string, peer: PeerAddress) => void;
  /** We sent an announce naming these info-hashes (one event per datagram and family). */
  announced: (infoHashes: string[]) => void;
  warning: (message: string) => void;
}

export interface LsdOptions {
  /** Our listening port, named in every announce. */
  port: () => number;
  /** Info-hashes that may be announced now (running, not private); called on every periodic round. */
  eligible: () => string[];
  /** A specific local IPv4 address to join and send from (the listen host), or none for the default route. */
  interfaceV4?: string;
  /** Every torrent is re-announced this often (libtorrent: 5 minutes). */
  intervalMs?: number;
  /** A torrent is never announced twice within this (libtorrent spaces announces the same way). */
  minIntervalMs?: number;
  /** UDP port of the groups: 6771, as BEP 14 says (tests may move it). */
  groupPort?: number;
  /** Only IPv4 (tests in namespaces without IPv6 multicast routes). */
  ipv6?: boolean;
  /** Clock for the receive limits (tests). Default Date.now. */
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;
const DEFAULT_MIN_INTERVAL_MS = 60_000;
/** Received datagrams handled per second from one sender; the rest are dropped (a LAN host cannot make us spin). */
const MAX_RECEIVED_PER_SENDER_PER_SECOND = 50;
/** …and from all senders together. */
const MAX_RECEIVED_PER_SECOND = 500;
/** A sender's malformed datagrams become a warning at most this often. */
const MALFORMED_WARNING_INTERVAL_MS = 60_000;
/** Senders whose limits are remembered. */
const MAX_TRACKED_SENDERS = 256;
const RESEND_DELAYS_MS = [2000, 4000];

interface Channel {
  socket: dgram.Socket;
  group: string;
}

/**
 * BEP 14 Local Service Discovery: announces our torrents to the IPv4 and IPv6 multicast
 * groups and reports peers that announce torrents. A family that cannot be set up (no
 * multicast route, IPv6 off) is reported once and left out; the other still works.
 */
export class LocalServiceDiscovery extends TypedEmitter<LsdEvents> {
  private readonly channels: Channel[] = [];
  /** Sent in every announce; a datagram carrying it is our own, looped back. */
  readonly cookie = crypto.randomBytes(4).toString('hex');
  private readonly lastAnnounced = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly resends = new Set<NodeJS.Timeout>();
  private readonly limits: SenderLimits;
  private closed = false;
  private readonly intervalMs: number;
  private readonly minIntervalMs: number;
  private readonly groupPort: number;

  constructor(private readonly options: LsdOptions) {
    super();
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.groupPort = options.groupPort ?? LSD_PORT;
    this.limits = new SenderLimits({
      perSenderPerSecond: MAX_RECEIVED_PER_SENDER_PER_SECOND,
      totalPerSecond: MAX_RECEIVED_PER_SECOND,
      warnIntervalMs: MALFORMED_WARNING_INTERVAL_MS,
      maxSenders: MAX_TRACKED_SENDERS,
      now: options.now ?? Date.now,
    });
  }

  async start(): Promise<void> {
    const v4 = await this.open('udp4', LSD_GROUP_V4, this.options.interfaceV4);
    if (v4) this.channels.push(v4);
    if (this.options.ipv6 !== false) {
      const v6 = await this.open('udp6', LSD_GROUP_V6);
      if (v6) this.channels.push(v6);
    }
    this.timer = setInterval(() => this.announceAll(), this.intervalMs);
    this.timer.unref();
  }

  get active(): boolean {
    return this.channels.length > 0;
  }

  /** Announces these torrents now, except those announced within the minimum interval; returns those it announced. */
  announce(infoHashes: readonly string[]): string[] {
    if (this.closed) return [];
    const now = Date.now();
    const due = [...new Set(infoHashes)].filter((h) => now - (this.lastAnnounced.get(h) ?? -Infinity) >= this.minIntervalMs);
    if (due.length === 0) return [];
    for (const h of due) this.lastAnnounced.set(h, now);
    for (let i = 0; i < due.length; i += INFOHASHES_PER_SENT_MESSAGE) {
      const batch = due.slice(i, i + INFOHASHES_PER_SENT_MESSAGE);
      this.send(batch);
      // Multicast is unacknowledged: like libtorrent, repeat the announce 2 and 4 s later.
      for (const delay of RESEND_DELAYS_MS) {
        const t = setTimeout(() => {
          this.resends.delete(t);
          this.send(batch);
        }, delay);
        t.unref();
        this.resends.add(t);
      }
    }
    return due;
  }

  private send(batch: string[]): void {
    if (this.closed) return;
    for (const channel of this.channels) {
      const message = formatLsdAnnounce(channel.group, this.options.port(), batch, this.cookie);
      channel.socket.send(message, this.groupPort, channel.group, (err) => {
        if (err) this.emit('warning', `LSD: announce to ${channel.group}: ${err.message}`);
        else this.emit('announced', batch);
      });
    }
  }

  /** Forgets a torrent (removed or stopped), so a restart announces it at once. */
  forget(infoHash: string): void {
    this.lastAnnounced.delete(infoHash);
  }

  private announceAll(): void {
    const eligible = new Set(this.options.eligible());
    for (const h of this.lastAnnounced.keys()) if (!eligible.has(h)) this.lastAnnounced.delete(h);
    this.announce([...eligible]);
  }

  private open(type: 'udp4' | 'udp6', group: string, iface?: string): Promise<Channel | null> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket({ type, reuseAddr: true });
      const fail = (err: Error): void => {
        this.emit('warning', `LSD: ${group}: ${err.message}`);
        socket.close();
        resolve(null);
      };
      socket.once('error', fail);
      socket.bind(this.groupPort, () => {
        try {
          socket.addMembership(group, iface);
          if (iface) socket.setMulticastInterface(iface);
          socket.setMulticastLoopback(true);
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        socket.off('error', fail);
        socket.on('error', (err) => this.emit('warning', `LSD: ${group}: ${err.message}`));
        socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
        resolve({ socket, group });
      });
    });
  }

  /** One received datagram (public for tests: the sockets only call this). */
  onMessage(msg: Buffer, rinfo: Pick<dgram.RemoteInfo, 'address'>): void {
    if (!this.limits.allow(rinfo.address)) return;
    let parsed;
    try {
      parsed = parseLsdAnnounce(msg);
    } catch (err) {
      if (err instanceof LsdMessageError) {
        if (this.limits.shouldWarn(rinfo.address)) this.emit('warning', `LSD: from ${rinfo.address}: ${err.message}`);
        return;
      }
      throw err;
    }
    if (parsed.cookie === this.cookie) return;
    // An IPv6 link-local sender is only reachable through the interface it came from.
    const host = rinfo.address.replace(/%.*$/, '');
    if (host.startsWith('fe80:')) return;
    for (const infoHash of parsed.infoHashes) this.emit('peer', infoHash, { host, port: parsed.port });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.resends) clearTimeout(t);
    await Promise.all(this.channels.map((c) => new Promise<void>((resolve) => c.socket.close(() => resolve()))));
    this.channels.length = 0;
  }
}
