/**
 * The KRPC transport: one UDP socket, outgoing queries matched to replies by transaction id
 * and source endpoint, per-query timeouts, an outgoing query rate limit (queries wait their
 * turn) and inbound limits (per source and overall, checked before a datagram is decoded:
 * see inbound-gate.ts; replies to our outstanding queries skip them so lookups work under a
 * flood). Garbage datagrams are counted and dropped, never thrown.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { PeerAddress } from '../api.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { decodeIp, encodeIp, familyOf, type AddressFamily } from './compact.js';
import { addressGroup } from '../session/connection-limits.js';
import { InboundGate } from './inbound-gate.js';
import {
  decodeMessage,
  encodeError,
  encodeQuery,
  encodeResponse,
  type KrpcQuery,
  type KrpcResponse,
  type QueryArgs,
  type ResponseBody,
} from './krpc.js';
import { MAX_PACKET_BYTES } from './bencode-port.js';

/** A query timed out. */
export class DhtTimeoutError extends Error {
  override readonly name = 'DhtTimeoutError';
}

/** The remote node answered with a KRPC error. */
export class KrpcRemoteError extends Error {
  override readonly name = 'KrpcRemoteError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`KRPC error ${code}: ${message}`);
  }
}

/** The query could not be sent (socket closed, outgoing queue full, bad address). */
export class DhtSendError extends Error {
  override readonly name = 'DhtSendError';
}

/** Token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updated = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1000) * this.rate);
    this.updated = now;
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }
}

export interface RateLimits {
  /** Outgoing queries per second (queries beyond it wait). Default 100. */
  queriesPerSecond?: number;
  /** Unsolicited datagrams per second processed from one IP (IPv6: /64). Default 50 (burst 2×). */
  inboundPerIpPerSecond?: number;
  /** Unsolicited datagrams per second processed overall. Default 500 (burst 2×). */
  inboundPerSecond?: number;
  /**
   * A source sending more than this many datagrams per second (over 10 s) is ignored for
   * blockSeconds. Default 4× inboundPerIpPerSecond.
   */
  blockAbovePerIpPerSecond?: number;
  /** Default 300 (libtorrent's dht_block_timeout). */
  blockSeconds?: number;
}

/** Sources the inbound limits track at most (least recently seen evicted). */
export const MAX_TRACKED_SOURCES = 4096;

export interface KrpcSocketOptions {
  host: string;
  port: number;
  ownId: Uint8Array;
  timeoutMs: number;
  limits?: RateLimits;
  readOnly?: boolean;
  now?: () => number;
}

export interface KrpcSocketEvents {
  query: (query: KrpcQuery, from: PeerAddress) => void;
  /** A datagram was dropped: not KRPC, invalid, unmatched or rate limited. */
  dropped: (reason: string, from: PeerAddress) => void;
  warning: (message: string) => void;
}

export interface KrpcSocketStats {
  queriesSent: number;
  responsesReceived: number;
  errorsReceived: number;
  timeouts: number;
  queriesReceived: number;
  /** Datagrams dropped as garbage (not bencode / not valid KRPC). */
  garbage: number;
  /** Replies that matched no outstanding query. */
  unmatched: number;
  /** Inbound datagrams dropped unread by the inbound limits (or queries over them). */
  rateLimited: number;
  /** Times a source was blocked for flooding. */
  sourcesBlocked: number;
  /** Outgoing queries waiting for the rate limit. */
  queued: number;
  /** Background queries (ping-backs to strangers) waiting behind them. */
  backgroundQueued: number;
  inFlight: number;
}

interface Pending {
  to: PeerAddress;
  resolve: (response: KrpcResponse) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Queued {
  to: PeerAddress;
  args: QueryArgs;
  resolve: (response: KrpcResponse) => void;
  reject: (error: Error) => void;
}

const MAX_QUEUED = 2000;
/**
 * Background queries waiting at most: a small share of the queue, so that strangers querying
 * us (each one earns a ping-back) cannot fill it; more are dropped.
 */
const MAX_BACKGROUND_QUEUED = 32;

/**
 * 'normal': our own work (lookups, bootstrap, table upkeep). 'background': replies to what
 * others did (ping-backs to unknown queriers): sent only when no normal query waits.
 */
export type QueryPriority = 'normal' | 'background';

/** Canonical text form of an IP literal (so replies from "::1" match queries to "0::1"). */
export function canonicalHost(host: string): string | null {
  const bytes = encodeIp(host);
  return bytes ? decodeIp(bytes) : null;
}

export class KrpcSocket extends TypedEmitter<KrpcSocketEvents> {
  readonly family: AddressFamily;
  private readonly socket: Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Queued[] = [];
  private readonly backgroundQueue: Queued[] = [];
  private queueTimer: NodeJS.Timeout | null = null;
  private nextTransaction = Math.floor(Math.random() * 0x10000);
  private readonly outgoing: TokenBucket;
  private readonly inbound: InboundGate;
  /** Outstanding queries per endpoint ("host port"): datagrams from these skip the inbound limits. */
  private readonly awaited = new Map<string, number>();
  private closed = false;
  private bound = false;
  /** The DHT is switched off (setMuted): no KRPC goes out or comes in; the socket stays for `otherProtocol`. */
  private muted = false;
  /**
   * Datagrams of another protocol sharing the socket (uTP, as libtorrent shares one UDP port):
   * offered first; returning true takes the datagram away from KRPC.
   */
  otherProtocol: ((packet: Buffer, from: RemoteInfo) => boolean) | null = null;
  private readonly counters = {
    queriesSent: 0,
    responsesReceived: 0,
    errorsReceived: 0,
    timeouts: 0,
    queriesReceived: 0,
    garbage: 0,
    unmatched: 0,
    rateLimited: 0,
  };

  constructor(private readonly options: KrpcSocketOptions) {
    super();
    const family = familyOf(options.host);
    if (!family) throw new TypeError(`DHT bind address must be an IP literal, got ${options.host}`);
    this.family = family;
    const now = options.now ?? Date.now;
    const limits = options.limits ?? {};
    const qps = limits.queriesPerSecond ?? 100;
    this.outgoing = new TokenBucket(qps, Math.max(1, qps), now);
    const perIp = limits.inboundPerIpPerSecond ?? 50;
    this.inbound = new InboundGate({
      perSourcePerSecond: perIp,
      totalPerSecond: limits.inboundPerSecond ?? 500,
      blockAbovePerSecond: limits.blockAbovePerIpPerSecond ?? perIp * 4,
      blockMs: (limits.blockSeconds ?? 300) * 1000,
      maxSources: MAX_TRACKED_SOURCES,
      now,
    });
    this.socket = createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 });
    this.socket.on('message', (packet, rinfo) => this.onMessage(packet, rinfo));
    this.socket.on('error', (error) => this.emit('warning', `DHT socket error: ${error.message}`));
  }

  bind(): Promise<PeerAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.socket.once('error', onError);
      this.socket.bind({ address: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        this.bound = true;
        resolve(this.address());
      });
    });
  }

  address(): PeerAddress {
    const address = this.socket.address();
    return { host: address.address, port: address.port };
  }

  stats(): KrpcSocketStats {
    return { ...this.counters, sourcesBlocked: this.inbound.blocks, queued: this.queue.length, backgroundQueued: this.backgroundQueue.length, inFlight: this.pending.size };
  }

  /**
   * Sends a query and resolves with the reply; rejects with DhtTimeoutError, KrpcRemoteError or
   * DhtSendError (also when its queue is full: a background query is then dropped).
   */
  query(to: PeerAddress, args: QueryArgs, priority: QueryPriority = 'normal'): Promise<KrpcResponse> {
    return new Promise((resolve, reject) => {
      if (this.closed || !this.bound) return reject(new DhtSendError('DHT socket is closed'));
      if (this.muted) return reject(new DhtSendError('the DHT is switched off'));
      const host = canonicalHost(to.host);
      if (!host || familyOf(host) !== this.family) return reject(new DhtSendError(`cannot reach ${to.host} from an IPv${this.family} socket`));
      if (!Number.isInteger(to.port) || to.port < 1 || to.port > 0xffff) return reject(new DhtSendError(`bad port ${to.port}`));
      const item: Queued = { to: { host, port: to.port }, args, resolve, reject };
      if (this.nothingWaitsBefore(priority) && this.outgoing.tryTake()) {
        this.send(item);
        return;
      }
      const queue = priority === 'normal' ? this.queue : this.backgroundQueue;
      if (queue.length >= (priority === 'normal' ? MAX_QUEUED : MAX_BACKGROUND_QUEUED)) {
        return reject(new DhtSendError(`outgoing DHT query queue is full (${priority})`));
      }
      queue.push(item);
      this.scheduleQueue();
    });
  }

  /** True when no queued query goes before one of this priority (normal ones go before background ones). */
  private nothingWaitsBefore(priority: QueryPriority): boolean {
    return this.queue.length === 0 && (priority === 'normal' || this.backgroundQueue.length === 0);
  }

  /** The next queued query to send: normal ones first. */
  private nextQueued(): Queued | undefined {
    return this.queue.shift() ?? this.backgroundQueue.shift();
  }

  private scheduleQueue(): void {
    if (this.queueTimer || (this.queue.length === 0 && this.backgroundQueue.length === 0) || this.closed) return;
    this.queueTimer = setTimeout(() => {
      this.queueTimer = null;
      while ((this.queue.length > 0 || this.backgroundQueue.length > 0) && this.outgoing.tryTake()) {
        const item = this.nextQueued();
        if (item) this.send(item);
      }
      this.scheduleQueue();
    }, Math.max(1, this.outgoing.waitMs()));
  }

  private send(item: Queued): void {
    let transaction = this.nextTransaction;
    // Skip ids still in use (65536 outstanding queries would be a bug elsewhere).
    for (let i = 0; i < 0x10000 && this.pending.has(transaction); i++) transaction = (transaction + 1) & 0xffff;
    this.nextTransaction = (transaction + 1) & 0xffff;
    const t = new Uint8Array([transaction >> 8, transaction & 0xff]);
    const packet = encodeQuery(t, this.options.ownId, item.args, this.options.readOnly ?? false);
    const timer = setTimeout(() => {
      if (this.pending.get(transaction)?.timer !== timer) return;
      this.forget(transaction);
      this.counters.timeouts++;
      item.reject(new DhtTimeoutError(`${item.args.method} to ${item.to.host}:${item.to.port} timed out`));
    }, this.options.timeoutMs);
    this.pending.set(transaction, { to: item.to, resolve: item.resolve, reject: item.reject, timer });
    const endpoint = endpointKey(item.to.host, item.to.port);
    this.awaited.set(endpoint, (this.awaited.get(endpoint) ?? 0) + 1);
    this.counters.queriesSent++;
    this.socket.send(packet, item.to.port, item.to.host, (error) => {
      if (!error) return;
      const entry = this.pending.get(transaction);
      if (entry?.timer !== timer) return;
      clearTimeout(timer);
      this.forget(transaction);
      item.reject(new DhtSendError(`send to ${item.to.host}:${item.to.port} failed: ${error.message}`));
    });
  }

  respond(to: PeerAddress, t: Uint8Array, body: ResponseBody): void {
    this.sendRaw(to, encodeResponse(t, body, to));
  }

  sendError(to: PeerAddress, t: Uint8Array, code: number, message: string): void {
    this.sendRaw(to, encodeError(t, code, message));
  }

  private sendRaw(to: PeerAddress, packet: Uint8Array): void {
    if (this.closed || this.muted) return;
    this.socket.send(packet, to.port, to.host, (error) => {
      if (error) this.emit('warning', `DHT reply to ${to.host}:${to.port} failed: ${error.message}`);
    });
  }

  /** Sends a datagram of the protocol sharing the socket (see otherProtocol). */
  sendDatagram(packet: Uint8Array, port: number, host: string): void {
    if (this.closed) return;
    this.socket.send(packet, port, host, (error) => {
      if (error) this.emit('warning', `UDP send to ${host}:${port} failed: ${error.message}`);
    });
  }

  private onMessage(packet: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    if (this.otherProtocol?.(packet, rinfo)) return;
    if (this.muted) return;
    const from: PeerAddress = { host: rinfo.address, port: rinfo.port };
    // The cheap checks before any decoding: a flood must cost a map lookup per datagram, not a
    // bencode parse. A node we are waiting on skips them, so our lookups still get answers.
    const awaited = this.awaited.has(endpointKey(rinfo.address, rinfo.port));
    if (!awaited) {
      const verdict = this.inbound.admit(addressGroup(rinfo.address));
      if (verdict !== 'pass') return this.drop('rateLimited', `inbound limit (${verdict})`, from);
    }
    if (packet.length > MAX_PACKET_BYTES) return this.drop('garbage', `oversized datagram (${packet.length} bytes)`, from);
    const decoded = decodeMessage(packet);
    if (!decoded.ok) return this.drop('garbage', decoded.reason, from);
    const message = decoded.message;
    if (message.type === 'query') {
      if (rinfo.port === 0) return this.drop('garbage', 'query from port 0', from);
      // A node we are waiting on may query us too: that query counts against its source.
      if (awaited && this.inbound.admit(addressGroup(rinfo.address)) !== 'pass') return this.drop('rateLimited', 'inbound limit', from);
      this.counters.queriesReceived++;
      this.emit('query', message, from);
      return;
    }
    const transaction = message.t.length === 2 ? ((message.t[0] ?? 0) << 8) | (message.t[1] ?? 0) : -1;
    const pending = this.pending.get(transaction);
    if (!pending || pending.to.host !== rinfo.address || pending.to.port !== rinfo.port) {
      return this.drop('unmatched', `reply with unknown transaction from ${rinfo.address}:${rinfo.port}`, from);
    }
    this.forget(transaction);
    clearTimeout(pending.timer);
    if (message.type === 'response') {
      this.counters.responsesReceived++;
      pending.resolve(message);
    } else {
      this.counters.errorsReceived++;
      pending.reject(new KrpcRemoteError(message.code, message.message));
    }
  }

  /** Removes an outstanding query (and its endpoint's claim to skip the inbound limits). */
  private forget(transaction: number): void {
    const pending = this.pending.get(transaction);
    if (!pending) return;
    this.pending.delete(transaction);
    const endpoint = endpointKey(pending.to.host, pending.to.port);
    const left = (this.awaited.get(endpoint) ?? 1) - 1;
    if (left > 0) this.awaited.set(endpoint, left);
    else this.awaited.delete(endpoint);
  }

  private drop(counter: 'garbage' | 'unmatched' | 'rateLimited', reason: string, from: PeerAddress): void {
    this.counters[counter]++;
    this.emit('dropped', reason, from);
  }

  /**
   * The DHT switched off (true) or on again: while muted no query, reply or error is sent and
   * KRPC datagrams that arrive are dropped unread; outstanding and queued queries are rejected.
   * The socket stays bound, for the protocol sharing it (uTP) and for switching on again.
   */
  setMuted(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    if (muted) this.rejectAll(new DhtSendError('the DHT is switched off'));
  }

  private rejectAll(error: DhtSendError): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = null;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    this.awaited.clear();
    for (const item of [...this.queue.splice(0), ...this.backgroundQueue.splice(0)]) item.reject(error);
  }

  /** Rejects every outstanding and queued query and closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectAll(new DhtSendError('DHT node closed'));
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound or already closed
      }
    });
  }
}

function endpointKey(host: string, port: number): string {
  return `${host} ${port}`;
}
