/**
 * Every uTP connection on one UDP socket (libtorrent's utp_socket_manager): datagrams are
 * matched to connections by (address, port, connection id); a SYN from a stranger becomes an
 * incoming connection; packets for unknown connections get a RESET (rate-limited). Timers
 * run only while connections exist; the ACKs and writes of one turn of the event loop are
 * sent together at its end (setImmediate), which is uTP's delayed ACK.
 *
 * Bounds: connections in all and per remote address (an IPv4 address or an IPv6 /64, as the
 * listener counts them); out-of-order memory in all and per remote address (ReorderBudget);
 * each connection bounds its own buffers (see ConnectionLimits), so the memory a stranger can
 * make us spend is bounded too, and one stranger cannot take what other peers need.
 */
import { addressGroup } from '../session/connection-limits.js';
import { DEFAULT_LIMITS, UtpConnection, systemClock, type ConnectionLimits, type UtpClock } from './connection.js';
import { decodeHeader, emptyHeader, HEADER_BYTES, looksLikeUtp, ST_RESET, ST_SYN, stampHeader, writeHeader } from './packet.js';
import { ReorderBudget } from './reorder-budget.js';
import { UtpSocket } from './utp-socket.js';

export type DatagramSend = (packet: Uint8Array, port: number, host: string) => void;

export interface UtpManagerOptions {
  clock?: UtpClock;
  connection?: ConnectionLimits;
  /** uTP connections at once (both directions). */
  maxConnections?: number;
  /** uTP connections with one remote address (IPv4 address, IPv6 /64) at once. */
  maxPerIp?: number;
  /** Out-of-order bytes held by all connections together. */
  maxReorderBytes?: number;
  /** Out-of-order bytes held by the connections with one remote address (IPv4 address, IPv6 /64). */
  maxReorderBytesPerIp?: number;
  /** Incoming connections go here; without it every SYN is refused. */
  onIncoming?: (socket: UtpSocket) => void;
  /**
   * Bounds shared with other managers (one per address family): the connection cap and the
   * out-of-order memory are the session's, not each socket's. Without it the manager has its own.
   */
  shared?: UtpSharedBudget;
  /** Tests: no timers; the test calls flush() and tick(). */
  manual?: boolean;
  random?: () => number;
}

/** The session-wide uTP bounds several managers count against (see UtpManagerOptions.shared). */
export interface UtpSharedBudget {
  readonly reorder: ReorderBudget;
  readonly connections: { open: number; readonly max: number };
}

export function createUtpBudget(options: Pick<UtpManagerOptions, 'maxConnections' | 'maxReorderBytes' | 'maxReorderBytesPerIp'> = {}): UtpSharedBudget {
  return {
    reorder: new ReorderBudget(options.maxReorderBytes ?? DEFAULT_MAX_REORDER_BYTES, options.maxReorderBytesPerIp ?? DEFAULT_MAX_REORDER_BYTES_PER_IP),
    connections: { open: 0, max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS },
  };
}

const TICK_MS = 100;
/** Small ACKs of in-order data wait at most this long (libutp waits up to 100 ms). */
const DELAYED_ACK_MS = 5;
const RESETS_PER_SECOND = 100;
export const DEFAULT_MAX_CONNECTIONS = 512;
export const DEFAULT_MAX_PER_IP = 64;
export const DEFAULT_MAX_REORDER_BYTES = 64 * 1024 * 1024;
/**
 * A sixteenth of the whole: four connections' full receive windows. One address filling it
 * leaves the rest to the others; filling the whole takes sixteen addresses.
 */
export const DEFAULT_MAX_REORDER_BYTES_PER_IP = 4 * 1024 * 1024;

interface Entry {
  readonly connection: UtpConnection;
  readonly socket: UtpSocket;
  /** The remote address group (addressGroup): what the per-address caps count. */
  readonly ip: string;
}

export class UtpManager {
  private readonly entries = new Map<string, Entry>();
  private readonly perIp = new Map<string, number>();
  private readonly toFlush = new Set<UtpConnection>();
  private readonly delayedAcks = new Set<UtpConnection>();
  private delayedAckTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly header = emptyHeader();
  private readonly clock: UtpClock;
  private readonly random: () => number;
  private resetBudget = RESETS_PER_SECOND;
  private resetWindowStart = 0;
  private closed = false;
  /** The connection of the last datagram: bulk transfers skip building a lookup key per packet. */
  private last: { host: string; port: number; id: number; entry: Entry } | null = null;
  /** Every connection has an account with it (see ReorderBudget), as have other managers given the same budget. */
  readonly reorder: ReorderBudget;
  /** Connections open on this manager and on the others sharing its budget. */
  private readonly connections: UtpSharedBudget['connections'];
  private readonly limits: ConnectionLimits;
  /** Datagrams that were uTP-shaped but not valid or not for us (for tests and stats). */
  dropped = 0;

  constructor(private readonly sendDatagram: DatagramSend, private readonly options: UtpManagerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const budget = options.shared ?? createUtpBudget(options);
    this.reorder = budget.reorder;
    this.connections = budget.connections;
    this.limits = options.connection ?? DEFAULT_LIMITS;
  }

  get size(): number {
    return this.entries.size;
  }

  setIncoming(onIncoming: ((socket: UtpSocket) => void) | undefined): void {
    this.options.onIncoming = onIncoming;
  }

  /**
   * Offers a datagram from the shared UDP socket. Returns false when it is not uTP (the DHT's
   * then); every uTP-shaped datagram is consumed, valid or not.
   */
  handle(datagram: Buffer, host: string, port: number): boolean {
    if (!looksLikeUtp(datagram)) return false;
    if (this.closed) return true;
    const h = this.header;
    if (!decodeHeader(datagram, h)) {
      this.dropped++;
      return true;
    }
    if (h.type === ST_SYN) {
      const existing = this.entries.get(key(host, port, (h.connectionId + 1) & 0xffff));
      if (existing) existing.connection.receive(h, datagram);
      else this.accept(host, port);
      return true;
    }
    const last = this.last;
    const entry = last && last.id === h.connectionId && last.port === port && last.host === host ? last.entry : this.entries.get(key(host, port, h.connectionId));
    if (!entry) {
      this.dropped++;
      if (h.type !== ST_RESET) this.sendReset(host, port, h.connectionId, h.seqNr);
      return true;
    }
    if (entry !== last?.entry) this.last = { host, port, id: h.connectionId, entry };
    entry.connection.receive(h, datagram);
    return true;
  }

  /** Dials; the socket emits 'connect' or an error ('uTP connect timed out', refused). */
  connect(host: string, port: number): UtpSocket {
    const socket = new UtpSocket(host, port, true);
    const ip = addressGroup(host);
    if (this.closed || !this.roomFor(ip)) {
      process.nextTick(() => socket.destroy(new Error('too many uTP connections')));
      return socket;
    }
    let recvId = 0;
    for (let tries = 0; tries < 64; tries++) {
      recvId = Math.floor(this.random() * 0x10000) & 0xffff;
      if (!this.entries.has(key(host, port, recvId))) break;
    }
    const k = key(host, port, recvId);
    const connection = UtpConnection.connect(recvId, this.ioFor(socket, host, port, k), this.clock, this.limitsFor(ip), this.initialSeq());
    this.add(k, { connection, socket, ip });
    return socket;
  }

  /** Sends the writes and ACKs gathered this turn. */
  flush(): void {
    this.flushScheduled = false;
    const pending = [...this.toFlush];
    this.toFlush.clear();
    for (const c of pending) if (c.flushPending(false)) this.delayedAcks.add(c);
    if (this.delayedAcks.size > 0 && !this.delayedAckTimer && !this.options.manual) {
      this.delayedAckTimer = setTimeout(() => this.flushDelayedAcks(), DELAYED_ACK_MS);
    }
  }

  /** Sends the ACKs that waited (tests: tick() does it). */
  private flushDelayedAcks(): void {
    this.delayedAckTimer = null;
    const owed = [...this.delayedAcks];
    this.delayedAcks.clear();
    for (const c of owed) c.flushPending(true);
  }

  /** Timeouts and keep-alives of every connection. */
  tick(): void {
    this.flushDelayedAcks();
    for (const entry of [...this.entries.values()]) entry.connection.tick();
  }

  /** Ends every connection (RESET to the peers). */
  close(): void {
    this.closed = true;
    for (const entry of [...this.entries.values()]) {
      entry.connection.reset();
      entry.socket.destroy();
    }
    this.stopTimer();
  }

  private accept(host: string, port: number): void {
    const onIncoming = this.options.onIncoming;
    const ip = addressGroup(host);
    if (!onIncoming || !this.roomFor(ip)) {
      this.dropped++;
      return;
    }
    const h = this.header;
    const socket = new UtpSocket(host, port, false);
    const k = key(host, port, (h.connectionId + 1) & 0xffff);
    const connection = UtpConnection.accept(h, this.ioFor(socket, host, port, k), this.clock, this.limitsFor(ip), this.initialSeq());
    this.add(k, { connection, socket, ip });
    onIncoming(socket);
  }

  /** A connection's limits: the manager's, and its account with the out-of-order budget. */
  private limitsFor(ip: string): ConnectionLimits {
    return { ...this.limits, reorder: this.reorder.account(ip) };
  }

  private roomFor(ip: string): boolean {
    const maxPerIp = this.options.maxPerIp ?? DEFAULT_MAX_PER_IP;
    return this.connections.open < this.connections.max && (this.perIp.get(ip) ?? 0) < maxPerIp;
  }

  private initialSeq(): number {
    return Math.floor(this.random() * 0x10000) & 0xffff;
  }

  private ioFor(socket: UtpSocket, host: string, port: number, k: string): ReturnType<UtpSocket['io']> {
    return socket.io(
      (c) => this.scheduleFlush(c),
      (packet) => this.sendDatagram(packet, port, host),
      () => this.remove(k),
    );
  }

  private add(k: string, entry: Entry): void {
    entry.socket.attach(entry.connection);
    this.entries.set(k, entry);
    this.connections.open++;
    this.perIp.set(entry.ip, (this.perIp.get(entry.ip) ?? 0) + 1);
    this.startTimer();
  }

  private remove(k: string): void {
    const entry = this.entries.get(k);
    if (!entry) return;
    this.entries.delete(k);
    this.connections.open--;
    if (this.last?.entry === entry) this.last = null;
    this.toFlush.delete(entry.connection);
    this.delayedAcks.delete(entry.connection);
    const left = (this.perIp.get(entry.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(entry.ip, left);
    else this.perIp.delete(entry.ip);
    if (this.entries.size === 0) this.stopTimer();
  }

  private scheduleFlush(c: UtpConnection): void {
    this.toFlush.add(c);
    if (this.flushScheduled || this.options.manual) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private startTimer(): void {
    if (this.timer || this.options.manual) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.delayedAckTimer) clearTimeout(this.delayedAckTimer);
    this.delayedAckTimer = null;
  }

  /** Tells a peer that a connection does not exist (at most RESETS_PER_SECOND: no amplifier). */
  private sendReset(host: string, port: number, connectionId: number, seqNr: number): void {
    const now = this.clock.nowMs();
    if (now - this.resetWindowStart >= 1000) {
      this.resetWindowStart = now;
      this.resetBudget = RESETS_PER_SECOND;
    }
    if (this.resetBudget <= 0) return;
    this.resetBudget--;
    const buf = Buffer.allocUnsafe(HEADER_BYTES);
    writeHeader(buf, ST_RESET, connectionId, 0, seqNr);
    stampHeader(buf, this.clock.micros(), 0, 0, seqNr);
    this.sendDatagram(buf, port, host);
  }
}

function key(host: string, port: number, connectionId: number): string {
  return `${host.toLowerCase()}|${port}|${connectionId}`;
}
