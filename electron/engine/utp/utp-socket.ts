import { Duplex } from 'node:stream';
import type { ConnectionIo, UtpConnection } from './connection.js';

/**
 * What an unread chunk costs us at least, whatever its payload: each delivered packet is one
 * chunk in the stream's buffer, with its own Buffer and ArrayBuffer (about 230 bytes measured
 * for a 1-byte payload). Charged to the receive window at this much, a peer sending 1-byte
 * packets to a paused reader fills the window with ~2,000 chunks, not a million (~240 MiB).
 */
export const MIN_CHUNK_CHARGE = 512;

/**
 * A uTP connection as a Node Duplex stream with the parts of net.Socket the peer code uses
 * (remoteAddress/remotePort, 'connect', setTimeout, setNoDelay), so PeerConnection and the
 * MSE handshake run on it unchanged. Backpressure: `write` returns false while the
 * connection's send buffer is full; data the application has not read counts against the
 * receive window we advertise, so a paused stream stops the sender.
 */
export class UtpSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: 'IPv4' | 'IPv6';
  connecting: boolean;
  private connection: UtpConnection | null = null;
  private heldWrite: ((error?: Error | null) => void) | null = null;
  private heldFinal: ((error?: Error | null) => void) | null = null;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Payload bytes pushed so far: with readableLength, how far the reader has consumed. */
  private pushedBytes = 0;
  /**
   * The unread chunks smaller than MIN_CHUNK_CHARGE, oldest first: where each ends (in
   * pushedBytes) and the charge it adds above its length, in all `smallCharge`.
   */
  private readonly smallEnds: number[] = [];
  private readonly smallExtra: number[] = [];
  private smallHead = 0;
  private smallCharge = 0;

  constructor(host: string, port: number, connecting: boolean) {
    super({ allowHalfOpen: false });
    this.remoteAddress = host;
    this.remotePort = port;
    this.remoteFamily = host.includes(':') ? 'IPv6' : 'IPv4';
    this.connecting = connecting;
  }

  /** The hooks the connection calls; the manager creates the connection with them. */
  io(flush: (c: UtpConnection) => void, send: (packet: Uint8Array) => void, gone: () => void): ConnectionIo {
    return {
      send,
      wantFlush: () => {
        if (this.connection) flush(this.connection);
      },
      connected: () => {
        this.connecting = false;
        this.touch();
        this.emit('connect');
      },
      data: (payload) => {
        this.touch();
        this.pushedBytes += payload.length;
        if (payload.length < MIN_CHUNK_CHARGE) {
          this.smallEnds.push(this.pushedBytes);
          this.smallExtra.push(MIN_CHUNK_CHARGE - payload.length);
          this.smallCharge += MIN_CHUNK_CHARGE - payload.length;
        }
        this.push(payload);
      },
      end: () => this.push(null),
      writable: () => {
        const held = this.heldWrite;
        this.heldWrite = null;
        held?.();
      },
      finished: () => {
        const held = this.heldFinal;
        this.heldFinal = null;
        held?.();
      },
      closed: (error) => {
        gone();
        this.connection = null;
        if (this.destroyed) return;
        if (error) this.destroy(error);
        else {
          this.push(null);
          this.destroy();
        }
      },
      unread: () => this.unreadCharge(),
    };
  }

  /** Unread bytes, each small chunk counted as MIN_CHUNK_CHARGE (see there). */
  private unreadCharge(): number {
    const unread = this.readableLength;
    const consumed = this.pushedBytes - unread;
    while (this.smallHead < this.smallEnds.length && (this.smallEnds[this.smallHead] ?? 0) <= consumed) {
      this.smallCharge -= this.smallExtra[this.smallHead] ?? 0;
      this.smallHead++;
    }
    if (this.smallHead === this.smallEnds.length) {
      this.smallEnds.length = 0;
      this.smallExtra.length = 0;
      this.smallHead = 0;
    } else if (this.smallHead >= 1024) {
      this.smallEnds.splice(0, this.smallHead);
      this.smallExtra.splice(0, this.smallHead);
      this.smallHead = 0;
    }
    return unread + this.smallCharge;
  }

  /** The connection underneath (null once it is over): its stats, for tests and diagnostics. */
  get utp(): UtpConnection | null {
    return this.connection;
  }

  attach(connection: UtpConnection): void {
    this.connection = connection;
  }

  setNoDelay(): this {
    return this; // every write goes out at the end of the turn; there is no Nagle to turn off
  }

  setKeepAlive(): this {
    return this; // uTP sends its own keep-alives
  }

  /** As net.Socket: 'timeout' after `ms` without traffic (0 turns it off); the callback is a 'timeout' listener. */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    this.touch();
    return this;
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.idleMs > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
      this.idleTimer.unref();
    }
  }

  override _read(): void {
    this.connection?.windowOpened();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const c = this.connection;
    if (!c || c.closed) return callback(new Error('uTP connection is closed'));
    if (this.idleMs > 0) this.touch();
    if (c.write(chunk)) callback();
    else this.heldWrite = callback;
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const c = this.connection;
    if (!c || c.closed) return callback(new Error('uTP connection is closed'));
    let room = true;
    for (const { chunk } of chunks) room = c.write(chunk);
    if (room) callback();
    else this.heldWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    const c = this.connection;
    if (!c || c.closed) return callback();
    this.heldFinal = callback;
    c.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const c = this.connection;
    this.connection = null;
    c?.detach();
    this.heldWrite = null;
    this.heldFinal = null;
    callback(error);
  }
}
