import { requestKey, type OutstandingRequest } from '../peer/block-requests.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import type { PieceDownload } from '../picker/piece-download.js';
import type { BlockPick, PiecePicker } from '../picker/piece-picker.js';
import { copyInto } from '../util/buffer-pool.js';
import { RateMeter } from '../util/rate-meter.js';
import * as msg from '../wire/encode.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { LazySet, LazyWeakMap } from '../util/lazy-collections.js';

/** What requesting and receiving blocks needs from the transfer. */
export interface DownloaderHost {
  /** Connected peers (handshake done). */
  connectedPeers(): Iterable<PeerConnection>;
  /** Requests may go out: the torrent runs and the disk keeps up. */
  canRequest(): boolean;
  blockArrived(index: number, received: number, total: number): void;
  /** Every block of the piece is in: hash and write it. */
  pieceComplete(piece: PieceDownload): void;
  /** A block of a staged piece arrived in `data` (from `picker.buffers`): write it; the buffer is the host's now. */
  stageBlock(piece: PieceDownload, begin: number, data: Buffer): void;
}

/** A peer that sends nothing for this long while we wait on it is snubbed; its requests go elsewhere. */
export const REQUEST_TIMEOUT_MS = 20_000;
/** Cancelled requests remembered per peer (their blocks may still be on the wire). */
const MAX_REMEMBERED_CANCELS = 4096;

/**
 * Requesting blocks and taking them in: keeps every unchoked peer's pipeline full from the
 * picker, copies arriving blocks into their pieces, cancels endgame duplicates, gives back
 * what a choke, a reject, a snub or a disconnect leaves unanswered.
 */
export class BlockDownloader {
  readonly meter = new RateMeter();
  downloadedBytes = 0;
  /** Addresses of peers that sent at least one good block. */
  readonly peersThatSentData = new LazySet<string>();
  /** The block each peer is streaming to us right now (null: one to discard). */
  private readonly currentBlock = new LazyWeakMap<PeerConnection, OutstandingRequest | null>();
  private readonly recentlyCancelled = new LazyWeakMap<PeerConnection, Set<number>>();
  /**
   * The block of a staged piece (no piece buffer) each peer is streaming: a buffer of the block's
   * length per peer, handed to the disk when the block ends. Per peer, so an endgame duplicate
   * streaming at the same time never writes into a block another peer completed.
   */
  private readonly stagingBlock = new LazyWeakMap<PeerConnection, Buffer>();

  constructor(
    private readonly picker: PiecePicker,
    private readonly host: DownloaderHost,
  ) {}

  // --- requesting ------------------------------------------------------------------------

  /** Fills the peer's request pipeline. */
  pump(peer: PeerConnection): void {
    if (!peer.isOpen || !peer.amInterested || peer.peerChoking || !this.host.canRequest()) return;
    const free = peer.requestLimit - peer.requests.size;
    if (free <= 0) return;
    const picks: BlockPick[] = [];
    this.picker.pick(peer, free, picks);
    peer.sendRequests(picks);
  }

  pumpAll(): void {
    for (const peer of this.host.connectedPeers()) this.pump(peer);
  }

  peerChoked(peer: PeerConnection): void {
    // Without the fast extension a choke silently drops every request we had queued there;
    // with it, each one is rejected explicitly (peerReject).
    if (!peer.supportsFast) this.release(peer, false);
  }

  peerReject(peer: PeerConnection, index: number, begin: number): void {
    const block = begin / BLOCK_SIZE;
    const req = Number.isInteger(block) ? peer.requests.remove(index, block) : undefined;
    if (!req) return;
    this.forgetCurrentBlock(peer, req);
    req.piece.release(req.block);
    this.picker.abandonIfUntouched(req.piece);
    this.pumpAll();
  }

  peerGone(peer: PeerConnection): void {
    this.release(peer, false);
    this.picker.disown(peer);
    this.pumpAll();
  }

  /** Peers that kept us waiting REQUEST_TIMEOUT_MS are snubbed: their requests are cancelled and go elsewhere. */
  snubStalled(now: number): void {
    for (const peer of this.host.connectedPeers()) {
      if (!peer.requests.stalled(now, REQUEST_TIMEOUT_MS)) continue;
      peer.requests.snub();
      this.release(peer, true);
    }
  }

  /** Gives back a peer's outstanding requests so other peers can take them. */
  private release(peer: PeerConnection, sendCancel: boolean): void {
    const pieces = new Set<PieceDownload>();
    for (const req of peer.requests.removeAll()) {
      this.forgetCurrentBlock(peer, req);
      req.piece.release(req.block);
      pieces.add(req.piece);
      if (sendCancel) {
        peer.send(msg.cancel(req.piece.index, req.begin, req.length));
        this.rememberCancel(peer, requestKey(req.piece.index, req.block));
      }
    }
    for (const piece of pieces) this.picker.abandonIfUntouched(piece);
  }

  /**
   * A released request's piece may be abandoned and its buffer handed to another piece: the
   * rest of a block the peer is partway through sending for it must be dropped, not copied.
   */
  private forgetCurrentBlock(peer: PeerConnection, req: OutstandingRequest): void {
    if (this.currentBlock.get(peer) === req) this.currentBlock.set(peer, null);
  }

  private cancelDuplicates(receivedFrom: object, piece: PieceDownload, block: number): void {
    for (const other of this.host.connectedPeers()) {
      if (other === receivedFrom) continue;
      const req = other.requests.get(piece.index, block);
      if (!req) continue;
      other.sendCancel(req);
      this.rememberCancel(other, requestKey(piece.index, block));
      piece.release(block);
    }
  }

  private rememberCancel(peer: PeerConnection, key: number): void {
    let set = this.recentlyCancelled.get(peer);
    if (!set) this.recentlyCancelled.set(peer, (set = new Set()));
    if (set.size > MAX_REMEMBERED_CANCELS) set.clear();
    set.add(key);
  }

  // --- receiving -------------------------------------------------------------------------

  /** A block whose bytes another source (a web seed) put in the piece buffer: counted like a peer's. */
  blockFromSource(source: object, piece: PieceDownload, block: number, length: number, staged: Buffer | null = null): void {
    this.downloadedBytes += length;
    this.meter.add(length);
    // A staged piece's block comes in its own buffer (see RunWriter), written before the piece can complete.
    if (staged !== null) {
      if (piece.hasArrived(block) || piece.verifying) this.picker.buffers.give(staged);
      else this.host.stageBlock(piece, block * BLOCK_SIZE, staged);
    } else if (piece.staged && !piece.hasArrived(block)) {
      // (Not expected: RunWriter hands a staged block's bytes over.) Nothing to write: asked again.
      piece.release(block);
      return;
    }
    if (!piece.markArrived(block)) return;
    piece.credit(source);
    this.host.blockArrived(piece.index, piece.received, piece.blockCount);
    if (piece.requestsOf(block) > 0) this.cancelDuplicates(source, piece, block);
    if (piece.complete) this.host.pieceComplete(piece);
  }

  /** A piece message starts: false (and the peer closed) when it is nothing we asked for. */
  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    const block = begin / BLOCK_SIZE;
    const aligned = Number.isInteger(block);
    const req = aligned ? peer.requests.get(index, block) : undefined;
    if (req && req.length === length) {
      // A piece that was reset (hash failure) or is being verified must not be written into:
      // its buffer may already belong to another piece.
      const live = this.picker.inFlight.get(index) === req.piece && !req.piece.verifying;
      this.currentBlock.set(peer, live ? req : null);
      if (!live) peer.requests.remove(index, block);
      else if (req.piece.staged) this.takeStagingBlock(peer, length);
      return true;
    }
    // Blocks we cancelled (endgame, snub) may still be on the wire; blocks of pieces we already
    // have are harmless, if they are blocks we could have asked for (a late answer whose request
    // is forgotten). Both are discarded quietly. Anything else was never requested by anyone.
    const cancelled = aligned && (this.recentlyCancelled.get(peer)?.delete(requestKey(index, block)) ?? false);
    if (cancelled || (aligned && index < this.picker.pieceCount && this.picker.have.has(index) && length === blockLengthAt(this.picker.pieceSize(index), begin))) {
      this.currentBlock.set(peer, null);
      return true;
    }
    peer.violation(`sent piece ${index} offset ${begin} length ${length}, which was never requested`);
    return false;
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    const req = this.currentBlock.get(peer);
    if (!req || !this.isOutstanding(peer, req) || !this.isInFlight(req.piece)) return;
    // An endgame duplicate may still be streaming when the piece completes from another peer:
    // from then on the buffer belongs to the verifier (possibly on a disk thread).
    if (req.piece.verifying) return;
    if (req.piece.buffer) copyInto(req.piece.buffer, req.begin + offsetInBlock, bytes);
    else {
      const staging = this.stagingBlock.get(peer);
      if (staging) copyInto(staging, offsetInBlock, bytes);
    }
  }

  /** A buffer for the staged block the peer starts to send (one left from a block dropped midway is reused). */
  private takeStagingBlock(peer: PeerConnection, length: number): void {
    const held = this.stagingBlock.get(peer);
    if (held?.length === length) return;
    if (held) this.picker.buffers.give(held);
    this.stagingBlock.set(peer, this.picker.buffers.take(length));
  }

  blockEnd(peer: PeerConnection): void {
    const req = this.currentBlock.get(peer);
    this.currentBlock.delete(peer);
    // A request released mid-block may have been asked again under the same key: the end of
    // the old block does not answer that new request.
    if (!req || !this.isOutstanding(peer, req)) return;
    peer.requests.remove(req.piece.index, req.block);
    if (!this.isInFlight(req.piece)) return;
    const { piece, block, length } = req;
    this.downloadedBytes += length;
    peer.downloadMeter.add(length);
    this.meter.add(length);
    if (peer.requests.blockReceived(peer.downloadMeter, Date.now())) this.peersThatSentData.add(peer.address);
    if (piece.staged && !piece.hasArrived(block)) {
      const staging = this.stagingBlock.get(peer);
      // (Not expected: blockStart gave it one.) No bytes to write: the block is asked for again.
      if (staging?.length !== length) {
        piece.release(block);
        return;
      }
      // Handed over before the piece can be reported complete: verifying waits for its blocks' writes.
      this.stagingBlock.delete(peer);
      this.host.stageBlock(piece, req.begin, staging);
    }
    if (piece.markArrived(block)) {
      piece.credit(peer);
      this.host.blockArrived(piece.index, piece.received, piece.blockCount);
      if (piece.requestsOf(block) > 0) this.cancelDuplicates(peer, piece, block);
      if (piece.complete) this.host.pieceComplete(piece);
    }
    // Refill in batches, not one request per block: fewer, larger socket writes.
    const free = peer.requestLimit - peer.requests.size;
    if (free >= refillBatch(peer.requestLimit)) this.pump(peer);
  }

  /**
   * `req` itself, not a later request for the same block, is still outstanding at the peer: once
   * released, its piece may have been abandoned and its buffer handed to another piece.
   */
  private isOutstanding(peer: PeerConnection, req: OutstandingRequest): boolean {
    return peer.requests.get(req.piece.index, req.block) === req;
  }

  /** The piece is still the one being downloaded at its index (not reset or dropped meanwhile). */
  private isInFlight(piece: PieceDownload): boolean {
    return this.picker.inFlight.get(piece.index) === piece;
  }
}

/** The length of the block at `begin` (a multiple of BLOCK_SIZE) of a piece of `pieceSize` bytes; 0 past its end. */
function blockLengthAt(pieceSize: number, begin: number): number {
  return Math.max(0, Math.min(BLOCK_SIZE, pieceSize - begin));
}

/**
 * Free request slots a peer's pipeline waits for before it is refilled (an eighth of it): up to
 * one less than this may stand empty while we still ask a peer for all it may have (health.ts).
 */
export function refillBatch(requestLimit: number): number {
  return Math.max(1, requestLimit >> 3);
}
