import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Bitfield, spareBitsClear } from '../util/bitfield.js';
import { RateMeter } from '../util/rate-meter.js';
import type { CloseReason } from './close-reason.js';
import * as msg from '../wire/encode.js';
import { FrameReader, type FrameSink } from '../wire/frame-reader.js';
import { decodeHandshake, encodeHandshake, HANDSHAKE_LENGTH, type Handshake } from '../wire/handshake.js';
import { MessageId } from '../wire/message-ids.js';
import { decodeExtensionHandshake, type ExtensionHandshake } from '../wire/extension-handshake.js';
import type { PieceDownload } from '../picker/piece-download.js';
import type { PickerPeer } from '../picker/piece-picker.js';
import type { PeerHandler } from './peer-handler.js';
import { clientName } from './client-name.js';
import type { PeerCipher } from '../wire/mse/mse-common.js';

/** A request we sent and have not had answered. */
export interface OutstandingRequest {
  piece: PieceDownload;
  block: number;
  begin: number;
  length: number;
  sentAt: number;
}

export interface PeerConnectionOptions {
  infoHash: Buffer;
  ourPeerId: Buffer;
  incoming: boolean;
  address: string;
  /** Our opening messages after the handshake (extension handshake, bitfield...). */
  opening: (peer: PeerConnection) => void;
  /** The stream cipher MSE negotiated (RC4), if any. */
  cipher?: PeerCipher | null;
  /** The connection began with an MSE handshake (whatever cipher it chose). */
  encrypted?: boolean;
}

const KEEPALIVE_INTERVAL_MS = 90_000;
const INACTIVITY_TIMEOUT_MS = 240_000;
const HANDSHAKE_TIMEOUT_MS = 20_000;

/**
 * One peer wire connection: handshake, framing, message validation and the four
 * choke/interest flags. Everything about what to download lives in the torrent (the
 * `PeerHandler`); this class makes sure only well-formed, in-range messages reach it.
 * Anything malformed closes the connection with a reason; nothing here throws at the
 * network.
 */
export class PeerConnection implements FrameSink, PickerPeer {
  readonly id = randomBytes(6).toString('hex');
  readonly incoming: boolean;
  readonly address: string;
  remotePeerId: Buffer | null = null;
  remote: Handshake | null = null;
  extensions: ExtensionHandshake | null = null;

  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** The peer's pieces; null until its bitfield (or have-all/none) arrives, or while we lack metadata. */
  bitfield: Bitfield | null = null;
  /** Raw bitfield received before we knew the piece count (magnet): applied once metadata arrives. */
  pendingBitfield: Buffer | null = null;
  pendingHaves: number[] = [];
  haveAll = false;
  snubbed = false;
  /** Closed because it broke the protocol (malformed or out-of-range messages). */
  violated = false;

  readonly outstanding = new Map<number, OutstandingRequest>();
  readonly owned = new Set<PieceDownload>();
  /** Pieces this peer lets us request while choked (BEP 6). */
  readonly allowedFast = new Set<number>();
  /** Pieces we let this peer request while we choke it (our BEP 6 allowed-fast set). */
  readonly grantedFast = new Set<number>();
  /** Requests the peer sent us that we have not answered yet (key → [index, begin, length]). */
  readonly incomingRequests = new Map<number, [number, number, number]>();

  readonly downloadMeter = new RateMeter();
  readonly uploadMeter = new RateMeter();
  /** Good blocks received, for the JSON report's "peers that sent data". */
  blocksReceived = 0;
  hashFailures = 0;
  lastBlockAt = 0;
  connectedAt = Date.now();
  /** Requests to keep in flight; grows like TCP slow start until the rate-based target takes over. */
  pipelineDepth = 4;

  private reader: FrameReader | null = null;
  private handshakeBuffer: Buffer | null = Buffer.alloc(0);
  private closed = false;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private messagesSeen = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly infoHash: Buffer;
  private readonly ourPeerId: Buffer;
  private readonly opening: (peer: PeerConnection) => void;
  private handler: PeerHandler | null;
  /** The connection began with an MSE handshake (the peer list shows it, like qBittorrent's "E"). */
  readonly encrypted: boolean;
  /** RC4 both ways when MSE chose it; null for plaintext (after an MSE handshake or without one). */
  private readonly cipher: PeerCipher | null;

  constructor(private readonly socket: Socket, handler: PeerHandler, options: PeerConnectionOptions) {
    this.handler = handler;
    this.incoming = options.incoming;
    this.address = options.address;
    this.infoHash = options.infoHash;
    this.ourPeerId = options.ourPeerId;
    this.opening = options.opening;
    this.cipher = options.cipher ?? null;
    this.encrypted = options.encrypted ?? false;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.close({ kind: 'socket-error', detail: err.message }));
    socket.on('close', () => this.close({ kind: 'remote-closed' }));
    socket.on('end', () => this.close({ kind: 'remote-closed' }));
    this.timers.push(setTimeout(() => this.remote || this.close({ kind: 'handshake-timeout' }), HANDSHAKE_TIMEOUT_MS));
  }

  /** Outgoing: send our handshake now. Incoming: the session already read theirs; answer it. */
  start(theirHandshake?: Handshake, leftover?: Buffer): void {
    this.sendRaw(encodeHandshake(this.infoHash, this.ourPeerId));
    if (theirHandshake) {
      this.handshakeBuffer = null;
      this.acceptHandshake(theirHandshake);
      if (leftover && leftover.length > 0 && !this.closed) this.reader?.push(leftover);
    }
  }

  /**
   * Feeds received bytes (from 'data' events or a socket `onread` callback; not retained).
   * Under MSE's RC4 they are decrypted in place first.
   */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.cipher?.decrypt(chunk);
    this.receiveDecrypted(chunk);
  }

  /** Feeds bytes already decrypted (those that arrived with the end of an MSE handshake). */
  receiveDecrypted(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
    if (this.handshakeBuffer !== null) {
      const joined = Buffer.concat([this.handshakeBuffer, chunk]);
      if (joined.length < HANDSHAKE_LENGTH) {
        this.handshakeBuffer = joined;
        return;
      }
      this.handshakeBuffer = null;
      const parsed = decodeHandshake(joined.subarray(0, HANDSHAKE_LENGTH));
      if (typeof parsed === 'string') return this.violation(parsed);
      if (!parsed.infoHash.equals(this.infoHash)) return this.violation('handshake for a different torrent');
      this.acceptHandshake(parsed);
      if (!this.closed && joined.length > HANDSHAKE_LENGTH) this.reader?.push(joined.subarray(HANDSHAKE_LENGTH));
      return;
    }
    this.reader?.push(chunk);
  }

  private acceptHandshake(hs: Handshake): void {
    if (hs.peerId.equals(this.ourPeerId)) return this.close({ kind: 'self' });
    this.remote = hs;
    this.remotePeerId = hs.peerId;
    this.reader = new FrameReader(this);
    this.opening(this);
    this.timers.push(setInterval(() => this.tick(), 15_000));
    this.handler?.peerReady(this);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The remote IP, without port or brackets. */
  get ip(): string {
    return this.address.startsWith('[') ? this.address.slice(1, this.address.lastIndexOf(']')) : this.address.slice(0, this.address.lastIndexOf(':'));
  }

  get supportsFast(): boolean {
    return this.remote?.fast === true;
  }

  get supportsExtensions(): boolean {
    return this.remote?.extensions === true;
  }

  get isSeed(): boolean {
    return this.haveAll || (this.bitfield?.complete ?? false);
  }

  get client(): string {
    return clientName(this.remotePeerId, this.extensions?.client ?? null);
  }

  has(index: number): boolean {
    return this.haveAll || (this.bitfield?.has(index) ?? false);
  }

  hasRequested(index: number, block: number): boolean {
    return this.outstanding.has(requestKey(index, block));
  }

  /** The traffic is RC4-encrypted (MSE chose it). */
  get rc4(): boolean {
    return this.cipher !== null;
  }

  /** Upper bound on requests in flight: our pipeline target, capped by the peer's `reqq`. */
  get requestLimit(): number {
    const reqq = this.extensions?.reqq ?? 250;
    return Math.max(1, Math.min(this.pipelineDepth, reqq));
  }

  // --- sending -----------------------------------------------------------------------

  send(frame: Buffer): void {
    this.sendRaw(frame);
  }

  setInterested(interested: boolean): void {
    if (this.amInterested === interested) return;
    this.amInterested = interested;
    this.send(interested ? msg.interested() : msg.notInterested());
  }

  setChoking(choking: boolean): void {
    if (this.amChoking === choking) return;
    this.amChoking = choking;
    this.send(choking ? msg.choke() : msg.unchoke());
    if (choking && !this.supportsFast) this.incomingRequests.clear();
    if (choking && this.supportsFast) {
      // BEP 6: requests dropped by a choke must be rejected explicitly.
      for (const [index, begin, length] of this.incomingRequests.values()) this.send(msg.rejectRequest(index, begin, length));
      this.incomingRequests.clear();
    }
  }

  /** Sends a batch of requests in one write and records them as outstanding. */
  sendRequests(picks: ReadonlyArray<{ piece: PieceDownload; block: number; begin: number; length: number }>): void {
    if (picks.length === 0) return;
    const now = Date.now();
    const refs: Array<[number, number, number]> = [];
    for (const p of picks) {
      this.outstanding.set(requestKey(p.piece.index, p.block), { piece: p.piece, block: p.block, begin: p.begin, length: p.length, sentAt: now });
      refs.push([p.piece.index, p.begin, p.length]);
    }
    this.send(msg.requestBatch(refs));
  }

  sendCancel(req: OutstandingRequest): void {
    this.outstanding.delete(requestKey(req.piece.index, req.block));
    this.send(msg.cancel(req.piece.index, req.begin, req.length));
  }

  /**
   * Sends a block we were asked for: header and data as two writes, no copy of the data.
   * `written` runs once the socket no longer needs `data` (sent, or the connection is gone).
   */
  sendBlock(index: number, begin: number, data: Buffer, written?: () => void): void {
    if (this.closed) {
      written?.();
      return;
    }
    this.socket.cork();
    this.sendRaw(msg.pieceHeader(index, begin, data.length));
    if (this.cipher) {
      this.socket.write(this.cipher.encrypt(data)); // a copy: `data` is free at once
      written?.();
    } else {
      this.socket.write(data, written);
    }
    process.nextTick(() => this.socket.uncork());
    this.uploadMeter.add(data.length);
  }

  /** Bytes queued in the socket not yet handed to the kernel (upload backpressure). */
  get writeBacklog(): number {
    return this.socket.writableLength;
  }

  private sendRaw(frame: Buffer): void {
    if (this.closed) return;
    this.lastSent = Date.now();
    this.socket.write(this.cipher ? this.cipher.encrypt(frame) : frame);
  }

  // --- receiving (FrameSink) ------------------------------------------------------------

  keepAlive(): void {}

  message(id: number, payload: Buffer): void {
    this.messagesSeen++;
    const h = this.handler;
    if (!h) return;
    const n = h.pieceCount;
    switch (id) {
      case MessageId.Choke:
      case MessageId.Unchoke:
      case MessageId.Interested:
      case MessageId.NotInterested:
        if (payload.length !== 0) return this.violation(`message ${id} with a ${payload.length}-byte payload`);
        if (id === MessageId.Choke) {
          this.peerChoking = true;
          h.peerChoked(this);
        } else if (id === MessageId.Unchoke) {
          this.peerChoking = false;
          h.peerUnchoked(this);
        } else {
          this.peerInterested = id === MessageId.Interested;
          h.peerInterest(this, this.peerInterested);
        }
        return;
      case MessageId.Have: {
        if (payload.length !== 4) return this.violation('malformed have');
        const index = payload.readUInt32BE(0);
        if (n === 0) {
          if (this.pendingHaves.length < 100_000) this.pendingHaves.push(index);
          return;
        }
        if (index >= n) return this.violation(`have for piece ${index} of ${n}`);
        this.bitfield ??= new Bitfield(n);
        if (!this.haveAll && this.bitfield.set(index)) h.peerHave(this, index);
        return;
      }
      case MessageId.Bitfield: {
        if (this.bitfield || this.haveAll || this.pendingBitfield) return this.violation('second bitfield');
        if (n === 0) {
          this.pendingBitfield = Buffer.from(payload);
          return;
        }
        return this.applyBitfield(payload, n);
      }
      case MessageId.HaveAll:
      case MessageId.HaveNone:
        if (!this.supportsFast) return this.violation('fast-extension message without the fast extension');
        if (payload.length !== 0) return this.violation('malformed have-all/none');
        if (this.bitfield || this.haveAll || this.pendingBitfield) return this.violation('second bitfield');
        if (id === MessageId.HaveAll) this.haveAll = true;
        else this.bitfield = new Bitfield(Math.max(n, 0));
        if (n > 0) h.peerBitfield(this);
        return;
      case MessageId.Request:
      case MessageId.Cancel:
      case MessageId.RejectRequest: {
        if (payload.length !== 12) return this.violation(`malformed message ${id}`);
        const index = payload.readUInt32BE(0);
        const begin = payload.readUInt32BE(4);
        const length = payload.readUInt32BE(8);
        if (n > 0 && index >= n) return this.violation(`message ${id} for piece ${index} of ${n}`);
        if (id === MessageId.Request) h.peerRequest(this, index, begin, length);
        else if (id === MessageId.Cancel) h.peerCancel(this, index, begin, length);
        else {
          if (!this.supportsFast) return this.violation('reject without the fast extension');
          h.peerReject(this, index, begin, length);
        }
        return;
      }
      case MessageId.AllowedFast:
      case MessageId.Suggest: {
        if (!this.supportsFast) return this.violation('fast-extension message without the fast extension');
        if (payload.length !== 4) return this.violation(`malformed message ${id}`);
        const index = payload.readUInt32BE(0);
        if (n > 0 && index >= n) return;
        if (id === MessageId.AllowedFast) {
          if (this.allowedFast.size < 256) this.allowedFast.add(index);
          h.peerAllowedFast(this, index);
        } else {
          h.peerSuggest(this, index);
        }
        return;
      }
      case MessageId.Port:
        if (payload.length !== 2) return this.violation('malformed port message');
        return;
      case MessageId.Extended: {
        if (!this.supportsExtensions) return this.violation('extended message without the extension protocol');
        if (payload.length < 1) return this.violation('empty extended message');
        const extId = payload[0]!;
        if (extId === 0) {
          const parsed = decodeExtensionHandshake(payload.subarray(1));
          if (typeof parsed === 'string') return this.violation(`bad extension handshake: ${parsed}`);
          this.extensions = parsed;
          h.peerExtensionHandshake(this);
          return;
        }
        h.peerExtended(this, extId, payload.subarray(1));
        return;
      }
      default:
        // Unknown message ids are ignored: newer extensions must not break old peers.
        return;
    }
  }

  /** Applies a bitfield; also used when a magnet's metadata arrives and a pending one can be checked. */
  applyBitfield(payload: Uint8Array, n: number): void {
    if (payload.length !== Math.ceil(n / 8)) return this.violation(`bitfield of ${payload.length} bytes for ${n} pieces`);
    if (!spareBitsClear(payload, n)) return this.violation('bitfield has spare bits set');
    this.bitfield = new Bitfield(n, payload);
    this.handler?.peerBitfield(this);
  }

  pieceStart(index: number, begin: number, length: number): boolean {
    this.messagesSeen++;
    return this.handler?.blockStart(this, index, begin, length) ?? false;
  }

  pieceData(bytes: Buffer, offsetInBlock: number): void {
    this.handler?.blockData(this, bytes, offsetInBlock);
  }

  pieceEnd(): void {
    this.handler?.blockEnd(this);
  }

  protocolError(reason: string): void {
    this.violation(reason);
  }

  // --- lifecycle -------------------------------------------------------------------------

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReceived > INACTIVITY_TIMEOUT_MS) return this.close({ kind: 'inactivity-timeout' });
    if (now - this.lastSent > KEEPALIVE_INTERVAL_MS) this.sendRaw(msg.keepAlive());
  }

  /** Closes for a protocol violation: the torrent will not dial this peer again. */
  violation(reason: string): void {
    this.violated = true;
    this.close({ kind: 'protocol-violation', detail: reason });
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.reader?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.socket.destroy();
    const handler = this.handler;
    this.handler = null;
    handler?.peerClosed(this, reason);
  }
}

/** Key for a block in per-peer request maps: piece index × 2^15 + block index (fits a double exactly). */
export function requestKey(index: number, block: number): number {
  return index * 32768 + block;
}
