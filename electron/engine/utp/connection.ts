/**
 * One uTP connection (BEP 29): the state machine, reliable delivery and congestion control,
 * without sockets or timers. The owner feeds it decoded packets (`receive`), calls `tick`
 * periodically (timeouts, keep-alives) and `flushPending` after a batch of datagrams (delayed
 * ACKs: one ACK per batch, or none when data going out carries it). Time comes from `clock`,
 * so tests drive it deterministically.
 *
 * Sequence numbers wrap at 2^16. Packets in flight and the reorder buffer live in rings
 * indexed by seq & RING_MASK; at most MAX_IN_FLIGHT packets are outstanding and at most
 * MAX_REORDER_DISTANCE packets ahead of ack_nr are kept, so both rings hold each seq once.
 */
import { HEADER_BYTES, MAX_SACK_BYTES, ST_DATA, ST_FIN, ST_RESET, ST_STATE, ST_SYN, sackBit, stampHeader, writeHeader, type PacketHeader } from './packet.js';
import { DelayHistory, Ledbat } from './ledbat.js';
import { MAX_RTO_MS, RttEstimator } from './rtt.js';
import { reorderCharge, type ReorderAccount } from './reorder-budget.js';
import { seqAdd, seqDiff } from './seq.js';

/**
 * Whole uTP packet size, header included: 1400 bytes on the wire minus IPv6 (40) and UDP (8)
 * headers, so no path with an MTU of 1400 or more fragments it. No path-MTU probing.
 */
export const PACKET_BYTES = 1352;
export const MAX_PAYLOAD = PACKET_BYTES - HEADER_BYTES;
const RING_SIZE = 4096;
const RING_MASK = RING_SIZE - 1;
/**
 * The rings of a connection that has not sent data or held a packet out of order yet: reads
 * find nothing, nothing is written (see outRingToWrite / inRingToWrite). Two 4,096-slot
 * rings are 64 KiB; allocated (and cleared) for every SYN, they held a SYN flood to about
 * 3,000 SYNs a second on a core, most of it garbage collection.
 */
const NO_RING: readonly undefined[] = Object.freeze([]);
export const MAX_IN_FLIGHT = 2048;
/** Out-of-order packets kept ahead of ack_nr (the SACK bitmask we send covers 256 of them). */
export const MAX_REORDER_DISTANCE = 1024;
/** SYN retransmissions before the connect fails (libtorrent's utp_syn_resends is 2). */
const SYN_RESENDS = 2;
/** Consecutive timeouts of the same data before the connection is declared dead. */
const MAX_RESENDS = 6;
const KEEPALIVE_MS = 29_000;
/** No packet at all from the peer for this long: dead (keep-alives come every 29 s). */
const IDLE_TIMEOUT_MS = 120_000;
/** A destroyed connection keeps delivering what was written and its FIN at most this long. */
const LINGER_MS = 10_000;
const ZERO_WINDOW_PROBE_MS = 1000;
/**
 * In-order data acknowledged at once from this many bytes on (libutp's delayed-ACK byte
 * threshold is 2400); less waits for the owner's delayed-ACK timer. Each ACK is a UDP send,
 * the largest per-packet cost of receiving.
 */
const DELAYED_ACK_BYTES = 4 * MAX_PAYLOAD;

export interface UtpClock {
  /** Milliseconds, monotonic. */
  nowMs(): number;
  /** Microseconds, wrapping at 2^32 (the header's timestamp field). */
  micros(): number;
}

export const systemClock: UtpClock = {
  nowMs: () => performance.now(),
  micros: () => Math.floor((performance.timeOrigin + performance.now()) * 1000) >>> 0,
};

/** What the connection reports to its owner (the stream) and asks of it (sending). */
export interface ConnectionIo {
  send(packet: Uint8Array): void;
  /** The connection wants `flushPending` soon (after the current batch of datagrams). */
  wantFlush(): void;
  connected(): void;
  data(payload: Buffer): void;
  /** The peer's FIN arrived and everything before it was delivered. */
  end(): void;
  /** Room in the send buffer again (after `write` returned false). */
  writable(): void;
  /** Our FIN was acknowledged (everything written arrived). */
  finished(): void;
  /** The connection is over: `error` null for a clean close. Called once. */
  closed(error: Error | null): void;
  /** Bytes delivered but not yet read by the application (they count against our window). */
  unread(): number;
}

export interface ConnectionLimits {
  /** Receive window: unread + reordered bytes at most. */
  recvWindow: number;
  /** Bytes accepted from `write` and not yet acknowledged, at most. */
  sendBuffer: number;
  /** Congestion window cap. */
  maxWindow: number;
  /**
   * This connection's account with the out-of-order memory it shares with other connections
   * (the manager's ReorderBudget): a stranger with many connections cannot make each fill its window.
   */
  reorder?: ReorderAccount;
}

export const DEFAULT_LIMITS: ConnectionLimits = { recvWindow: 1024 * 1024, sendBuffer: 1024 * 1024, maxWindow: 2 * 1024 * 1024 };

interface OutPacket {
  seq: number;
  buf: Buffer;
  payload: number;
  sentAt: number;
  transmissions: number;
  needResend: boolean;
  fin: boolean;
}

export type ConnectionState = 'syn-sent' | 'connected' | 'closed';

/** Counters for tests and diagnostics. */
export interface ConnectionStats {
  packetsSent: number;
  retransmits: number;
  /** Losses found from duplicate ACKs or SACK (no timeout needed). */
  fastLosses: number;
  timeouts: number;
  /** Out-of-order packets stored. */
  reordered: number;
}

export class UtpConnection {
  state: ConnectionState;
  readonly ledbat: Ledbat;
  readonly rtt = new RttEstimator();
  readonly stats: ConnectionStats = { packetsSent: 0, retransmits: 0, fastLosses: 0, timeouts: 0, reordered: 0 };
  private readonly delays = new DelayHistory();
  /** Next sequence number to send. */
  private seqNr: number;
  /** Oldest unacknowledged sequence number (== seqNr when nothing is in flight). */
  private sndUna: number;
  /** Last sequence number received in order. */
  private ackNr = 0;
  private outRing: readonly (OutPacket | undefined)[] = NO_RING;
  private inFlightCount = 0;
  /** Payload bytes in flight, not counting packets marked for resend. */
  private curWindow = 0;
  private resendCount = 0;
  private readonly sendQueue: Buffer[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private unackedBytes = 0;
  private wantsWritable = false;
  private finQueued = false;
  private finSent = false;
  private finAcked = false;
  private inRing: readonly (Buffer | undefined)[] = NO_RING;
  private reorderCount = 0;
  /** What the out-of-order packets held cost (reorderCharge of each). */
  private reorderBytes = 0;
  private gotFin = false;
  private remoteFinSeq = 0;
  private ended = false;
  private peerWnd: number;
  private zeroWindowProbeAt = 0;
  private theirDelay = 0;
  private ackPending = false;
  /** An ACK that must not wait (duplicate data: our last ACK may have been lost). */
  private ackNow = false;
  private receivedSinceAck = 0;
  private dupAcks = 0;
  /**
   * Packets before this were fast-resent already (libtorrent's m_fast_resend_seq_nr): each is
   * resent once on duplicate ACKs or SACK evidence; a second loss is left to the timeout, or
   * every ACK repeating the same SACK would resend the same holes again.
   */
  private fastResendSeq: number;
  private lossRecoverySeq: number;
  private rtoDeadline = 0;
  private timeouts = 0;
  private lastReceivedAt: number;
  private lastSentAt: number;
  /** The stream is gone: deliver what was written, then FIN, drop what arrives. */
  private detached = false;
  private lingerUntil = 0;
  private lastAdvertised = 0;
  private readonly limits: ConnectionLimits;

  private constructor(
    readonly recvId: number,
    readonly sendId: number,
    initialSeq: number,
    state: ConnectionState,
    private readonly io: ConnectionIo,
    private readonly clock: UtpClock,
    limits: ConnectionLimits,
  ) {
    this.limits = limits;
    this.state = state;
    this.seqNr = initialSeq;
    this.sndUna = initialSeq;
    this.lossRecoverySeq = initialSeq;
    this.fastResendSeq = initialSeq;
    this.peerWnd = limits.recvWindow;
    this.ledbat = new Ledbat({ packetSize: MAX_PAYLOAD, maxWindow: limits.maxWindow });
    const now = clock.nowMs();
    this.lastReceivedAt = now;
    this.lastSentAt = now;
  }

  /** Dials: sends a SYN with connection id `recvId` (we receive on it, send on recvId + 1). */
  static connect(recvId: number, io: ConnectionIo, clock: UtpClock, limits: ConnectionLimits = DEFAULT_LIMITS, initialSeq = 1): UtpConnection {
    const c = new UtpConnection(recvId & 0xffff, (recvId + 1) & 0xffff, initialSeq & 0xffff, 'syn-sent', io, clock, limits);
    c.sendSyn();
    return c;
  }

  /** Accepts a SYN (answered with a STATE at once). */
  static accept(syn: PacketHeader, io: ConnectionIo, clock: UtpClock, limits: ConnectionLimits = DEFAULT_LIMITS, initialSeq = 1): UtpConnection {
    const c = new UtpConnection((syn.connectionId + 1) & 0xffff, syn.connectionId, initialSeq & 0xffff, 'connected', io, clock, limits);
    c.ackNr = syn.seqNr;
    c.peerWnd = syn.wndSize;
    c.theirDelay = (clock.micros() - syn.timestamp) >>> 0;
    c.sendState();
    return c;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** What the packets received out of order and held cost (each at least MIN_CHUNK_CHARGE). */
  get reorderedBytes(): number {
    return this.reorderBytes;
  }

  /** Bytes written and not acknowledged yet. */
  get bufferedBytes(): number {
    return this.unackedBytes;
  }

  /** Queues bytes to send; false when the send buffer is full (`writable` follows). */
  write(data: Buffer): boolean {
    if (this.state === 'closed' || this.finQueued) return false;
    if (data.length > 0) {
      this.sendQueue.push(data);
      this.queuedBytes += data.length;
      this.unackedBytes += data.length;
      // Sent at the end of the turn: the writes of one turn fill whole packets.
      this.io.wantFlush();
    }
    const room = this.unackedBytes < this.limits.sendBuffer;
    if (!room) this.wantsWritable = true;
    return room;
  }

  /** Sends FIN after everything written (`finished` once it is acknowledged). */
  end(): void {
    if (this.state === 'closed' || this.finQueued) return;
    this.finQueued = true;
    this.io.wantFlush();
  }

  /**
   * The application is done with the connection: what was written is still delivered (with a
   * FIN after it) for a short while, as a closed TCP socket's kernel would; arriving data is dropped.
   */
  detach(): void {
    if (this.state === 'closed' || this.detached) return;
    this.detached = true;
    if (this.state === 'syn-sent' || (this.unackedBytes === 0 && this.finAcked)) return this.close(null);
    if (this.unackedBytes === 0 && !this.finQueued) {
      // Nothing of ours left to deliver: one FIN, and the state is freed at once (a flood of
      // connections the listener drops must not linger). The peer's later packets get a RESET.
      this.sendBare(ST_FIN);
      return this.close(null);
    }
    this.lingerUntil = this.clock.nowMs() + LINGER_MS;
    this.end();
  }

  /** Ends at once, telling the peer with a RESET. */
  reset(): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') this.sendReset();
    this.close(null);
  }

  /** The application read data: announce a window that reopened. */
  windowOpened(): void {
    if (this.state !== 'connected') return;
    if (this.lastAdvertised < MAX_PAYLOAD && this.advertisedWindow() >= MAX_PAYLOAD) this.sendState();
  }

  /** A packet for this connection (the manager matched the connection id and address). */
  receive(h: PacketHeader, datagram: Buffer): void {
    if (this.state === 'closed') return;
    const now = this.clock.nowMs();
    this.lastReceivedAt = now;
    // After both FINs, a RESET only says the peer already forgot the connection.
    if (h.type === ST_RESET && this.ended && this.finSent) return this.close(null);
    if (h.type === ST_RESET) return this.close(new Error(this.state === 'syn-sent' ? 'uTP connection refused' : 'uTP connection reset by peer'));
    if (h.type === ST_SYN) {
      // Our STATE for their SYN was lost: answer the repeated SYN again.
      if (this.state === 'connected' && h.seqNr === this.ackNr && this.seqNr === this.sndUna) this.sendState();
      return;
    }
    this.theirDelay = (this.clock.micros() - h.timestamp) >>> 0;
    if (this.state === 'syn-sent') {
      if (seqDiff(h.ackNr, this.sndUna) !== 0) return; // not an answer to our SYN
      this.state = 'connected';
      this.ackNr = seqAdd(h.seqNr, -1);
      this.processAck(h, now);
      if (this.state !== 'connected') return;
      this.io.connected();
    } else this.processAck(h, now);
    if (this.state !== 'connected') return;
    if (h.type === ST_DATA || h.type === ST_FIN) this.processData(h, datagram);
    if (this.state !== 'connected') return;
    this.flush();
    this.checkDone();
  }

  /** Timeouts, keep-alives, zero-window probes. Call every ~100 ms. */
  tick(): void {
    if (this.state === 'closed') return;
    const now = this.clock.nowMs();
    if (now - this.lastReceivedAt > IDLE_TIMEOUT_MS) return this.close(new Error('uTP connection timed out (peer silent)'));
    if (this.detached && now >= this.lingerUntil) return this.close(null);
    if (this.rtoDeadline !== 0 && now >= this.rtoDeadline) this.onTimeout(now);
    if (this.state !== 'connected') return;
    if (this.peerWnd < MAX_PAYLOAD && this.inFlightCount === 0 && now >= this.zeroWindowProbeAt) this.flush();
    if (now - this.lastSentAt >= KEEPALIVE_MS) this.sendState();
  }

  /**
   * Sends what was written this turn, and the ACK owed for the packets received (if no data
   * carried it). A small ACK of in-order data may wait (`force` false): returns true when one
   * is still owed, for the owner's delayed-ACK timer to force it a few milliseconds later.
   */
  flushPending(force = true): boolean {
    if (this.state !== 'connected') return false;
    this.flush();
    if (!this.ackPending) return false;
    const urgent = force || this.ackNow || this.reorderCount > 0 || this.gotFin || this.receivedSinceAck >= DELAYED_ACK_BYTES || this.advertisedWindow() - this.lastAdvertised >= DELAYED_ACK_BYTES;
    if (!urgent) return true;
    this.sendState();
    return false;
  }

  // --- receiving -----------------------------------------------------------------------

  private processAck(h: PacketHeader, now: number): void {
    this.peerWnd = h.wndSize;
    if (h.wndSize < MAX_PAYLOAD) {
      if (this.zeroWindowProbeAt <= now) this.zeroWindowProbeAt = now + ZERO_WINDOW_PROBE_MS;
      // Alive, only not reading: our probes going unacknowledged is no sign of a dead peer.
      this.timeouts = 0;
    }
    if (h.timestampDiff !== 0) this.delays.add(h.timestampDiff, now);
    const inFlightBefore = this.curWindow;
    let ackedBytes = 0;
    const newlyAcked = seqDiff(h.ackNr, this.sndUna) + 1;
    // Acks only packets sent (an ack_nr ahead of seq_nr is a lie or garbage: ignored).
    if (newlyAcked > 0 && seqDiff(h.ackNr, this.seqNr) < 0) {
      for (let i = 0; i < newlyAcked; i++) ackedBytes += this.ackPacket(seqAdd(this.sndUna, i), now);
      this.sndUna = seqAdd(h.ackNr, 1);
      this.dupAcks = 0;
    } else if (newlyAcked === 0 && this.inFlightCount > 0 && h.type === ST_STATE && h.sack === null) {
      // Duplicate ACK: the packet after ack_nr is missing at the peer.
      if (++this.dupAcks === 3) this.fastResend(this.sndUna);
    }
    if (h.sack) ackedBytes += this.processSack(h.ackNr, h.sack, now);
    while (this.sndUna !== this.seqNr && this.outRing[this.sndUna & RING_MASK] === undefined) this.sndUna = seqAdd(this.sndUna, 1);
    if (ackedBytes > 0) {
      this.timeouts = 0;
      const saturated = inFlightBefore + MAX_PAYLOAD > this.ledbat.cwnd;
      this.ledbat.onAck(ackedBytes, inFlightBefore, this.delays.queuingDelay, saturated);
      this.rtoDeadline = this.inFlightCount > 0 ? now + this.rtt.rto : 0;
      if (this.wantsWritable && this.unackedBytes < this.limits.sendBuffer) {
        this.wantsWritable = false;
        this.io.writable();
      }
    }
  }

  /** Bit i of the mask stands for ack_nr + 2 + i. Three later packets arrived: the hole is lost. */
  private processSack(ackNr: number, mask: Uint8Array, now: number): number {
    let acked = 0;
    const bits = Math.min(mask.length, MAX_SACK_BYTES * 4) * 8;
    // From the top: acknowledge, and find the highest index with three received packets above it.
    let after = 0;
    let lossLimit = -2;
    for (let i = bits - 1; i >= 0; i--) {
      if (sackBit(mask, i)) {
        const seq = seqAdd(ackNr, 2 + i);
        if (this.isInFlight(seq)) acked += this.ackPacket(seq, now);
        after++;
      } else if (after >= 3 && lossLimit === -2) lossLimit = i;
    }
    if (after >= 3 && lossLimit === -2) lossLimit = -1; // only ack_nr + 1 is missing below them
    // From the bottom (fastResend remembers the highest packet resent): the holes are lost.
    for (let i = -1; i <= lossLimit; i++) if (i < 0 || !sackBit(mask, i)) this.fastResend(seqAdd(ackNr, 2 + i));
    return acked;
  }

  private isInFlight(seq: number): boolean {
    return seqDiff(seq, this.sndUna) >= 0 && seqDiff(seq, this.seqNr) < 0;
  }

  /** Forgets an acknowledged packet; returns its payload bytes. */
  private ackPacket(seq: number, now: number): number {
    const slot = seq & RING_MASK;
    const p = this.outRing[slot];
    if (!p || p.seq !== seq) return 0;
    this.outRingToWrite()[slot] = undefined;
    this.inFlightCount--;
    if (p.transmissions === 1) this.rtt.sample(now - p.sentAt);
    if (p.needResend) this.resendCount--;
    else this.curWindow -= p.payload;
    this.unackedBytes -= p.payload;
    if (p.fin) {
      this.finAcked = true;
      this.io.finished();
    }
    return p.payload;
  }

  private fastResend(seq: number): void {
    if (seqDiff(seq, this.fastResendSeq) < 0) return;
    const p = this.outRing[seq & RING_MASK];
    if (!p || p.seq !== seq || p.needResend) return;
    this.fastResendSeq = seqAdd(seq, 1);
    this.markLost(seq);
  }

  private markLost(seq: number): void {
    const p = this.outRing[seq & RING_MASK];
    if (!p || p.seq !== seq || p.needResend) return;
    p.needResend = true;
    this.resendCount++;
    this.stats.fastLosses++;
    this.curWindow -= p.payload;
    // One window cut per round trip: losses among packets sent before the last cut are the same event.
    if (seqDiff(seq, this.lossRecoverySeq) >= 0) {
      this.ledbat.onLoss();
      this.lossRecoverySeq = this.seqNr;
    }
  }

  private processData(h: PacketHeader, datagram: Buffer): void {
    this.ackPending = true;
    this.io.wantFlush();
    const distance = seqDiff(h.seqNr, this.ackNr);
    if (distance <= 0 || distance > MAX_REORDER_DISTANCE) {
      this.ackNow = true; // old duplicate, or too far ahead: tell where we are
      return;
    }
    this.receivedSinceAck += datagram.length - h.payloadOffset;
    if (this.gotFin && seqDiff(h.seqNr, this.remoteFinSeq) > 0) return; // nothing counts after FIN
    const payload = datagram.subarray(h.payloadOffset);
    if (h.type === ST_FIN && !this.gotFin) {
      this.gotFin = true;
      this.remoteFinSeq = h.seqNr;
      this.dropBeyondFin(distance);
    }
    // A peer that ignores our window: its excess is not kept (nor acknowledged).
    if (payload.length > 0 && this.io.unread() + this.reorderBytes + payload.length > this.limits.recvWindow + PACKET_BYTES) return;
    if (distance === 1) {
      this.deliver(h.seqNr, payload);
      for (;;) {
        const next = seqAdd(this.ackNr, 1);
        const slot = next & RING_MASK;
        const buffered = this.inRing[slot];
        if (buffered === undefined) break;
        this.inRingToWrite()[slot] = undefined;
        this.forgetReordered(buffered);
        this.deliver(next, buffered);
      }
      return;
    }
    const slot = h.seqNr & RING_MASK;
    if (this.inRing[slot] !== undefined || this.detached) return; // a detached connection only drains
    const charge = reorderCharge(payload.length);
    // Not acknowledged, so resent later: past the window, or the address's or session's share.
    if (this.io.unread() + this.reorderBytes + charge > this.limits.recvWindow + PACKET_BYTES) return;
    if (this.limits.reorder && !this.limits.reorder.take(charge)) return;
    // Copied: the datagram's memory is not ours to keep for long.
    this.inRingToWrite()[slot] = Buffer.from(payload);
    this.reorderCount++;
    this.stats.reordered++;
    this.reorderBytes += charge;
  }

  /** An out-of-order packet leaves the reorder ring (delivered or dropped): its charge is given back. */
  private forgetReordered(buffered: Buffer): void {
    const charge = reorderCharge(buffered.length);
    this.reorderCount--;
    this.reorderBytes -= charge;
    this.limits.reorder?.give(charge);
  }

  /**
   * Out-of-order packets that arrived before the FIN but lie after it (`finDistance` ahead of
   * ack_nr) are the peer contradicting itself: never delivered (the stream has ended by then,
   * and a push after its end destroys it with an error), and their memory is given back now.
   */
  private dropBeyondFin(finDistance: number): void {
    for (let d = finDistance + 1; d <= MAX_REORDER_DISTANCE && this.reorderCount > 0; d++) {
      const slot = seqAdd(this.ackNr, d) & RING_MASK;
      const buffered = this.inRing[slot];
      if (buffered === undefined) continue;
      this.inRingToWrite()[slot] = undefined;
      this.forgetReordered(buffered);
    }
  }

  private deliver(seq: number, payload: Buffer): void {
    this.ackNr = seq;
    if (payload.length > 0 && !this.detached) this.io.data(payload);
    if (this.gotFin && seq === this.remoteFinSeq && !this.ended) {
      this.ended = true;
      if (!this.detached) this.io.end();
    }
  }

  private checkDone(): void {
    // Both FINs acknowledged (or ours, after the application let go): nothing left to do.
    if (!this.finAcked || !(this.ended || this.detached) || this.inFlightCount !== 0) return;
    if (this.ackPending) this.sendState(); // their FIN's ACK, before we forget the connection
    this.close(null);
  }

  // --- sending -------------------------------------------------------------------------

  private window(): number {
    return Math.min(this.ledbat.cwnd, this.peerWnd);
  }

  /** Whether a packet of `size` may go now. One packet may always be in flight unless the peer's window is closed. */
  private mayWrite(size: number): boolean {
    if (this.curWindow + size <= this.window()) return true;
    return this.curWindow === 0 && (this.peerWnd > 0 || this.clock.nowMs() >= this.zeroWindowProbeAt);
  }

  private flush(): void {
    if (this.state !== 'connected') return;
    if (this.resendCount > 0) {
      for (let seq = this.sndUna; seq !== this.seqNr && this.resendCount > 0; seq = seqAdd(seq, 1)) {
        const p = this.outRing[seq & RING_MASK];
        if (!p || !p.needResend) continue;
        if (!this.mayWrite(p.payload)) return;
        p.needResend = false;
        this.resendCount--;
        this.curWindow += p.payload;
        this.transmit(p);
      }
    }
    while (this.inFlightCount < MAX_IN_FLIGHT && (this.queuedBytes > 0 || (this.finQueued && !this.finSent))) {
      const size = Math.min(MAX_PAYLOAD, this.queuedBytes);
      if (!this.mayWrite(size)) break;
      const fin = size === 0;
      const buf = Buffer.allocUnsafe(HEADER_BYTES + size);
      writeHeader(buf, fin ? ST_FIN : ST_DATA, this.sendId, this.seqNr, this.ackNr);
      if (size > 0) this.takeQueued(buf, HEADER_BYTES, size);
      const p: OutPacket = { seq: this.seqNr, buf, payload: size, sentAt: 0, transmissions: 0, needResend: false, fin };
      if (fin) this.finSent = true;
      this.outRingToWrite()[this.seqNr & RING_MASK] = p;
      this.inFlightCount++;
      this.seqNr = seqAdd(this.seqNr, 1);
      this.curWindow += size;
      this.transmit(p);
    }
  }

  private takeQueued(dest: Buffer, offset: number, size: number): void {
    let at = offset;
    let left = size;
    while (left > 0) {
      const chunk = this.sendQueue[0];
      if (!chunk) break;
      const n = Math.min(left, chunk.length - this.queueHead);
      chunk.copy(dest, at, this.queueHead, this.queueHead + n);
      at += n;
      left -= n;
      this.queueHead += n;
      if (this.queueHead === chunk.length) {
        this.sendQueue.shift();
        this.queueHead = 0;
      }
    }
    this.queuedBytes -= size;
  }

  private transmit(p: OutPacket): void {
    const now = this.clock.nowMs();
    stampHeader(p.buf, this.clock.micros(), this.theirDelay, this.advertise(), this.ackNr);
    p.sentAt = now;
    if (p.transmissions > 0) this.stats.retransmits++;
    this.stats.packetsSent++;
    p.transmissions++;
    this.lastSentAt = now;
    // The ACK rides along, unless out-of-order data needs a SACK that DATA does not carry.
    if (this.reorderCount === 0) this.ackSent();
    if (this.rtoDeadline === 0) this.rtoDeadline = now + this.rtt.rto;
    this.io.send(p.buf);
  }

  private advertisedWindow(): number {
    return Math.max(0, this.limits.recvWindow - this.io.unread() - this.reorderBytes);
  }

  private advertise(): number {
    this.lastAdvertised = this.advertisedWindow();
    return this.lastAdvertised;
  }

  private sendSyn(): void {
    const buf = Buffer.allocUnsafe(HEADER_BYTES);
    // A SYN carries the id we receive on; everything after it carries sendId.
    writeHeader(buf, ST_SYN, this.recvId, this.seqNr, 0);
    const p: OutPacket = { seq: this.seqNr, buf, payload: 0, sentAt: 0, transmissions: 0, needResend: false, fin: false };
    this.outRingToWrite()[this.seqNr & RING_MASK] = p;
    this.inFlightCount++;
    this.seqNr = seqAdd(this.seqNr, 1);
    this.transmit(p);
  }

  /** A STATE packet (ACK, with SACK when data arrived out of order). */
  private sendState(): void {
    const sackBytes = this.reorderCount > 0 ? this.sackLength() : 0;
    const buf = Buffer.allocUnsafe(HEADER_BYTES + (sackBytes > 0 ? 2 + sackBytes : 0));
    writeHeader(buf, ST_STATE, this.sendId, this.seqNr, this.ackNr, sackBytes);
    if (sackBytes > 0) {
      const mask = buf.subarray(HEADER_BYTES + 2);
      mask.fill(0);
      for (let i = 0; i < sackBytes * 8; i++) {
        if (this.inRing[seqAdd(this.ackNr, 2 + i) & RING_MASK] !== undefined) mask[i >> 3] = (mask[i >> 3] ?? 0) | (1 << (i & 7));
      }
    }
    this.ackSent();
    this.lastSentAt = this.clock.nowMs();
    stampHeader(buf, this.clock.micros(), this.theirDelay, this.advertise(), this.ackNr);
    this.io.send(buf);
  }

  private ackSent(): void {
    this.ackPending = false;
    this.ackNow = false;
    this.receivedSinceAck = 0;
  }

  /** SACK bytes needed to cover the furthest out-of-order packet: a multiple of 4, at most MAX_SACK_BYTES. */
  private sackLength(): number {
    let last = -1;
    for (let i = 0; i < MAX_SACK_BYTES * 8; i++) if (this.inRing[seqAdd(this.ackNr, 2 + i) & RING_MASK] !== undefined) last = i;
    if (last < 0) return 0;
    return Math.min(MAX_SACK_BYTES, Math.ceil((last + 1) / 32) * 4);
  }

  private sendReset(): void {
    this.sendBare(ST_RESET);
  }

  /** A RESET, or a FIN nobody will resend. */
  private sendBare(type: typeof ST_RESET | typeof ST_FIN): void {
    const buf = Buffer.allocUnsafe(HEADER_BYTES);
    writeHeader(buf, type, this.sendId, this.seqNr, this.ackNr);
    stampHeader(buf, this.clock.micros(), this.theirDelay, this.advertisedWindow(), this.ackNr);
    this.io.send(buf);
  }

  private onTimeout(now: number): void {
    this.timeouts++;
    this.stats.timeouts++;
    const limit = this.state === 'syn-sent' ? SYN_RESENDS : MAX_RESENDS;
    if (this.timeouts > limit) return this.close(new Error(this.state === 'syn-sent' ? 'uTP connect timed out' : 'uTP connection timed out'));
    if (this.state === 'connected') this.ledbat.onTimeout();
    // Everything in flight is presumed lost and goes again as the (now small) window allows.
    for (let seq = this.sndUna; seq !== this.seqNr; seq = seqAdd(seq, 1)) {
      const p = this.outRing[seq & RING_MASK];
      if (!p || p.needResend) continue;
      p.needResend = true;
      this.resendCount++;
      this.curWindow -= p.payload;
    }
    this.lossRecoverySeq = this.seqNr;
    this.rtoDeadline = 0;
    if (this.state === 'syn-sent') {
      const syn = this.outRing[this.sndUna & RING_MASK];
      if (syn) {
        syn.needResend = false;
        this.resendCount--;
        this.transmit(syn);
      }
    } else this.flush();
    // Exponential back-off until something is acknowledged. A SYN is resent every RTO (the
    // dial fails in ~3 s, then TCP is tried: a peer without uTP must not cost much longer).
    const backoff = this.state === 'syn-sent' ? this.rtt.rto : Math.min(MAX_RTO_MS, this.rtt.rto * 2 ** this.timeouts);
    if (this.inFlightCount > 0) this.rtoDeadline = now + backoff;
  }

  /** The ring of packets in flight, allocated on the first write. */
  private outRingToWrite(): (OutPacket | undefined)[] {
    if (this.outRing === NO_RING) this.outRing = new Array<OutPacket | undefined>(RING_SIZE);
    return this.outRing as (OutPacket | undefined)[];
  }

  /** The reorder ring, allocated on the first packet held out of order. */
  private inRingToWrite(): (Buffer | undefined)[] {
    if (this.inRing === NO_RING) this.inRing = new Array<Buffer | undefined>(RING_SIZE);
    return this.inRing as (Buffer | undefined)[];
  }

  private close(error: Error | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.limits.reorder?.give(this.reorderBytes);
    this.reorderBytes = 0;
    this.reorderCount = 0;
    this.outRing = NO_RING;
    this.inRing = NO_RING;
    this.sendQueue.length = 0;
    this.io.closed(error);
  }
}
