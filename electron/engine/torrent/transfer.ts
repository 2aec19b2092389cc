import { errorText } from '../../../shared/error-text.js';
import { createHash } from 'node:crypto';
import type { DiskWorkers } from '../storage/disk-workers.js';
import type { FilePriority, FileStats } from '../api.js';
import type { Metainfo } from '../metainfo/index.js';
import { resolveInSaveDir } from '../metainfo/index.js';
import { requestKey, type OutstandingRequest, type PeerConnection } from '../peer/peer-connection.js';
import type { PieceDownload } from '../picker/piece-download.js';
import { PiecePicker, type BlockPick } from '../picker/piece-picker.js';
import { Storage } from '../storage/storage.js';
import { ReadCache, type CachedPiece } from '../storage/read-cache.js';
import { Bitfield } from '../util/bitfield.js';
import { RateMeter } from '../util/rate-meter.js';
import { takeAll, type TokenBucket } from '../util/token-bucket.js';
import * as msg from '../wire/encode.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { allowedFastSet } from '../wire/allowed-fast.js';
import type { ResumeData } from '../resume/resume-data.js';
import { chooseUnchoked, nextOptimistic } from './choker.js';

/** What a transfer needs from the torrent that owns it. */
export interface TransferHost {
  /** Connected peers (handshake done). */
  connectedPeers(): Iterable<PeerConnection>;
  blockArrived(index: number, received: number, total: number): void;
  pieceChecked(index: number, ok: boolean): void;
  /** Every wanted piece is verified and on disk. */
  finished(): void;
  /** A fatal storage problem: the torrent goes to the error state. */
  fatal(message: string): void;
  ban(peer: PeerConnection): void;
  warn(message: string): void;
  /** Upload rate limits that apply (the torrent's own and the session's). */
  readonly uploadLimits: readonly TokenBucket[];
  /** The session's disk threads (hash + write of completed pieces). */
  readonly disk: DiskWorkers;
}

/** Pieces at least this large are hashed and written on a disk thread. */
const WORKER_MIN_PIECE = 128 * 1024;

/** Requests we keep per peer at most; libtorrent's default queue is 500 too. */
const MAX_PIPELINE = 500;
/** Memory for whole pieces read to serve uploads (see ReadCache). */
const READ_CACHE_BYTES = 16 * 1024 * 1024;

/** Seconds of transfer the request pipeline should cover (issue: rate × 3 s / 16 KiB). */
const PIPELINE_SECONDS = 3;
/** A peer that sends nothing for this long while we wait on it is snubbed; its requests go elsewhere. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Stop requesting while this many verified bytes wait to be hashed or written: the disk sets the pace. */
const MAX_PENDING_DISK_BYTES = 32 * 1024 * 1024;
/** Hash failures after which a peer is banned. */
const BAN_AFTER_FAILURES = 2;
const UPLOAD_SLOTS = 8;
/** libtorrent's allowed_fast_set_size. */
const ALLOWED_FAST_SET_SIZE = 5;
export const MAX_QUEUED_UPLOAD_REQUESTS = 500;

/**
 * The data side of a torrent whose metadata we have: which blocks to request from whom,
 * verifying and writing pieces, serving uploads, choking. The owning Torrent handles
 * connections and forwards each peer's piece-related messages here.
 */
export class Transfer {
  readonly picker: PiecePicker;
  readonly storage: Storage;
  readonly downloadMeter = new RateMeter();
  readonly uploadMeter = new RateMeter();
  downloadedBytes = 0;
  uploadedBytes = 0;
  hashFailures = 0;
  /** Pieces hashed from disk at start (re-check) and pieces trusted from the resume record. */
  checkedPieces = 0;
  resumedPieces = 0;
  readonly peersThatSentData = new Set<string>();
  private readonly readCache: ReadCache;
  private readonly currentBlock = new WeakMap<PeerConnection, OutstandingRequest | null>();
  private readonly recentlyCancelled = new WeakMap<PeerConnection, Set<number>>();
  private readonly failedPieces = new Set<number>();
  private readonly filePriorities: FilePriority[];
  /** Counts file priority changes: a piece written across one is fetched again (see verifyPiece). */
  private priorityEpoch = 0;
  private pendingDiskBytes = 0;
  private optimistic: string | null = null;
  private tickCount = 0;
  private active = false;
  private readonly hasPadFiles: boolean;

  constructor(
    readonly meta: Metainfo,
    readonly savePath: string,
    private readonly host: TransferHost,
  ) {
    this.picker = new PiecePicker(meta.pieceCount, meta.pieceLength, meta.lastPieceLength);
    this.storage = new Storage(savePath, meta.files, meta.pieceLength, meta.totalLength, resolveInSaveDir, `.${meta.infoHashHex}.parts`);
    this.readCache = new ReadCache(READ_CACHE_BYTES, meta.pieceLength);
    this.filePriorities = meta.files.map((f) => (f.pad ? 0 : 1));
    this.hasPadFiles = meta.files.some((f) => f.pad);
    this.markPadOnlyPiecesUnwanted();
  }

  get pieceCount(): number {
    return this.meta.pieceCount;
  }

  get finished(): boolean {
    return this.picker.finished;
  }

  /** Requests flow only while active (not paused, not in error). */
  setActive(active: boolean): void {
    this.active = active;
  }

  // --- disk: preparing and checking -----------------------------------------------------

  /**
   * Creates the save folder and empty files, then learns what is already on disk: from the
   * resume record where the files are as it recorded them (no hashing), by hashing where
   * they are not (changed, missing, or no record at all).
   */
  async prepare(onChecking: () => void, resume: ResumeData | null): Promise<void> {
    const usable = resume && resume.pieceCount === this.meta.pieceCount && resume.files.length === this.meta.files.length ? resume : null;
    if (usable) usable.filePriorities.forEach((p, i) => this.setFilePriority(i, p));
    // Pieces whose part-file copy was dropped (their files no longer use it) are hashed from the files.
    const unsettled = new Set(await this.storage.prepare());
    const stamps = await this.storage.fileStamps();
    const sizes = stamps.map((s) => s?.size ?? null);
    const changed = this.meta.files.map((f, i) => {
      if (f.pad || !usable) return true;
      const now = stamps[i];
      const then = usable.files[i]!;
      return now ? now.size !== then.size || now.mtimeMs !== then.mtimeMs : then.mtimeMs !== -1;
    });
    const recorded = usable ? new Bitfield(this.meta.pieceCount, usable.have) : null;
    const toCheck: number[] = [];
    for (let index = 0; index < this.meta.pieceCount; index++) {
      const segments = this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index));
      const touchesChanged = unsettled.has(index) || segments.some((seg) => !this.meta.files[seg.fileIndex]!.pad && changed[seg.fileIndex]);
      if (!touchesChanged) {
        // Bytes that belong in the part file must be there (it may have been deleted).
        if (recorded?.has(index) && this.storage.holdsPiece(index)) {
          this.picker.markHave(index);
          this.resumedPieces++;
        }
      } else if (this.pieceFilesPresent(index, sizes)) {
        toCheck.push(index);
      }
    }
    if (toCheck.length > 0) onChecking();
    for (const index of toCheck) {
      let data: Buffer;
      try {
        data = await this.storage.read(index, 0, this.picker.pieceSize(index));
      } catch {
        continue;
      }
      this.checkedPieces++;
      if (await this.hashMatches(index, data)) {
        this.picker.markHave(index);
        this.host.pieceChecked(index, true);
      }
    }
    // Part-file copies of pieces that are not ours (never recorded, or failed the check) go.
    for (const index of this.storage.partFilePieces()) if (!this.picker.have.has(index)) await this.storage.discard(index);
  }

  /** The resume record for what is verified now (stamps taken before the snapshot: see ResumeData). */
  async resumeRecord(): Promise<Pick<ResumeData, 'have' | 'pieceCount' | 'filePriorities' | 'files'>> {
    const stamps = await this.storage.fileStamps();
    return {
      have: Buffer.from(this.picker.have.bytes),
      pieceCount: this.meta.pieceCount,
      filePriorities: [...this.filePriorities],
      files: stamps.map((s) => s ?? { size: 0, mtimeMs: -1 }),
    };
  }

  /** Whether every byte of the piece is on disk to hash: in its files, or in the part file. */
  private pieceFilesPresent(index: number, sizes: Array<number | null>): boolean {
    if (!this.storage.holdsPiece(index)) return false;
    return this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index)).every((seg) => {
      const file = this.meta.files[seg.fileIndex]!;
      const size = sizes[seg.fileIndex];
      return file.pad || this.storage.fileInPartFile(seg.fileIndex) || (size !== null && size !== undefined && size >= seg.fileOffset + seg.length);
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

  // --- peers joining and leaving ----------------------------------------------------------

  /** Our half of the opening: what we have. */
  sendHave(peer: PeerConnection): void {
    const have = this.picker.have;
    if (peer.supportsFast && have.count === 0) peer.send(msg.haveNone());
    else if (peer.supportsFast && have.complete) peer.send(msg.haveAll());
    else if (have.count > 0) peer.send(msg.bitfield(have.bytes));
    if (peer.supportsFast) {
      // BEP 6: a few pieces a newcomer may fetch while still choked, to get it started.
      for (const index of allowedFastSet(peer.ip, this.meta.infoHash, this.meta.pieceCount, ALLOWED_FAST_SET_SIZE)) {
        peer.grantedFast.add(index);
        peer.send(msg.allowedFast(index));
      }
    }
  }

  /** A peer that connected before the metadata arrived: apply what it told us meanwhile. */
  adoptPeer(peer: PeerConnection): void {
    const n = this.meta.pieceCount;
    if (peer.pendingBitfield) {
      const pending = peer.pendingBitfield;
      peer.pendingBitfield = null;
      peer.applyBitfield(pending, n);
      if (!peer.isOpen) return;
    } else if (peer.haveAll) {
      this.peerBitfield(peer);
    } else if (peer.bitfield) {
      // Only "have none" makes a bitfield before we know the piece count.
      peer.bitfield = new Bitfield(n);
      this.peerBitfield(peer);
    }
    for (const index of peer.pendingHaves.splice(0)) {
      if (index >= n) return peer.close(`have for piece ${index} of ${n}`);
      peer.bitfield ??= new Bitfield(n);
      if (!peer.haveAll && peer.bitfield.set(index)) this.peerHave(peer, index);
    }
    this.updateInterest(peer);
  }

  peerGone(peer: PeerConnection): void {
    if (peer.haveAll) this.picker.seedLeft();
    else if (peer.bitfield) this.picker.peerBitfield(peer.bitfield, -1);
    this.releaseRequests(peer, false);
    this.picker.disown(peer);
    this.pumpAll();
  }

  // --- availability and interest ----------------------------------------------------------

  peerBitfield(peer: PeerConnection): void {
    if (peer.bitfield?.complete) {
      peer.haveAll = true;
      peer.bitfield = null;
    }
    if (peer.haveAll) this.picker.seedJoined();
    else if (peer.bitfield) this.picker.peerBitfield(peer.bitfield, 1);
    this.updateInterest(peer);
  }

  peerHave(peer: PeerConnection, index: number): void {
    if (peer.bitfield?.complete) {
      // It just became a seed: count it as one (O(1) from now on).
      peer.bitfield.clear(index);
      this.picker.peerBitfield(peer.bitfield, -1);
      peer.bitfield = null;
      peer.haveAll = true;
      this.picker.seedJoined();
    } else {
      this.picker.peerHas(index);
    }
    if (!peer.amInterested && !this.picker.have.has(index) && this.picker.isWanted(index)) peer.setInterested(true);
    this.pump(peer);
  }

  private updateInterest(peer: PeerConnection): void {
    const interesting = this.picker.peerIsInteresting(peer, peer.isSeed);
    peer.setInterested(interesting);
    if (interesting) this.pump(peer);
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

  // --- receiving blocks -------------------------------------------------------------------

  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    const block = begin / BLOCK_SIZE;
    const key = Number.isInteger(block) ? requestKey(index, block) : -1;
    const req = key >= 0 ? peer.outstanding.get(key) : undefined;
    if (req && req.length === length) {
      // A piece that was reset (hash failure) or is being verified must not be written into:
      // its buffer may already belong to another piece.
      const live = this.picker.inFlight.get(index) === req.piece && !req.piece.verifying;
      this.currentBlock.set(peer, live ? req : null);
      if (!live) peer.outstanding.delete(key);
      return true;
    }
    // Blocks we cancelled (endgame, snub) may still be on the wire; blocks of pieces we already
    // have are harmless. Both are discarded quietly.
    const cancelled = key >= 0 && (this.recentlyCancelled.get(peer)?.delete(key) ?? false);
    if (cancelled || (index < this.meta.pieceCount && this.picker.have.has(index) && length <= BLOCK_SIZE)) {
      this.currentBlock.set(peer, null);
      return true;
    }
    peer.violation(`sent piece ${index} offset ${begin} length ${length}, which was never requested`);
    return false;
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    const req = this.currentBlock.get(peer);
    // An endgame duplicate may still be streaming when the piece completes from another peer:
    // from then on the buffer belongs to the verifier (possibly on a disk thread).
    if (req && !req.piece.verifying) bytes.copy(req.piece.buffer, req.begin + offsetInBlock);
  }

  blockEnd(peer: PeerConnection): void {
    const req = this.currentBlock.get(peer);
    this.currentBlock.delete(peer);
    if (!req) return;
    const { piece, block, length } = req;
    this.downloadedBytes += length;
    peer.outstanding.delete(requestKey(piece.index, block));
    peer.downloadMeter.add(length);
    this.downloadMeter.add(length);
    peer.lastBlockAt = Date.now();
    peer.snubbed = false;
    if (peer.blocksReceived++ === 0) this.peersThatSentData.add(peer.address);
    this.growPipeline(peer);
    if (piece.markArrived(block)) {
      piece.contributors.add(peer);
      this.host.blockArrived(piece.index, piece.received, piece.blockCount);
      if (piece.requests[block]! > 0) this.cancelDuplicates(peer, piece, block);
      if (piece.complete) this.trackDisk(this.verifyPiece(piece));
    }
    // Refill in batches, not one request per block: fewer, larger socket writes.
    const free = peer.requestLimit - peer.outstanding.size;
    if (free >= Math.max(1, peer.requestLimit >> 3)) this.pump(peer);
  }

  peerReject(peer: PeerConnection, index: number, begin: number): void {
    const key = requestKey(index, begin / BLOCK_SIZE);
    const req = peer.outstanding.get(key);
    if (!req) return;
    peer.outstanding.delete(key);
    req.piece.release(req.block);
    this.picker.abandonIfUntouched(req.piece);
    this.pumpAll();
  }

  // --- requesting -------------------------------------------------------------------------

  /** Fills the peer's request pipeline. */
  pump(peer: PeerConnection): void {
    if (!this.active || !peer.isOpen || !peer.amInterested || peer.peerChoking) return;
    if (this.pendingDiskBytes > MAX_PENDING_DISK_BYTES) return;
    const free = peer.requestLimit - peer.outstanding.size;
    if (free <= 0) return;
    const picks: BlockPick[] = [];
    this.picker.pick(peer, free, picks);
    peer.sendRequests(picks);
  }

  pumpAll(): void {
    for (const peer of this.host.connectedPeers()) this.pump(peer);
  }

  /** Slow start (one more slot per block received), then rate × PIPELINE_SECONDS worth of blocks. */
  private growPipeline(peer: PeerConnection): void {
    if (peer.pipelineDepth >= MAX_PIPELINE) return;
    const byRate = Math.ceil((peer.downloadMeter.rate() * PIPELINE_SECONDS) / BLOCK_SIZE);
    peer.pipelineDepth = Math.max(2, Math.min(MAX_PIPELINE, Math.max(peer.pipelineDepth + 1, byRate)));
  }

  /** Gives back a peer's outstanding requests so other peers can take them. */
  private releaseRequests(peer: PeerConnection, sendCancel: boolean): void {
    const pieces = new Set<PieceDownload>();
    for (const req of peer.outstanding.values()) {
      req.piece.release(req.block);
      pieces.add(req.piece);
      if (sendCancel) {
        peer.send(msg.cancel(req.piece.index, req.begin, req.length));
        this.rememberCancel(peer, requestKey(req.piece.index, req.block));
      }
    }
    peer.outstanding.clear();
    for (const piece of pieces) this.picker.abandonIfUntouched(piece);
  }

  private cancelDuplicates(receivedFrom: PeerConnection, piece: PieceDownload, block: number): void {
    const key = requestKey(piece.index, block);
    for (const other of this.host.connectedPeers()) {
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

  private expectedHash(index: number): Buffer {
    return this.meta.pieceHashes.subarray(index * 20, index * 20 + 20);
  }

  /** Hash check for data read back from disk (re-check): large pieces on a disk worker. */
  private async hashMatches(index: number, data: Buffer): Promise<boolean> {
    if (data.length < WORKER_MIN_PIECE) return createHash('sha1').update(data).digest().equals(this.expectedHash(index));
    return (await this.host.disk.run(data, this.expectedHash(index), [])).ok;
  }

  private readonly diskWork = new Set<Promise<void>>();

  private trackDisk(work: Promise<void>): void {
    this.diskWork.add(work);
    void work.finally(() => this.diskWork.delete(work));
  }

  /** Waits for pieces being hashed and written: after this, the resume record matches the disk. */
  async drain(): Promise<void> {
    while (this.diskWork.size > 0) await Promise.allSettled([...this.diskWork]);
  }

  private async verifyPiece(piece: PieceDownload): Promise<void> {
    piece.verifying = true;
    this.pendingDiskBytes += piece.length;
    // Bytes in skipped files that are not on disk go to the part file (see Storage.setSkipped).
    const epoch = this.priorityEpoch;
    const skippedAtStart = this.skippedFilesIn(piece.index).length > 0;
    let buffer = piece.buffer;
    try {
      let ok: boolean;
      if (piece.length >= WORKER_MIN_PIECE) {
        // Hash and write on a disk thread; the buffer travels there and back without a copy.
        const result = await this.storage.hashAndWrite(piece.index, piece.buffer, this.expectedHash(piece.index), this.host.disk);
        buffer = result.buffer;
        ok = result.ok;
      } else {
        // Small pieces: a worker round trip costs more than hashing 16 KiB here.
        ok = createHash('sha1').update(piece.buffer).digest().equals(this.expectedHash(piece.index));
        if (ok) await this.storage.writePiece(piece.index, piece.buffer);
      }
      if (!ok) return this.pieceFailed(piece);
      // A file of this piece skipped or un-skipped meanwhile: what was written is uncertain, fetch it again.
      const changed = this.priorityEpoch !== epoch && (skippedAtStart || this.skippedFilesIn(piece.index).length > 0);
      if (changed) {
        this.picker.pieceFailed(piece.index);
        return await this.storage.discard(piece.index);
      }
      this.pieceVerified(piece.index);
    } catch (err) {
      this.picker.pieceFailed(piece.index);
      this.host.fatal(`disk write failed: ${errorText(err)}`);
    } finally {
      // A buffer lost to a failed worker call is detached (length 0): nothing to recycle.
      if (buffer.length > 0) this.picker.buffers.give(buffer);
      this.pendingDiskBytes -= piece.length;
      if (this.pendingDiskBytes <= MAX_PENDING_DISK_BYTES) this.pumpAll();
    }
  }

  private pieceVerified(index: number): void {
    if (!this.picker.markHave(index)) return;
    this.failedPieces.delete(index);
    const have = msg.have(index);
    for (const peer of this.host.connectedPeers()) peer.send(have);
    this.host.pieceChecked(index, true);
    if (this.picker.finished) this.onFinished();
  }

  private pieceFailed(piece: PieceDownload): void {
    this.hashFailures++;
    this.failedPieces.add(piece.index);
    this.picker.pieceFailed(piece.index);
    this.host.pieceChecked(piece.index, false);
    for (const contributor of piece.contributors) {
      const peer = contributor as PeerConnection;
      peer.hashFailures++;
      if (peer.hashFailures >= BAN_AFTER_FAILURES) this.host.ban(peer);
    }
  }

  private onFinished(): void {
    for (const peer of [...this.host.connectedPeers()]) {
      peer.setInterested(false);
      if (peer.isSeed) peer.close('both are seeds');
    }
    this.host.finished();
  }

  // --- upload -----------------------------------------------------------------------------

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    const valid =
      length > 0 && length <= BLOCK_SIZE && index < this.meta.pieceCount && begin + length <= this.picker.pieceSize(index) && this.picker.have.has(index);
    const allowed = (!peer.amChoking || peer.grantedFast.has(index)) && peer.incomingRequests.size < MAX_QUEUED_UPLOAD_REQUESTS;
    if (!valid || !allowed) {
      if (peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
      return;
    }
    const key = uploadKey(index, begin);
    peer.incomingRequests.set(key, [index, begin, length]);
    void this.serveRequest(peer, key, index, begin, length);
  }

  peerCancel(peer: PeerConnection, index: number, begin: number): void {
    peer.incomingRequests.delete(uploadKey(index, begin));
  }

  private async serveRequest(peer: PeerConnection, key: number, index: number, begin: number, length: number): Promise<void> {
    let piece: CachedPiece;
    try {
      const size = this.picker.pieceSize(index);
      piece = await this.readCache.borrow(index, size, (into) => this.storage.read(index, 0, size, into));
    } catch (err) {
      if (peer.incomingRequests.delete(key) && peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
      // Data we announced is gone or damaged (a file deleted, truncated, unreadable): like
      // libtorrent, the torrent stops in the error state rather than go on promising it.
      if (this.active) this.host.fatal(`cannot read the data to upload: ${errorText(err)}`);
      else this.host.warn(`read for upload failed: ${errorText(err)}`);
      return;
    }
    if (!peer.incomingRequests.has(key)) return piece.release(); // cancelled or choked meanwhile
    const wait = takeAll(this.host.uploadLimits, length);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!peer.incomingRequests.delete(key)) return piece.release();
    // The cache may reuse the piece's buffer once the socket has handed this block to the kernel.
    peer.sendBlock(index, begin, piece.data.subarray(begin, begin + length), piece.release);
    this.uploadedBytes += length;
    this.uploadMeter.add(length);
  }

  private unchokedCount(): number {
    let n = 0;
    for (const p of this.host.connectedPeers()) if (!p.amChoking) n++;
    return n;
  }

  private rechoke(): void {
    const peers = [...this.host.connectedPeers()];
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

  /** Once a second: snub silent peers, rechoke every 10 s, refresh interest, refill pipelines. */
  tick(): void {
    this.tickCount++;
    const now = Date.now();
    for (const peer of this.host.connectedPeers()) {
      if (peer.outstanding.size === 0) continue;
      const oldest = peer.outstanding.values().next().value as OutstandingRequest;
      if (now - Math.max(peer.lastBlockAt, oldest.sentAt) > REQUEST_TIMEOUT_MS) {
        peer.snubbed = true;
        peer.pipelineDepth = 2;
        this.releaseRequests(peer, true);
      }
    }
    if (this.tickCount % 10 === 0) this.rechoke();
    if (this.tickCount % 5 === 0 && !this.picker.finished) {
      for (const peer of this.host.connectedPeers()) if (!peer.isSeed) this.updateInterest(peer);
    }
    this.pumpAll();
  }

  // --- snapshots --------------------------------------------------------------------------

  /** Verified payload bytes (pad bytes never count). */
  completedBytes(): number {
    const have = this.picker.have;
    if (have.complete) return this.meta.payloadLength;
    let total = 0;
    for (let i = 0; i < this.meta.pieceCount; i++) if (have.has(i)) total += this.piecePayload(i);
    return total;
  }

  /** Bytes of piece `index` that belong to real (non-pad) files. */
  private piecePayload(index: number): number {
    const size = this.picker.pieceSize(index);
    if (!this.hasPadFiles) return size;
    let payload = 0;
    for (const seg of this.storage.map.pieceSegments(index, 0, size)) if (!this.meta.files[seg.fileIndex]!.pad) payload += seg.length;
    return payload;
  }

  /** Bytes still wanted (for tracker `left`). */
  leftBytes(): number {
    return Math.max(0, this.meta.payloadLength - this.completedBytes());
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

  /**
   * Wants or skips a file; the torrent may become finished or unfinished (the caller checks).
   * A skipped file's bytes of shared pieces are kept in the part file, and moved into the file
   * when it is wanted again (in the background; pieces whose bytes turn out lost are fetched again).
   */
  setFilePriority(fileIndex: number, priority: FilePriority): void {
    const file = this.meta.files[fileIndex];
    if (!file || file.pad) return;
    this.filePriorities[fileIndex] = priority;
    this.priorityEpoch++;
    const move = this.storage.setSkipped(fileIndex, priority === 0);
    if (move) {
      this.trackDisk(
        move.then(
          (lost) => lost.forEach((index) => this.forgetPiece(index)),
          (err: unknown) => this.host.fatal(`moving data out of the part file failed: ${errorText(err)}`),
        ),
      );
    }
    const range = this.storage.map.filePieces(fileIndex);
    if (!range) return;
    for (let p = range[0]; p <= range[1]; p++) {
      const segments = this.storage.map.pieceSegments(p, 0, this.picker.pieceSize(p));
      // A piece stays wanted while any wanted file has bytes in it.
      this.picker.setWanted(p, segments.some((s) => this.filePriorities[s.fileIndex]! > 0));
      // Verified, but some of its bytes are nowhere we can read them from (a file deleted behind
      // our back, then skipped; a record from before the part file): fetch it again.
      if (this.picker.have.has(p) && !this.storage.holdsPiece(p)) this.forgetPiece(p);
    }
    for (const peer of this.host.connectedPeers()) this.updateInterest(peer);
  }

  /** A verified piece whose bytes are gone: wanted again (peers were told we have it; requests for it are rejected now). */
  private forgetPiece(index: number): void {
    this.picker.unmarkHave(index);
  }

  /** Non-pad files with bytes in piece `index` that are skipped right now. */
  private skippedFilesIn(index: number): number[] {
    const out: number[] = [];
    for (const s of this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index))) {
      if (this.filePriorities[s.fileIndex] === 0 && !this.meta.files[s.fileIndex]!.pad) out.push(s.fileIndex);
    }
    return out;
  }

  /** First and last piece of every wanted file before anything else (media previews), or not. */
  setFirstLastPiecesFirst(on: boolean): void {
    this.picker.urgent.clear();
    if (!on) return;
    this.meta.files.forEach((f, i) => {
      const range = this.storage.map.filePieces(i);
      if (!range || f.pad || this.filePriorities[i] === 0) return;
      for (const index of [range[0], range[1]]) if (!this.picker.have.has(index)) this.picker.urgent.add(index);
    });
  }

  filePriority(fileIndex: number): FilePriority {
    return this.filePriorities[fileIndex] ?? 0;
  }
}

/** Key for a peer's request to us: pieces < 2^21 and offsets < 2^29, so the product stays exact. */
function uploadKey(index: number, begin: number): number {
  return index * 2 ** 29 + begin;
}

