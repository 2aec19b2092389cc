import net from 'node:net';
import { webcrypto } from 'node:crypto';
import type {
  EngineTorrent,
  FilePriority,
  FileStats,
  PeerAddress,
  PeerStats,
  TorrentEvents,
  TorrentInfo,
  TorrentState,
  TorrentStats,
  TrackerStats,
} from '../api.js';
import type { Metainfo } from '../metainfo/index.js';
import { resolveInSaveDir } from '../metainfo/index.js';
import { PeerConnection, requestKey, type OutstandingRequest } from '../peer/peer-connection.js';
import type { PeerHandler } from '../peer/peer-handler.js';
import type { PieceDownload } from '../picker/piece-download.js';
import { PiecePicker, type BlockPick } from '../picker/piece-picker.js';
import { Storage } from '../storage/storage.js';
import { RateMeter } from '../util/rate-meter.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import * as msg from '../wire/encode.js';
import { encodeExtensionHandshake } from '../wire/extension-handshake.js';
import type { Handshake } from '../wire/handshake.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { chooseUnchoked, nextOptimistic } from './choker.js';
import { PeerCandidates } from './peer-candidates.js';

/** What a torrent needs from its session. */
export interface TorrentContext {
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly clientName: string;
  /** One read buffer shared by all outgoing sockets (reads are synchronous: never held across calls). */
  readonly readBuffer: Buffer;
  readonly maxPeers: number;
  warn(message: string): void;
}

/** Requests we keep per peer at most; libtorrent's default queue is 500 too. */
const MAX_PIPELINE = 500;
/** Seconds of transfer the request pipeline should cover (issue: rate × 3 s / 16 KiB). */
const PIPELINE_SECONDS = 3;
/** A peer that sends nothing for this long while we wait on it is snubbed; its requests go elsewhere. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Stop requesting while this many verified bytes wait to be written: the disk sets the pace. */
const MAX_PENDING_DISK_BYTES = 32 * 1024 * 1024;
/** Hash failures after which a peer is banned. */
const BAN_AFTER_FAILURES = 2;
const UPLOAD_SLOTS = 8;
const MAX_QUEUED_UPLOAD_REQUESTS = 500;
const CONNECT_TIMEOUT_MS = 10_000;

interface BlockInProgress {
  req: OutstandingRequest | null;
}

/**
 * One torrent: its peers, picker and storage, and the download/upload logic that joins
 * them. Connections report here through `PeerHandler`; this class decides what to
 * request, verifies pieces, writes them and tells everyone what we have.
 */
export class Torrent extends TypedEmitter<TorrentEvents> implements EngineTorrent, PeerHandler {
  readonly infoHash: string;
  readonly picker: PiecePicker;
  readonly storage: Storage;
  private readonly peersById = new Map<string, PeerConnection>();
  private readonly connecting = new Set<string>();
  private readonly candidates = new PeerCandidates();
  private readonly currentBlock = new WeakMap<PeerConnection, BlockInProgress>();
  private readonly recentlyCancelled = new WeakMap<PeerConnection, Set<number>>();
  private readonly peerAddressOf = new WeakMap<PeerConnection, PeerAddress>();
  private readonly failedPieces = new Set<number>();
  private readonly filePriorities: FilePriority[];
  private readonly downloadMeter = new RateMeter();
  private readonly uploadMeter = new RateMeter();
  private stateValue: TorrentState = 'checking';
  private errorMessage: string | null = null;
  private pendingDiskBytes = 0;
  private downloadedBytes = 0;
  private uploadedBytes = 0;
  private hashFailureCount = 0;
  private readonly peersThatSentData = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private optimistic: string | null = null;
  private tickCount = 0;
  private completedAtValue: number | null = null;
  private readonly addedAt = Date.now();
  private stopped = false;

  constructor(
    readonly meta: Metainfo,
    readonly savePath: string,
    private readonly ctx: TorrentContext,
  ) {
    super();
    this.infoHash = meta.infoHashHex;
    this.picker = new PiecePicker(meta.pieceCount, meta.pieceLength, meta.lastPieceLength);
    this.storage = new Storage(savePath, meta.files, meta.pieceLength, meta.totalLength, resolveInSaveDir);
    this.filePriorities = meta.files.map((f) => (f.pad ? 0 : 1));
    this.markPadOnlyPiecesUnwanted();
  }

  get pieceCount(): number {
    return this.meta.pieceCount;
  }

  get state(): TorrentState {
    return this.stateValue;
  }

  /** Peers that delivered at least one good block during this session. */
  get dataPeerCount(): number {
    return this.peersThatSentData.size;
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Prepares the files, re-checks data already on disk, then starts connecting. */
  async start(paused = false): Promise<void> {
    try {
      await this.storage.prepare();
      await this.checkExistingData();
    } catch (err) {
      return this.fail(`cannot use the save folder: ${errorText(err)}`);
    }
    if (paused) return this.setState('paused');
    this.run();
  }

  private run(): void {
    this.stopped = false;
    this.setState(this.picker.finished ? 'seeding' : 'downloading');
    if (this.picker.finished && this.completedAtValue === null) this.completedAtValue = Date.now();
    this.timers.push(setInterval(() => this.tick(), 1000));
    this.connectMore();
  }

  async pause(): Promise<void> {
    if (this.stateValue === 'paused') return;
    this.halt('paused');
    this.setState('paused');
  }

  async resume(): Promise<void> {
    if (this.stateValue !== 'paused' && this.stateValue !== 'error') return;
    this.errorMessage = null;
    this.run();
  }

  /** Closes every connection and stops timers; data and state stay as they are. */
  async stop(): Promise<void> {
    this.halt('torrent stopped');
    await this.storage.close();
  }

  private halt(reason: string): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const peer of [...this.peersById.values()]) peer.close(reason);
  }

  private fail(message: string): void {
    this.errorMessage = message;
    this.halt(message);
    this.setState('error');
    this.emit('error', message);
    this.ctx.warn(`${this.meta.name}: ${message}`);
  }

  private setState(state: TorrentState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private async checkExistingData(): Promise<void> {
    const sizes = await this.storage.existingSizes();
    if (!sizes.some((s) => s !== null && s > 0)) return;
    this.setState('checking');
    for (let index = 0; index < this.meta.pieceCount; index++) {
      if (!this.pieceFilesPresent(index, sizes)) continue;
      let data: Buffer;
      try {
        data = await this.storage.read(index, 0, this.picker.pieceSize(index));
      } catch {
        continue;
      }
      if (await this.hashMatches(index, data)) {
        this.picker.markHave(index);
        this.emit('piece', index, true);
      }
    }
  }

  private pieceFilesPresent(index: number, sizes: Array<number | null>): boolean {
    return this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index)).every((seg) => {
      const file = this.meta.files[seg.fileIndex]!;
      const size = sizes[seg.fileIndex];
      return file.pad || (size !== null && size !== undefined && size >= seg.fileOffset + seg.length);
    });
  }

  /** Pieces made only of pad files are never requested (nobody needs to send zeros). */
  private markPadOnlyPiecesUnwanted(): void {
    if (!this.meta.files.some((f) => f.pad)) return;
    for (let index = 0; index < this.meta.pieceCount; index++) {
      const segs = this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index));
      if (segs.length > 0 && segs.every((s) => this.meta.files[s.fileIndex]!.pad)) this.picker.setWanted(index, false);
    }
  }

  // --- peers: connecting ------------------------------------------------------------------

  addPeers(peers: PeerAddress[]): void {
    let added = false;
    for (const p of peers) added = this.candidates.add(p) || added;
    if (added && !this.stopped && this.stateValue !== 'paused') this.connectMore();
  }

  private get connectionCount(): number {
    return this.peersById.size + this.connecting.size;
  }

  private connectMore(): void {
    if (this.stopped || this.stateValue === 'error' || this.stateValue === 'paused') return;
    const now = Date.now();
    const toDial: PeerAddress[] = [];
    for (const address of this.candidates.ready(now)) {
      if (this.connectionCount + toDial.length >= this.ctx.maxPeers) break;
      toDial.push(address);
    }
    for (const address of toDial) this.dial(address);
  }

  private dial(address: PeerAddress): void {
    const key = PeerCandidates.key(address);
    this.candidates.markConnecting(address);
    this.connecting.add(key);
    let peer: PeerConnection | null = null;
    const socket = net.connect({
      host: address.host,
      port: address.port,
      onread: {
        buffer: this.ctx.readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          peer?.receive(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        },
      },
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timeout')));
    const onEarlyError = (err: Error): void => {
      this.connecting.delete(key);
      this.candidates.markDisconnected(address, true);
      this.ctx.warn(`${key}: ${err.message}`);
    };
    socket.once('error', onEarlyError);
    socket.once('connect', () => {
      socket.off('error', onEarlyError);
      socket.setTimeout(0);
      this.connecting.delete(key);
      if (this.stopped) {
        socket.destroy();
        this.candidates.markDisconnected(address, false);
        return;
      }
      peer = this.createPeer(socket, key, false);
      this.peerAddressOf.set(peer, address);
      peer.start();
    });
  }

  /** A peer dialled us and its handshake named this torrent (the session routed it here). */
  acceptIncoming(socket: net.Socket, handshake: Handshake, leftover: Buffer): void {
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    if (this.stopped || this.stateValue === 'paused' || this.stateValue === 'error' || this.peersById.size >= this.ctx.maxPeers) {
      socket.destroy();
      return;
    }
    const peer = this.createPeer(socket, address, true);
    socket.on('data', (chunk: Buffer) => peer.receive(chunk));
    peer.start(handshake, leftover);
  }

  private createPeer(socket: net.Socket, address: string, incoming: boolean): PeerConnection {
    const peer = new PeerConnection(socket, this, {
      infoHash: this.meta.infoHash,
      ourPeerId: this.ctx.peerId,
      incoming,
      address,
      opening: (p) => this.sendOpening(p),
    });
    return peer;
  }

  private sendOpening(peer: PeerConnection): void {
    if (peer.supportsExtensions) {
      const hs = encodeExtensionHandshake({
        listenPort: this.ctx.listenPort,
        client: this.ctx.clientName,
        reqq: MAX_QUEUED_UPLOAD_REQUESTS,
        metadataSize: this.meta.infoBytes.length,
        uploadOnly: this.picker.finished,
      });
      peer.send(msg.extended(0, hs));
    }
    const have = this.picker.have;
    if (peer.supportsFast && have.count === 0) peer.send(msg.haveNone());
    else if (peer.supportsFast && have.complete) peer.send(msg.haveAll());
    else if (have.count > 0) peer.send(msg.bitfield(have.bytes));
  }

  // --- PeerHandler ------------------------------------------------------------------------

  peerReady(peer: PeerConnection): void {
    for (const other of this.peersById.values()) {
      if (other.remotePeerId && peer.remotePeerId && other.remotePeerId.equals(peer.remotePeerId)) {
        peer.close('duplicate connection to the same peer');
        return;
      }
    }
    this.peersById.set(peer.id, peer);
  }

  peerBitfield(peer: PeerConnection): void {
    if (peer.isSeed) this.picker.seedJoined();
    else if (peer.bitfield) this.picker.peerBitfield(peer.bitfield, 1);
    this.updateInterest(peer);
  }

  peerHave(peer: PeerConnection, index: number): void {
    if (peer.isSeed && peer.bitfield?.complete) {
      // It just became a seed: count it as one (O(1) from now on).
      peer.bitfield.clear(index);
      this.picker.peerBitfield(peer.bitfield, -1);
      peer.bitfield.set(index);
      peer.haveAll = true;
      this.picker.seedJoined();
    } else {
      this.picker.peerHas(index);
    }
    if (!peer.amInterested && !this.picker.have.has(index) && this.picker.isWanted(index)) peer.setInterested(true);
    this.pump(peer);
  }

  peerChoked(peer: PeerConnection): void {
    // Without the fast extension a choke silently drops every request we had queued there.
    if (!peer.supportsFast) this.releaseRequests(peer, false);
  }

  peerUnchoked(peer: PeerConnection): void {
    this.pump(peer);
  }

  peerInterest(peer: PeerConnection, interested: boolean): void {
    if (interested && peer.amChoking && this.unchokedCount() < UPLOAD_SLOTS) peer.setChoking(false);
    if (!interested && !peer.amChoking) peer.setChoking(true);
  }

  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    const block = begin / BLOCK_SIZE;
    const req = Number.isInteger(block) ? peer.outstanding.get(requestKey(index, block)) : undefined;
    if (req && req.length === length) {
      // A piece that was reset (hash failure) or is being verified must not be written into:
      // its buffer may already belong to another piece.
      const live = this.picker.inFlight.get(index) === req.piece && !req.piece.verifying;
      this.currentBlock.set(peer, { req: live ? req : null });
      if (!live) peer.outstanding.delete(requestKey(index, block));
      return true;
    }
    // Blocks we cancelled (endgame) or dropped (choke) may still be on the wire: discard quietly.
    const cancelled = this.recentlyCancelled.get(peer);
    if (Number.isInteger(block) && cancelled?.delete(requestKey(index, block))) {
      this.currentBlock.set(peer, { req: null });
      return true;
    }
    if (index < this.meta.pieceCount && this.picker.have.has(index) && length <= BLOCK_SIZE) {
      this.currentBlock.set(peer, { req: null });
      return true;
    }
    peer.close(`sent piece ${index} offset ${begin} length ${length}, which was never requested`);
    return false;
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    const current = this.currentBlock.get(peer);
    const req = current?.req;
    if (!req) return;
    bytes.copy(req.piece.buffer, req.begin + offsetInBlock);
  }

  blockEnd(peer: PeerConnection): void {
    const current = this.currentBlock.get(peer);
    this.currentBlock.delete(peer);
    const req = current?.req;
    this.downloadedBytes += req?.length ?? 0;
    if (!req) return;
    const { piece, block, length } = req;
    peer.outstanding.delete(requestKey(piece.index, block));
    peer.downloadMeter.add(length);
    this.downloadMeter.add(length);
    peer.lastBlockAt = Date.now();
    peer.snubbed = false;
    peer.blocksReceived++;
    this.peersThatSentData.add(peer.address);
    this.growPipeline(peer);
    if (this.picker.inFlight.get(piece.index) !== piece) return; // piece was reset (hash failure) meanwhile
    if (piece.markArrived(block)) {
      piece.contributors.add(peer);
      this.emit('block', piece.index, piece.received, piece.blockCount);
      if (piece.requests[block]! > 0) this.cancelDuplicates(peer, piece, block);
      if (piece.complete) void this.verifyPiece(piece);
    }
    const free = peer.requestLimit - peer.outstanding.size;
    if (free >= Math.max(1, peer.requestLimit >> 3)) this.pump(peer);
  }

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    const valid =
      length > 0 && length <= BLOCK_SIZE && index < this.meta.pieceCount && begin + length <= this.picker.pieceSize(index) && this.picker.have.has(index);
    const allowed = !peer.amChoking && peer.incomingRequests.size < MAX_QUEUED_UPLOAD_REQUESTS;
    if (!valid || !allowed) {
      if (peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
      return;
    }
    const key = uploadKey(index, begin);
    peer.incomingRequests.set(key, [index, begin, length]);
    void this.serveRequest(peer, key, index, begin, length);
  }

  peerCancel(peer: PeerConnection, index: number, begin: number, _length: number): void {
    peer.incomingRequests.delete(uploadKey(index, begin));
  }

  peerReject(peer: PeerConnection, index: number, begin: number, _length: number): void {
    const block = begin / BLOCK_SIZE;
    const key = requestKey(index, block);
    const req = peer.outstanding.get(key);
    if (!req) return;
    peer.outstanding.delete(key);
    req.piece.release(req.block);
    this.pumpAll();
  }

  peerAllowedFast(_peer: PeerConnection, _index: number): void {}

  peerSuggest(_peer: PeerConnection, _index: number): void {}

  peerExtensionHandshake(_peer: PeerConnection): void {}

  peerExtended(_peer: PeerConnection, _localId: number, _payload: Buffer): void {}

  peerClosed(peer: PeerConnection, reason: string): void {
    const known = this.peersById.delete(peer.id);
    if (known) {
      if (peer.isSeed && (peer.haveAll || peer.bitfield?.complete)) {
        if (peer.bitfield || peer.haveAll) this.picker.seedLeft();
      } else if (peer.bitfield) {
        this.picker.peerBitfield(peer.bitfield, -1);
      }
    }
    this.releaseRequests(peer, false);
    this.picker.disown(peer);
    const address = this.peerAddressOf.get(peer);
    if (address) this.candidates.markDisconnected(address, !known || peer.blocksReceived === 0 && !/closed by peer/.test(reason));
    if (known && !/stopped|paused|seeds|banned/.test(reason)) this.ctx.warn(`${peer.address}: ${reason}`);
    if (!this.stopped) {
      this.pumpAll();
      setTimeout(() => this.connectMore(), 100).unref();
    }
  }

  // --- requesting -------------------------------------------------------------------------

  private updateInterest(peer: PeerConnection): void {
    const interesting = this.picker.peerIsInteresting(peer, peer.isSeed);
    peer.setInterested(interesting);
    if (interesting) this.pump(peer);
  }

  /** Fills the peer's request pipeline. */
  private pump(peer: PeerConnection): void {
    if (!peer.isOpen || !peer.amInterested || peer.peerChoking || this.stopped) return;
    if (this.pendingDiskBytes > MAX_PENDING_DISK_BYTES) return;
    const free = peer.requestLimit - peer.outstanding.size;
    if (free <= 0) return;
    const picks: BlockPick[] = [];
    this.picker.pick(peer, free, picks);
    peer.sendRequests(picks);
  }

  private pumpAll(): void {
    for (const peer of this.peersById.values()) this.pump(peer);
  }

  /** Slow start (one more slot per block received), then rate × PIPELINE_SECONDS worth of blocks. */
  private growPipeline(peer: PeerConnection): void {
    const byRate = Math.ceil((peer.downloadMeter.rate() * PIPELINE_SECONDS) / BLOCK_SIZE);
    const next = Math.max(peer.pipelineDepth + 1, byRate);
    peer.pipelineDepth = Math.max(2, Math.min(MAX_PIPELINE, next));
  }

  /** Gives back a peer's outstanding requests so other peers can take them. */
  private releaseRequests(peer: PeerConnection, sendCancel: boolean): void {
    for (const req of peer.outstanding.values()) {
      req.piece.release(req.block);
      if (sendCancel) {
        peer.send(msg.cancel(req.piece.index, req.begin, req.length));
        this.rememberCancel(peer, requestKey(req.piece.index, req.block));
      }
    }
    const pieces = new Set([...peer.outstanding.values()].map((r) => r.piece));
    peer.outstanding.clear();
    for (const piece of pieces) this.picker.abandonIfUntouched(piece);
  }

  private cancelDuplicates(receivedFrom: PeerConnection, piece: PieceDownload, block: number): void {
    const key = requestKey(piece.index, block);
    for (const other of this.peersById.values()) {
      if (other === receivedFrom) continue;
      const req = other.outstanding.get(key);
      if (!req) continue;
      other.sendCancel(req);
      this.rememberCancel(other, key);
      piece.release(block);
    }
  }

  private rememberCancel(peer: PeerConnection, key: number): void {
    let set = this.recentlyCancelled.get(peer);
    if (!set) this.recentlyCancelled.set(peer, (set = new Set()));
    if (set.size > 4096) set.clear();
    set.add(key);
  }

  // --- pieces -----------------------------------------------------------------------------

  private async hashMatches(index: number, data: Buffer): Promise<boolean> {
    // WebCrypto hashes on the libuv thread pool: the event loop keeps serving sockets meanwhile.
    const digest = Buffer.from(await webcrypto.subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>));
    return digest.equals(this.meta.pieceHashes.subarray(index * 20, index * 20 + 20));
  }

  private async verifyPiece(piece: PieceDownload): Promise<void> {
    piece.verifying = true;
    this.pendingDiskBytes += piece.length;
    try {
      if (!(await this.hashMatches(piece.index, piece.buffer))) return this.pieceFailed(piece);
      await this.storage.writePiece(piece.index, piece.buffer);
      if (this.stopped && this.stateValue === 'error') return;
      this.pieceVerified(piece.index);
    } catch (err) {
      this.picker.pieceFailed(piece.index);
      this.fail(`disk write failed: ${errorText(err)}`);
    } finally {
      this.picker.buffers.give(piece.buffer);
      this.pendingDiskBytes -= piece.length;
      if (this.pendingDiskBytes <= MAX_PENDING_DISK_BYTES) this.pumpAll();
    }
  }

  private pieceVerified(index: number): void {
    if (!this.picker.markHave(index)) return;
    this.failedPieces.delete(index);
    const have = msg.have(index);
    for (const peer of this.peersById.values()) peer.send(have);
    this.emit('piece', index, true);
    if (this.picker.finished) this.finish();
  }

  private pieceFailed(piece: PieceDownload): void {
    this.hashFailureCount++;
    this.failedPieces.add(piece.index);
    this.picker.pieceFailed(piece.index);
    this.emit('piece', piece.index, false);
    for (const contributor of piece.contributors) {
      const peer = contributor as PeerConnection;
      peer.hashFailures++;
      if (peer.hashFailures >= BAN_AFTER_FAILURES) this.ban(peer);
    }
  }

  private ban(peer: PeerConnection): void {
    const address = this.peerAddressOf.get(peer);
    if (address) this.candidates.ban(address);
    this.ctx.warn(`${peer.address}: banned after ${peer.hashFailures} pieces failed their hash check`);
    peer.close('banned: sent data that failed the hash check');
  }

  private finish(): void {
    this.completedAtValue = Date.now();
    this.setState('seeding');
    for (const peer of [...this.peersById.values()]) {
      peer.setInterested(false);
      if (peer.isSeed) peer.close('both are seeds');
    }
    void this.storage.close().finally(() => this.emit('done'));
  }

  // --- upload -----------------------------------------------------------------------------

  private async serveRequest(peer: PeerConnection, key: number, index: number, begin: number, length: number): Promise<void> {
    let data: Buffer;
    try {
      data = await this.storage.read(index, begin, length);
    } catch (err) {
      this.ctx.warn(`read for upload failed: ${errorText(err)}`);
      return;
    }
    if (!peer.incomingRequests.delete(key)) return; // cancelled or choked meanwhile
    peer.sendBlock(index, begin, data);
    this.uploadedBytes += length;
    this.uploadMeter.add(length);
  }

  private unchokedCount(): number {
    let n = 0;
    for (const p of this.peersById.values()) if (!p.amChoking) n++;
    return n;
  }

  private rechoke(): void {
    const peers = [...this.peersById.values()];
    const candidates = peers.map((p) => ({
      id: p.id,
      peerInterested: p.peerInterested,
      downloadRate: p.downloadMeter.rate(),
      uploadRate: p.uploadMeter.rate(),
      isSeed: p.isSeed,
    }));
    if (this.tickCount % 30 === 0) this.optimistic = nextOptimistic(candidates, new Set());
    const chosen = chooseUnchoked(candidates, this.picker.finished, UPLOAD_SLOTS, this.optimistic);
    for (const p of peers) p.setChoking(!chosen.has(p.id));
  }

  // --- periodic ---------------------------------------------------------------------------

  private tick(): void {
    this.tickCount++;
    const now = Date.now();
    for (const peer of this.peersById.values()) {
      if (peer.outstanding.size === 0) continue;
      const oldest = peer.outstanding.values().next().value as OutstandingRequest;
      const waitingSince = Math.max(peer.lastBlockAt, oldest.sentAt);
      if (now - waitingSince > REQUEST_TIMEOUT_MS) {
        peer.snubbed = true;
        peer.pipelineDepth = 2;
        this.releaseRequests(peer, true);
      }
    }
    if (this.tickCount % 10 === 0) this.rechoke();
    if (this.tickCount % 5 === 0 && !this.picker.finished) {
      for (const peer of this.peersById.values()) if (!peer.isSeed) this.updateInterest(peer);
    }
    this.pumpAll();
    this.connectMore();
  }

  // --- snapshots (EngineTorrent) ------------------------------------------------------------

  info(): TorrentInfo {
    const m = this.meta;
    return {
      infoHash: this.infoHash,
      name: m.name,
      size: m.payloadLength,
      pieceLength: m.pieceLength,
      pieceCount: m.pieceCount,
      lastPieceLength: m.lastPieceLength,
      comment: m.comment,
      createdBy: m.createdBy,
      creationDate: m.creationDate,
      private: m.private,
      hasMetadata: true,
    };
  }

  stats(): TorrentStats {
    let seeds = 0;
    for (const p of this.peersById.values()) if (p.isSeed) seeds++;
    return {
      infoHash: this.infoHash,
      name: this.meta.name,
      state: this.stateValue,
      error: this.errorMessage,
      size: this.meta.payloadLength,
      pieceLength: this.meta.pieceLength,
      pieceCount: this.meta.pieceCount,
      verifiedPieces: this.picker.have.count,
      completedBytes: this.completedBytes(),
      downloaded: this.downloadedBytes,
      uploaded: this.uploadedBytes,
      downloadRate: this.downloadMeter.rate(),
      uploadRate: this.uploadMeter.rate(),
      peers: this.peersById.size,
      seeds,
      hashFailures: this.hashFailureCount,
      savePath: this.savePath,
      addedAt: this.addedAt,
      completedAt: this.completedAtValue,
      sequential: this.picker.sequential,
    };
  }

  /** Verified payload bytes: whole pieces, minus the pad bytes inside them. */
  private completedBytes(): number {
    const have = this.picker.have;
    if (have.complete) return this.meta.payloadLength;
    let total = 0;
    for (let i = 0; i < this.meta.pieceCount; i++) if (have.has(i)) total += this.picker.pieceSize(i);
    return Math.min(total, this.meta.payloadLength);
  }

  pieceStatus(): Uint8Array {
    const out = new Uint8Array(this.meta.pieceCount);
    const have = this.picker.have;
    for (let i = 0; i < out.length; i++) if (have.has(i)) out[i] = 2;
    for (const index of this.failedPieces) if (!have.has(index)) out[index] = 3;
    for (const index of this.picker.inFlight.keys()) out[index] = 1;
    return out;
  }

  inFlight(): Array<[number, number, number]> {
    return [...this.picker.inFlight.values()].map((p) => [p.index, p.received, p.blockCount]);
  }

  availability(): Uint16Array {
    const out = new Uint16Array(this.meta.pieceCount);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(0xffff, this.picker.availability(i));
    return out;
  }

  peers(): PeerStats[] {
    return [...this.peersById.values()].map((p) => ({
      id: p.id,
      address: p.address,
      client: p.client,
      incoming: p.incoming,
      flags: peerFlags(p),
      downloadRate: p.downloadMeter.rate(),
      uploadRate: p.uploadMeter.rate(),
      downloaded: p.downloadMeter.totalBytes,
      uploaded: p.uploadMeter.totalBytes,
      progress: p.isSeed ? 1 : p.bitfield ? p.bitfield.count / Math.max(1, this.meta.pieceCount) : 0,
    }));
  }

  files(): FileStats[] {
    const have = this.picker.have;
    return this.meta.files.map((f, index) => {
      let completed = 0;
      const range = this.storage.map.filePieces(index);
      if (range) {
        for (let p = range[0]; p <= range[1]; p++) {
          if (!have.has(p)) continue;
          const start = Math.max(f.offset, p * this.meta.pieceLength);
          const end = Math.min(f.offset + f.length, p * this.meta.pieceLength + this.picker.pieceSize(p));
          completed += Math.max(0, end - start);
        }
      }
      return { index, path: f.path, size: f.length, completedBytes: completed, priority: this.filePriorities[index]!, pad: f.pad };
    });
  }

  trackers(): TrackerStats[] {
    return [];
  }

  setFilePriority(fileIndex: number, priority: FilePriority): void {
    const file = this.meta.files[fileIndex];
    if (!file || file.pad) return;
    this.filePriorities[fileIndex] = priority;
    this.storage.setSkipped(fileIndex, priority === 0);
    const range = this.storage.map.filePieces(fileIndex);
    if (!range) return;
    for (let p = range[0]; p <= range[1]; p++) {
      // A piece is wanted while any wanted file has bytes in it.
      const wanted = this.storage.map.pieceSegments(p, 0, this.picker.pieceSize(p)).some((s) => this.filePriorities[s.fileIndex]! > 0);
      this.picker.setWanted(p, wanted);
    }
    if (this.picker.finished && this.stateValue === 'downloading') this.finish();
    else if (!this.picker.finished && this.stateValue === 'seeding') this.setState('downloading');
    for (const peer of this.peersById.values()) this.updateInterest(peer);
  }

  setSequential(on: boolean): void {
    this.picker.sequential = on;
  }
}

function peerFlags(p: PeerConnection): string {
  const flags: string[] = [];
  if (p.amInterested && !p.peerChoking) flags.push('D');
  else if (p.amInterested) flags.push('d');
  if (p.peerInterested && !p.amChoking) flags.push('U');
  else if (p.peerInterested) flags.push('u');
  if (p.incoming) flags.push('I');
  if (p.supportsExtensions) flags.push('E');
  if (p.snubbed) flags.push('S');
  return flags.join(' ');
}

/** Key for a peer's request to us: pieces < 2^21 and offsets < 2^29, so the product stays exact. */
function uploadKey(index: number, begin: number): number {
  return index * 2 ** 29 + begin;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
