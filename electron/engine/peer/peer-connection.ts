import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { replyDropBound } from './reply-bound.js';
import { UNSHARED, type SendShares } from './send-shares.js';
import type { ReadonlyBitfield } from '../util/bitfield.js';
import { RateMeter } from '../util/rate-meter.js';
import type { CloseReason } from './close-reason.js';
import * as msg from '../wire/encode.js';
import { FrameReader, type FrameSink } from '../wire/frame-reader.js';
import { decodeHandshake, encodeHandshake, HANDSHAKE_LENGTH, type Handshake } from '../wire/handshake.js';
import { MessageId } from '../wire/message-ids.js';
import { FAST_EXTENSION_MESSAGES, MESSAGE_NAMES, payloadLengthError, payloadLimit } from '../wire/message-lengths.js';
import { decodeExtensionHandshake, type ExtensionHandshake } from '../wire/extension-handshake.js';
import { OwnedPieces } from '../picker/owned-pieces.js';
import type { PickerPeer } from '../picker/piece-picker.js';
import type { PeerHandler } from './peer-handler.js';
import { clientName } from './client-name.js';
import { RemotePieces, type RemotePiecesView } from './remote-pieces.js';
import { UploadQueue } from './upload-queue.js';
import { BlockRequests, type OutstandingRequest, type RequestPick } from './block-requests.js';
import type { PeerCipher } from '../wire/mse/mse-common.js';

export interface PeerConnectionOptions {
  infoHash: Buffer;
  /**
   * A hybrid's v2 wire hash (first 20 bytes of its SHA-256) on a connection under its v1 hash:
   * our handshake then has the BEP 52 v2 bit, and the peer may answer under this hash.
   */
  v2?: Buffer;
  ourPeerId: Buffer;
  incoming: boolean;
  address: string;
  /** Our opening messages after the handshake (extension handshake, bitfield...). */
  opening: (peer: PeerConnection) => void;
  /** The stream cipher MSE negotiated (RC4), if any. */
  cipher?: PeerCipher | null;
  /** The connection began with an MSE handshake (whatever cipher it chose). */
  encrypted?: boolean;
  /** The session's bound on unsent bytes, which this connection takes a part of while open. */
  sendShares?: SendShares;
}

/** Pieces a peer contributed to that failed their hash check (the torrent decides on a ban: hash-failure-ban.ts). */
export interface HashFailureCount {
  /** Failed pieces the peer contributed to, alone or with others. */
  readonly total: number;
  /** Failed pieces only it contributed to. */
  readonly alone: number;
}

const KEEPALIVE_INTERVAL_MS = 90_000;
const INACTIVITY_TIMEOUT_MS = 240_000;
const HANDSHAKE_TIMEOUT_MS = 20_000;
/**
 * Memory a message waiting in the socket costs beyond its bytes (the stream's entry for the
 * write, the Buffer object): counted in `unsentBytes`, or 17-byte rejects held in their millions
 * would cost five times what is counted (measured: 660 MiB resident for 128 MiB counted).
 */
export const QUEUED_MESSAGE_OVERHEAD = 128;
/**
 * Messages up to this size are gathered into one write per turn of the event loop behind a
 * backlog (see sendRaw); larger ones (bitfields, extension messages, block data) are written as
 * they are.
 */
const GATHER_MESSAGE_MAX = 1024;
/** A gathering buffer's size; full, it is written and filled again. */
const GATHER_BYTES = 16 * 1024;
/** Unsent bytes in the socket from which small messages are gathered (a peer not reading). */
const GATHER_BACKLOG = 64 * 1024;
/** What a block's write callback gets when the connection was closed before the write. */
const CONNECTION_CLOSED = new Error('connection closed');

/**
 * One peer wire connection: handshake, framing, message validation and the four
 * choke/interest flags. Everything about what to download lives in the torrent (the
 * `PeerHandler`); this class makes sure only well-formed, in-range messages reach it.
 * Anything malformed closes the connection with a reason; nothing here throws at the
 * network.
 *
 * The per-peer state others read is kept in small values the connection owns: what the
 * remote has (`pieces`), what we asked it for (`requests`), what it asked us for (`uploads`).
 */
export class PeerConnection implements FrameSink, PickerPeer {
  readonly id = randomBytes(6).toString('hex');
  readonly incoming: boolean;
  readonly address: string;
  remotePeerId: Buffer | null = null;
  /** The client name last decoded, with what it was decoded from (see `client`). */
  private clientCache: { peerId: Buffer | null; advertised: string | null; name: string } | null = null;
  remote: Handshake | null = null;
  extensions: ExtensionHandshake | null = null;

  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** Closed because it broke the protocol (malformed or out-of-range messages). */
  violated = false;

  /** What the remote has; only its messages change it (read through `pieces`). */
  private readonly remotePieces = new RemotePieces();

  /** Requests we have in flight at this peer, and its pipeline. */
  readonly requests = new BlockRequests();
  /** Pieces the picker handed to this peer first (the picker keeps it in sync). */
  readonly owned = new OwnedPieces();
  /** Pieces this peer lets us request while choked (BEP 6). */
  readonly allowedFast = new Set<number>();
  /** Our allowed-fast set for this peer (read through `grantedFast`). */
  private readonly granted = new Set<number>();
  /** Requests the peer sent us that we have not answered yet. */
  readonly uploads = new UploadQueue();

  readonly downloadMeter = new RateMeter();
  readonly uploadMeter = new RateMeter();
  private failedPieces = 0;
  private failedAlone = 0;
  readonly connectedAt = Date.now();

  private reader: FrameReader | null = null;
  private handshakeBuffer: Buffer | null = Buffer.alloc(0);
  private closed = false;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private messagesSeen = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly infoHash: Buffer;
  /** BEP 52 reserved bit in our handshake (see encodeHandshake). */
  private readonly v2Bit: boolean;
  /** With the v2 bit: the hybrid's v2 wire hash, which the peer may answer with. */
  private readonly upgradeHash: Buffer | null;
  private readonly ourPeerId: Buffer;
  private readonly opening: (peer: PeerConnection) => void;
  private handler: PeerHandler | null;
  /** Runs once the socket's backlog has drained (see whenWritable). */
  private onDrain: ((peer: PeerConnection) => void) | null = null;
  /** The connection began with an MSE handshake (the peer list shows it, like qBittorrent's "E"). */
  readonly encrypted: boolean;
  /** RC4 both ways when MSE chose it; null for plaintext (after an MSE handshake or without one). */
  private readonly cipher: PeerCipher | null;
  private readonly shares: SendShares;
  private readonly leaveShares: () => void;

  /**
   * Whether the connection runs over uTP (PEX tells other peers so). A uTP socket (engine/utp
   * UtpSocket, which peer/ does not import) is recognised by its `utp` property.
   */
  get overUtp(): boolean {
    return 'utp' in this.socket;
  }

  constructor(private readonly socket: Socket, handler: PeerHandler, options: PeerConnectionOptions) {
    this.handler = handler;
    this.incoming = options.incoming;
    this.address = options.address;
    this.infoHash = options.infoHash;
    this.v2Bit = options.v2 !== undefined;
    this.upgradeHash = options.v2 ?? null;
    this.ourPeerId = options.ourPeerId;
    this.opening = options.opening;
    this.cipher = options.cipher ?? null;
    this.encrypted = options.encrypted ?? false;
    this.shares = options.sendShares ?? UNSHARED;
    this.leaveShares = this.shares.join();
    socket.setNoDelay(true);
    socket.on('error', (err) => this.close({ kind: 'socket-error', detail: err.message }));
    socket.on('close', () => this.close({ kind: 'remote-closed' }));
    socket.on('end', () => this.close({ kind: 'remote-closed' }));
    socket.on('drain', () => {
      this.readAgain();
      const run = this.onDrain;
      this.onDrain = null;
      run?.(this);
    });
    this.timers.push(setTimeout(() => this.remote || this.close({ kind: 'handshake-timeout' }), HANDSHAKE_TIMEOUT_MS));
  }

  /** Outgoing: send our handshake now. Incoming: the session already read theirs; answer it. */
  start(theirHandshake?: Handshake, leftover?: Buffer): void {
    this.sendRaw(encodeHandshake(this.infoHash, this.ourPeerId, this.v2Bit));
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
      // A hybrid's peer may answer our v1 handshake (with the v2 bit) under the v2 hash: BEP 52's upgrade.
      const upgraded = this.upgradeHash !== null && parsed.infoHash.equals(this.upgradeHash);
      if (!parsed.infoHash.equals(this.infoHash) && !upgraded) return this.violation('handshake for a different torrent');
      this.acceptHandshake(parsed);
      if (!this.closed && joined.length > HANDSHAKE_LENGTH) this.reader?.push(joined.subarray(HANDSHAKE_LENGTH));
      return;
    }
    this.reader?.push(chunk);
    if (!this.closed && this.unsentBytes >= this.replyBound) this.stopReading();
  }

  /** Reading was stopped because the peer does not read what we send (see stopReading). */
  private readingStopped = false;

  /**
   * The peer takes nothing of what we send and we hold its replies up to the bound: reading
   * what it sends is stopped too, until its socket drains. Its further requests would only be
   * parsed and dropped — 50 such peers flooding requests held the event loop for seconds —
   * and TCP's flow control now slows the sender instead. A peer that never reads again is
   * closed by the inactivity timeout, as nothing is received from it any more.
   */
  private stopReading(): void {
    if (this.readingStopped) return;
    this.readingStopped = true;
    this.socket.pause();
  }

  private readAgain(): void {
    if (!this.readingStopped || this.closed || this.unsentBytes >= this.replyBound) return;
    this.readingStopped = false;
    this.socket.resume();
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

  /** Its handshake has the BEP 5 DHT bit: it runs a DHT node and takes a PORT message. */
  get supportsDht(): boolean {
    return this.remote?.dht === true;
  }

  /** Its PORT message was acted on: later ones are read and ignored (one ping per connection at most). */
  private dhtPortSeen = false;

  /** What the remote has (from its bitfield, have-all/none and have messages). */
  get pieces(): RemotePiecesView {
    return this.remotePieces;
  }

  /** The remote's pieces as a bitfield; null while unknown or when it has every piece. */
  get bitfield(): ReadonlyBitfield | null {
    return this.remotePieces.bitfield;
  }

  get isSeed(): boolean {
    return this.remotePieces.isSeed;
  }

  get client(): string {
    // Asked for every verified piece and every stats poll: decoded again only when its inputs change.
    const advertised = this.extensions?.client ?? null;
    const cached = this.clientCache;
    if (cached && cached.peerId === this.remotePeerId && cached.advertised === advertised) return cached.name;
    const name = clientName(this.remotePeerId, advertised);
    this.clientCache = { peerId: this.remotePeerId, advertised, name };
    return name;
  }

  has(index: number): boolean {
    return this.remotePieces.has(index);
  }

  /** Pieces we let this peer request while we choke it (our BEP 6 allowed-fast set). */
  get grantedFast(): ReadonlySet<number> {
    return this.granted;
  }

  addRequestKeysTo(keys: Set<number>): void {
    this.requests.addKeysTo(keys);
  }

  /** Requests in flight, oldest first (a copy). */
  get outstanding(): OutstandingRequest[] {
    return this.requests.outstanding;
  }

  /** For the picker (PickerPeer): every request we have in flight here counts. */
  get outstandingRequests(): number {
    return this.requests.size;
  }

  get snubbed(): boolean {
    return this.requests.snubbed;
  }

  /** Good blocks received, for the JSON report's "peers that sent data". */
  get blocksReceived(): number {
    return this.requests.blocksReceived;
  }

  /** Pieces this peer contributed to that failed their hash check. */
  get hashFailures(): number {
    return this.failedPieces;
  }

  /** A piece it contributed to (`alone`: it alone) failed its hash check; returns the counts so far. */
  recordHashFailure(alone: boolean): HashFailureCount {
    this.failedPieces++;
    if (alone) this.failedAlone++;
    return { total: this.failedPieces, alone: this.failedAlone };
  }

  /** The traffic is RC4-encrypted (MSE chose it). */
  get rc4(): boolean {
    return this.cipher !== null;
  }

  /** Upper bound on requests in flight: our pipeline target, capped by the peer's `reqq`. */
  get requestLimit(): number {
    const reqq = this.extensions?.reqq ?? 250;
    return Math.max(1, Math.min(this.requests.pipelineDepth, reqq));
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
    if (!choking) return;
    const dropped = this.uploads.clear();
    // BEP 6: requests dropped by a choke must be rejected explicitly; without it they just go.
    if (this.supportsFast) for (const r of dropped) this.send(msg.rejectRequest(r.index, r.begin, r.length));
  }

  /** BEP 6: lets the peer request this piece while we choke it. */
  grantAllowedFast(index: number): void {
    if (this.granted.has(index)) return;
    this.granted.add(index);
    this.send(msg.allowedFast(index));
  }

  /** Sends a batch of requests in one write and records them as outstanding. */
  sendRequests(picks: readonly RequestPick[]): void {
    if (picks.length === 0) return;
    this.requests.sent(picks, Date.now());
    const frames = Buffer.allocUnsafe(msg.REQUEST_FRAME_BYTES * picks.length);
    for (let i = 0; i < picks.length; i++) {
      const pick = picks[i]!;
      msg.writeRequest(frames, i * msg.REQUEST_FRAME_BYTES, pick.piece.index, pick.begin, pick.length);
    }
    this.send(frames);
  }

  /** Cancels a request in flight (endgame duplicate, snub). */
  sendCancel(req: OutstandingRequest): void {
    this.requests.remove(req.piece.index, req.block);
    this.send(msg.cancel(req.piece.index, req.begin, req.length));
  }

  /**
   * Sends a block we were asked for: header and data as two writes, no copy of the data in
   * plaintext (RC4 encrypts a copy). `done` is the socket's write callback: it runs once, when
   * the socket no longer needs `data` — without an error once the kernel has taken the block,
   * with one when the connection died first. Only the first counts as uploaded.
   */
  sendBlock(index: number, begin: number, data: Buffer, done: (err?: Error | null) => void): void {
    if (this.closed) return done(CONNECTION_CLOSED);
    this.socket.cork();
    this.sendRaw(msg.pieceHeader(index, begin, data.length), false);
    this.socket.write(this.cipher ? this.cipher.encrypt(data) : data, done);
    process.nextTick(() => this.socket.uncork());
  }

  /**
   * Bytes we hold for this peer and it has not taken yet: the socket's backlog (encrypted
   * copies included, and each message's overhead) plus blocks being read or rate-limited for
   * it. Uploads stop above a bound.
   */
  get unsentBytes(): number {
    return this.socket.writableLength + this.gatheredLength + this.uploads.preparingBytes + this.queuedMessages * QUEUED_MESSAGE_OVERHEAD;
  }

  /** Unsent bytes this peer may make us hold: its part of the session's total (send-shares.ts). */
  get sendShare(): number {
    return this.shares.share;
  }

  /** Unsent bytes from which requests that only cost us a reply get none (reply-bound.ts). */
  get replyBound(): number {
    return replyDropBound(this.shares.share);
  }

  /**
   * Runs `callback` once the socket's backlog has drained ('drain'); replaces an earlier one.
   * It gets the connection, so one function can serve every peer (nothing allocated per call).
   */
  whenWritable(callback: (peer: PeerConnection) => void): void {
    this.onDrain = callback;
  }

  /** Messages written to the socket and not yet taken by the kernel (see QUEUED_MESSAGE_OVERHEAD). */
  private queuedMessages = 0;
  /** The write callback of each message: one function for all. */
  private readonly messageTaken = (): void => {
    this.queuedMessages--;
  };

  /** The socket is corked until the end of this event-loop turn (see sendRaw). */
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.flushGathered();
    this.socket.uncork();
  };

  /** Small messages of this turn not yet written to the socket, copied end to end (see sendRaw). */
  private gathered: Buffer | null = null;
  private gatheredLength = 0;

  /** @param gather whether the frame may be gathered with others (a block's header is not: its data follows at once). */
  private sendRaw(frame: Buffer, gather = true): void {
    if (this.closed) return;
    this.lastSent = Date.now();
    if (!this.corked) {
      // Messages sent in one turn of the event loop (haves, request batches, block headers)
      // leave in one system call when it ends, rather than one each.
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncork);
    }
    // Behind a backlog, small messages are copied into one buffer that becomes a single write
    // when the turn ends: each socket write costs the stream an entry, a callback and a Buffer
    // object (~300 bytes of heap), so a peer that reads nothing and earns a 17-byte reject per
    // request held twice what was counted for it (17 + QUEUED_MESSAGE_OVERHEAD bytes a reject):
    // 10 such peers for 5 s grew the seed by 264 MiB, 230 of them heap.
    // Without a backlog each message is written at once, as the kernel takes it anyway.
    if (!gather || frame.length > GATHER_MESSAGE_MAX || (this.gatheredLength === 0 && this.socket.writableLength < GATHER_BACKLOG)) {
      this.flushGathered();
      this.writeChunk(frame);
      return;
    }
    if (this.gatheredLength + frame.length > GATHER_BYTES) this.flushGathered();
    // Kept while the connection lives: only a peer that once had a backlog has one.
    this.gathered ??= Buffer.allocUnsafeSlow(GATHER_BYTES);
    frame.copy(this.gathered, this.gatheredLength);
    this.gatheredLength += frame.length;
  }

  /** Writes the gathered small messages as one chunk of their own size (the buffer is reused). */
  private flushGathered(): void {
    if (this.gathered === null || this.gatheredLength === 0) return;
    const chunk = Buffer.allocUnsafe(this.gatheredLength);
    this.gathered.copy(chunk, 0, 0, this.gatheredLength);
    this.gatheredLength = 0;
    this.writeChunk(chunk);
  }

  private writeChunk(bytes: Buffer): void {
    this.queuedMessages++;
    this.socket.write(this.cipher ? this.cipher.encrypt(bytes) : bytes, this.messageTaken);
  }

  // --- receiving (FrameSink) ------------------------------------------------------------

  keepAlive(): void {}

  payloadLimit(id: number): number | 'skip' {
    return payloadLimit(id, this.handler?.pieceCount ?? 0);
  }

  message(id: number, payload: Buffer): void {
    this.messagesSeen++;
    const h = this.handler;
    if (!h) return;
    if (FAST_EXTENSION_MESSAGES.has(id) && !this.supportsFast) return this.violation(`${MESSAGE_NAMES[id]}: a fast-extension message without the fast extension`);
    if (id === MessageId.Extended && !this.supportsExtensions) return this.violation('extended message without the extension protocol');
    const badLength = payloadLengthError(id, payload.length);
    if (badLength) return this.violation(badLength);
    switch (id) {
      case MessageId.Choke: return this.onChoke(h, true);
      case MessageId.Unchoke: return this.onChoke(h, false);
      case MessageId.Interested: return this.onInterest(h, true);
      case MessageId.NotInterested: return this.onInterest(h, false);
      case MessageId.Have: return this.onHave(h, payload.readUInt32BE(0));
      case MessageId.Bitfield: return this.onPieceSet(h, this.remotePieces.bitfieldMessage(payload, h.pieceCount));
      case MessageId.HaveAll: return this.onPieceSet(h, this.remotePieces.haveAll());
      case MessageId.HaveNone: return this.onPieceSet(h, this.remotePieces.haveNone(h.pieceCount));
      case MessageId.Request: return this.onBlockMessage(h, id, payload, h.peerRequest);
      case MessageId.Cancel: return this.onBlockMessage(h, id, payload, h.peerCancel);
      case MessageId.RejectRequest: return this.onBlockMessage(h, id, payload, h.peerReject);
      case MessageId.AllowedFast: return this.onAllowedFast(h, payload.readUInt32BE(0));
      case MessageId.Suggest: return this.onSuggest(h, payload.readUInt32BE(0));
      case MessageId.Extended: return this.onExtended(h, payload[0]!, payload.subarray(1));
      case MessageId.HashRequest:
        if (this.unsentBytes >= this.replyBound) return;
        return h.peerHashMessage?.(this, id, payload);
      case MessageId.Hashes:
      case MessageId.HashReject: return h.peerHashMessage?.(this, id, payload);
      case MessageId.Port: return this.onDhtPort(h, payload.readUInt16BE(0));
      // Unknown ids are read and ignored: newer extensions must not break old peers.
      default: return;
    }
  }

  private onDhtPort(h: PeerHandler, port: number): void {
    if (this.dhtPortSeen || port === 0) return;
    this.dhtPortSeen = true;
    h.peerDhtPort?.(this, port);
  }

  private onChoke(h: PeerHandler, choking: boolean): void {
    this.peerChoking = choking;
    if (choking) h.peerChoked(this);
    else h.peerUnchoked(this);
  }

  private onInterest(h: PeerHandler, interested: boolean): void {
    this.peerInterested = interested;
    h.peerInterest(this, interested);
  }

  private onHave(h: PeerHandler, index: number): void {
    const outcome = this.remotePieces.have(index, h.pieceCount);
    if (typeof outcome === 'object') return this.violation(outcome.violation);
    if (outcome === 'new' || outcome === 'now-seed') h.peerHave(this, index);
  }

  /** A bitfield, have-all or have-none was taken (or refused with a violation). */
  private onPieceSet(h: PeerHandler, violation: string | null): void {
    if (violation) return this.violation(violation);
    if (h.pieceCount > 0) h.peerBitfield(this);
  }

  private onBlockMessage(h: PeerHandler, id: number, payload: Buffer, report: PeerHandler['peerRequest']): void {
    const index = payload.readUInt32BE(0);
    const n = h.pieceCount;
    if (n > 0 && index >= n) return this.violation(`${MESSAGE_NAMES[id]} for piece ${index} of ${n}`);
    report.call(h, this, index, payload.readUInt32BE(4), payload.readUInt32BE(8));
  }

  private onAllowedFast(h: PeerHandler, index: number): void {
    if (h.pieceCount > 0 && index >= h.pieceCount) return;
    if (this.allowedFast.size < 256) this.allowedFast.add(index);
    h.peerAllowedFast(this, index);
  }

  private onSuggest(h: PeerHandler, index: number): void {
    if (h.pieceCount > 0 && index >= h.pieceCount) return;
    h.peerSuggest(this, index);
  }

  private onExtended(h: PeerHandler, extId: number, body: Buffer): void {
    if (extId !== 0) return h.peerExtended(this, extId, body);
    const parsed = decodeExtensionHandshake(body);
    if (typeof parsed === 'string') return this.violation(`bad extension handshake: ${parsed}`);
    this.extensions = parsed;
    h.peerExtensionHandshake(this);
  }

  /**
   * The piece count is known now (a magnet's metadata arrived): what the peer told us meanwhile
   * is checked and applied. False when it broke the rules (the connection is closed then).
   */
  learnPieceCount(pieceCount: number): boolean {
    const violation = this.remotePieces.learnPieceCount(pieceCount);
    if (violation) this.violation(violation);
    return !violation;
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
    // In case no 'drain' came (the backlog shrank below the bound without emptying).
    this.readAgain();
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
    this.leaveShares();
    // What was sent this turn goes out first (as it did when every message was written at once).
    if (this.corked) this.uncork();
    this.gathered = null;
    this.socket.destroy();
    const handler = this.handler;
    this.handler = null;
    handler?.peerClosed(this, reason);
  }
}
