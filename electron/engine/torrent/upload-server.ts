import type { PeerConnection } from '../peer/peer-connection.js';
import { MAX_REFUSED_UPLOAD_REQUESTS, type UploadRequest } from '../peer/upload-queue.js';
import { ReadCache, type CachedPiece } from '../storage/read-cache.js';
import type { ReadCacheShares } from '../storage/read-cache-shares.js';
import { RateMeter } from '../util/rate-meter.js';
import { takeAll, type TokenBucket } from '../util/token-bucket.js';
import * as msg from '../wire/encode.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { largestWindow, readWindowOf } from './upload-window.js';

/** What serving uploads needs from the transfer. */
export interface UploadSource {
  /** Pieces we have and may serve. */
  has(index: number): boolean;
  pieceSize(index: number): number;
  readonly pieceCount: number;
  /** Reads `length` bytes of piece `index` from `offset` into `into` (a recycled buffer of at least `length`). */
  readPiece(index: number, offset: number, length: number, into: Buffer): Promise<Buffer>;
  /** Upload rate limits that apply (the torrent's own and the session's). */
  readonly uploadLimits: readonly TokenBucket[];
  /** Data we announced cannot be read. */
  readFailed(err: unknown): void;
}

/** Memory for whole pieces (or windows of large ones: see upload-window.ts) read to serve uploads, outside a session (see ReadCache). */
const READ_CACHE_BYTES = 16 * 1024 * 1024;
/**
 * Unsent bytes we hold per peer before we stop serving it (libtorrent's send_buffer_watermark):
 * the peer's rate × SEND_BUFFER_SECONDS, within these bounds. A peer that does not read its
 * socket has no rate, so it gets the least; a fast one gets enough to never run dry.
 */
const MIN_SEND_BUFFER = 1024 * 1024;
const MAX_SEND_BUFFER = 8 * 1024 * 1024;
const SEND_BUFFER_SECONDS = 0.5;
/** Requests per peer whose piece is being read (or rate-limited) at once: bounds disk reads a peer can cause. */
const MAX_READS_PER_PEER = 4;

/**
 * Answers peers' requests for blocks, with backpressure: a peer is served only while the
 * bytes we hold for it (its socket's backlog, encrypted copies included, plus blocks being
 * read) are under a bound, and resumes when its blocks are taken by the kernel or its
 * socket drains. A block counts as uploaded once the kernel has it, not when it is queued.
 */
export class UploadServer {
  readonly meter = new RateMeter();
  uploadedBytes = 0;
  private readonly cache: ReadCache;
  /** See resume. */
  private resumeFn: ((peer: PeerConnection) => void) | null = null;

  constructor(
    private readonly source: UploadSource,
    private readonly pieceLength: number,
    /** The session's read-cache budget, shared by its uploading torrents. */
    readCacheShares?: ReadCacheShares,
  ) {
    this.cache = new ReadCache(readCacheShares ?? READ_CACHE_BYTES, largestWindow(pieceLength));
  }

  /**
   * Serving a peer again once its socket drained: one function for all peers, made when first
   * needed (an idle torrent keeps none).
   */
  private get resume(): (peer: PeerConnection) => void {
    return (this.resumeFn ??= (peer) => this.serve(peer));
  }

  /** A request from the peer: queued and served, or refused (rejected when the peer knows BEP 6). */
  request(peer: PeerConnection, index: number, begin: number, length: number): void {
    const src = this.source;
    const valid = length > 0 && length <= BLOCK_SIZE && index < src.pieceCount && begin + length <= src.pieceSize(index) && src.has(index);
    const allowed = !peer.amChoking || peer.grantedFast.has(index);
    // Requests it may not make at all count toward closing it; one over our reqq (a race with
    // its pipeline) is only rejected, as libtorrent does.
    if ((!valid || !allowed) && !peer.uploads.refuse()) return peer.violation(`more than ${MAX_REFUSED_UPLOAD_REQUESTS} requests while choked or invalid`);
    if (!valid || !allowed || !peer.uploads.add(index, begin, length)) {
      // Past its reply bound unsent, no reject is queued: a peer sending bad requests without
      // reading would otherwise grow our memory by a 17-byte reject per 17-byte request.
      if (peer.supportsFast && peer.unsentBytes < peer.replyBound) peer.send(msg.rejectRequest(index, begin, length));
      return;
    }
    this.serve(peer);
  }

  cancel(peer: PeerConnection, index: number, begin: number): void {
    peer.uploads.cancel(index, begin);
  }

  /** Starts as many queued requests as the peer's bounds allow. */
  serve(peer: PeerConnection): void {
    const queue = peer.uploads;
    if (!queue.hasWaiting || !peer.isOpen) return;
    // Within the peer's part of the session's total, however fast it reads.
    const bound = Math.min(sendBufferBound(peer.uploadMeter.rate()), peer.sendShare);
    while (queue.hasWaiting && queue.startedCount < MAX_READS_PER_PEER) {
      if (peer.unsentBytes >= bound) {
        // Resumed by a block's write completing, or else by the socket draining.
        peer.whenWritable(this.resume);
        return;
      }
      void this.serveOne(peer, queue.next()!);
    }
  }

  private async serveOne(peer: PeerConnection, req: UploadRequest): Promise<void> {
    const { index, begin, length } = req;
    let piece: CachedPiece;
    const window = readWindowOf(index, this.pieceLength, this.source.pieceSize(index), begin);
    try {
      piece = await this.cache.borrow(window.key, window.length, (into) => this.source.readPiece(index, window.start, window.length, into));
    } catch (err) {
      if (peer.uploads.finish(req) && peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
      this.source.readFailed(err);
      this.serve(peer);
      return;
    }
    const wait = takeAll(this.source.uploadLimits, length);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!peer.uploads.finish(req) || !peer.isOpen) {
      piece.release(); // cancelled or choked meanwhile
      this.serve(peer);
      return;
    }
    // The cache may reuse the piece's buffer once the socket no longer needs the block. While
    // pieces that left the cache are held that way beyond its budget (peers not reading), the
    // block is copied instead, so a 16 KiB block waiting in a socket holds 16 KiB, not its piece.
    const at = begin - window.start;
    let data = piece.data.subarray(at, at + length);
    if (this.cache.overHeld) {
      data = Buffer.from(data);
      piece.release();
    }
    peer.sendBlock(index, begin, data, (err) => {
      piece.release();
      if (err) return;
      this.uploadedBytes += length;
      this.meter.add(length);
      peer.uploadMeter.add(length);
      this.serve(peer);
    });
    this.serve(peer);
  }
}

/** How many unsent bytes we hold for a peer uploading at `rate` bytes/s. */
export function sendBufferBound(rate: number): number {
  return Math.min(MAX_SEND_BUFFER, Math.max(MIN_SEND_BUFFER, rate * SEND_BUFFER_SECONDS));
}
