import { errorText } from '../../../shared/error-text.js';
import type { ReadCacheShares } from '../storage/read-cache-shares.js';
import type { DiskWorkers } from '../storage/disk-workers.js';
import type { FilePriority, FileStats } from '../api.js';
import type { Metainfo } from '../metainfo/index.js';
import { resolveInSaveDir } from '../metainfo/index.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import type { PieceDownload } from '../picker/piece-download.js';
import { PiecePicker } from '../picker/piece-picker.js';
import { Storage } from '../storage/storage.js';
import { RateMeter } from '../util/rate-meter.js';
import type { TokenBucket } from '../util/token-bucket.js';
import * as msg from '../wire/encode.js';
import { allowedFastSet } from '../wire/allowed-fast.js';
import type { ResumeData } from '../resume/resume-data.js';
import { PeerAvailability } from './availability.js';
import { BlockDownloader, type DownloaderHost } from './block-downloader.js';
import { PieceChecks } from './piece-checks.js';
import { PieceVerifier, type VerifierHost } from './piece-verifier.js';
import { PieceSourceLog } from './piece-sources.js';
import { checkExistingData } from './initial-check.js';
import { UploadServer, type UploadSource } from './upload-server.js';
import { UploadSlots } from './upload-slots.js';
import { TransferView } from './transfer-view.js';
import { WebSeed, WebSeeds, type WebSeedHost, type WebSeedSource } from '../webseed/index.js';
import { banForHashFailures } from './hash-failure-ban.js';
import { LazySet } from '../util/lazy-collections.js';

export { MAX_QUEUED_UPLOAD_REQUESTS } from '../peer/upload-queue.js';

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
  /** Download rate limits for bytes read outside peer sockets (web seeds): ms to pause after `bytes`. */
  downloadWait?(bytes: number): number;
  /** The session's read-cache budget for uploads (absent: the torrent's own). */
  readonly readCacheShares?: ReadCacheShares;
}

/** libtorrent's allowed_fast_set_size. */
const ALLOWED_FAST_SET_SIZE = 5;

/**
 * The data side of a torrent whose metadata we have: which blocks to request from whom,
 * verifying and writing pieces, serving uploads, choking. The owning Torrent handles
 * connections and forwards each peer's piece-related messages here.
 */
export class Transfer {
  readonly picker: PiecePicker;
  readonly storage: Storage;
  hashFailures = 0;
  /** Pieces hashed from disk at start (re-check) and pieces trusted from the resume record. */
  checkedPieces = 0;
  resumedPieces = 0;
  private readonly downloads: BlockDownloader;
  private readonly verifier: PieceVerifier;
  /** What each piece must hash to (the verifier's, and the start-up check's for pieces too long to read whole). */
  private readonly checks: PieceChecks;
  private readonly uploads: UploadServer;
  private readonly peerPieces: PeerAvailability;
  private readonly failedPieces = new LazySet<number>();
  private readonly filePriorities: FilePriority[];
  /** Non-pad files whose priority is 0 (skipped). */
  private skippedFiles = 0;
  /** Counts file priority changes: a piece written across one is fetched again (see verifyPiece). */
  private priorityEpoch = 0;
  private tickCount = 0;
  private active = false;
  /** Made on first use (see slots). */
  private slotsMade: UploadSlots | null = null;
  private readonly view: TransferView;
  private readonly webSeeds: WebSeeds;
  /** Who sent each verified piece, and when (the mosaic's colour by source, its replay). */
  readonly sources: PieceSourceLog;

  constructor(
    readonly meta: Metainfo,
    readonly savePath: string,
    private readonly host: TransferHost,
  ) {
    this.picker = new PiecePicker(meta.pieceCount, meta.pieceLength, meta.lastPieceLength);
    this.sources = new PieceSourceLog(meta.pieceCount);
    this.storage = new Storage(savePath, meta.files, meta.pieceLength, meta.totalLength, resolveInSaveDir, `.${meta.infoHashHex}.parts`);
    this.peerPieces = new PeerAvailability(this.picker);
    this.checks = new PieceChecks(meta);
    this.verifier = new PieceVerifier(this.checks, this.storage, this.picker, new Transfer.VerifierHost(this));
    this.downloads = new BlockDownloader(this.picker, new Transfer.DownloaderHost(this));
    this.webSeeds = new WebSeeds(new Transfer.WebSeedHost(this));
    this.uploads = new UploadServer(new Transfer.UploadSource(this, host.uploadLimits), meta.pieceLength, host.readCacheShares);
    this.filePriorities = meta.files.map((f) => (f.pad ? 0 : 1));
    this.view = new TransferView(meta, this.picker, this.storage, this.filePriorities, this.failedPieces);
    this.markPadOnlyPiecesUnwanted();
  }

  // The verifier's, downloader's, web seeds' and upload server's view of their transfer. Classes,
  // not object literals of closures: a transfer then holds one small object per part (a
  // reference to it; members on the prototype), where the literals cost ~1.5 KB per torrent.
  // Declared in Transfer to reach its private members.

  private static readonly VerifierHost = class implements VerifierHost {
    constructor(private readonly transfer: Transfer) {}
    get disk(): DiskWorkers {
      return this.transfer.host.disk;
    }
    priorityEpoch(): number {
      return this.transfer.priorityEpoch;
    }
    touchesSkippedFile(index: number): boolean {
      return this.transfer.touchesSkippedFile(index);
    }
    verified(index: number, piece: PieceDownload): void {
      this.transfer.pieceVerified(index, piece);
    }
    failed(piece: PieceDownload): void {
      this.transfer.pieceFailed(piece);
    }
    writeFailed(message: string): void {
      this.transfer.host.fatal(message);
    }
    caughtUp(): void {
      this.transfer.pumpAll();
    }
  };

  private static readonly DownloaderHost = class implements DownloaderHost {
    constructor(private readonly transfer: Transfer) {}
    connectedPeers(): Iterable<PeerConnection> {
      return this.transfer.host.connectedPeers();
    }
    canRequest(): boolean {
      return this.transfer.canRequest();
    }
    blockArrived(index: number, received: number, total: number): void {
      this.transfer.host.blockArrived(index, received, total);
    }
    pieceComplete(piece: PieceDownload): void {
      this.transfer.verifier.verify(piece);
    }
    stageBlock(piece: PieceDownload, begin: number, data: Buffer): void {
      this.transfer.verifier.stageBlock(piece, begin, data);
    }
  };

  private static readonly WebSeedHost = class implements WebSeedHost {
    constructor(private readonly transfer: Transfer) {}
    get picker(): PiecePicker {
      return this.transfer.picker;
    }
    get infoHash(): Buffer {
      return this.transfer.meta.infoHash;
    }
    get pieceLength(): number {
      return this.transfer.meta.pieceLength;
    }
    get totalLength(): number {
      return this.transfer.meta.totalLength;
    }
    get multiFile(): boolean {
      return this.transfer.meta.multiFile;
    }
    get files(): Metainfo['files'] {
      return this.transfer.meta.files;
    }
    canRequest(): boolean {
      return this.transfer.canRequest();
    }
    blockDone(seed: WebSeed, piece: PieceDownload, block: number, length: number, staged: Buffer | null): void {
      this.transfer.downloads.blockFromSource(seed, piece, block, length, staged);
    }
    throttle(bytes: number): number {
      return this.transfer.host.downloadWait?.(bytes) ?? 0;
    }
    warn(message: string): void {
      this.transfer.host.warn(message);
    }
  };

  private static readonly UploadSource = class implements UploadSource {
    constructor(
      private readonly transfer: Transfer,
      /** The host's, taken once (the host makes the list on each read). */
      readonly uploadLimits: readonly TokenBucket[],
    ) {}
    get pieceCount(): number {
      return this.transfer.meta.pieceCount;
    }
    has(index: number): boolean {
      return this.transfer.picker.have.has(index);
    }
    pieceSize(index: number): number {
      return this.transfer.picker.pieceSize(index);
    }
    readPiece(index: number, offset: number, length: number, into: Buffer): Promise<Buffer> {
      return this.transfer.storage.read(index, offset, length, into);
    }
    readFailed(err: unknown): void {
      this.transfer.readFailed(err);
    }
  };

  /** Who we upload to; made when a peer first shows interest or a rechoke comes with peers (an idle torrent has none). */
  private get slots(): UploadSlots {
    return (this.slotsMade ??= new UploadSlots(() => this.host.connectedPeers(), () => this.picker.finished));
  }

  /** Requests may go out: the transfer runs and the disk keeps up. */
  private canRequest(): boolean {
    return this.active && !this.verifier.backlogged;
  }

  /** A verified piece's bytes, or null when we do not have it (BEP 52 block hashes are computed from them). */
  async readVerifiedPiece(index: number): Promise<Buffer | null> {
    if (!this.picker.have.has(index)) return null;
    return this.storage.read(index, 0, this.picker.pieceSize(index));
  }

  get pieceCount(): number {
    return this.meta.pieceCount;
  }

  get finished(): boolean {
    return this.picker.finished;
  }

  /** Good block bytes received (endgame duplicates not counted). */
  get downloadedBytes(): number {
    return this.downloads.downloadedBytes;
  }

  get downloadMeter(): RateMeter {
    return this.downloads.meter;
  }

  /** Addresses of peers that sent at least one good block. */
  get peersThatSentData(): ReadonlySet<string> {
    return this.downloads.peersThatSentData;
  }

  /** Block bytes the kernel has taken for peers (not merely queued). */
  get uploadedBytes(): number {
    return this.uploads.uploadedBytes;
  }

  get uploadMeter(): RateMeter {
    return this.uploads.meter;
  }

  /** Completed pieces wait for the disk so long that requests are held back (a health fact). */
  get diskBacklogged(): boolean {
    return this.verifier.backlogged;
  }

  /** Requests flow only while active (not paused, not in error). */
  setActive(active: boolean): void {
    this.active = active;
    // Pieces will need a disk thread within a round trip of the first request.
    if (active && !this.picker.finished) this.host.disk.warm();
    this.webSeeds.setActive(active);
  }

  /** Web seeds (BEP 19/17) to fetch from alongside peers. */
  addWebSeeds(sources: readonly WebSeedSource[]): void {
    this.webSeeds.add(sources);
  }

  /** The web seeds, for the peer list. */
  get webSeedList(): readonly WebSeed[] {
    return this.webSeeds.list;
  }

  // --- disk: preparing and checking -----------------------------------------------------

  /**
   * Creates the save folder and empty files, then learns what is already on disk (from the
   * resume record where it still fits, by hashing elsewhere; see checkExistingData).
   */
  async prepare(onChecking: () => void, resume: ResumeData | null, stopped?: () => boolean): Promise<void> {
    const usable = resume && resume.pieceCount === this.meta.pieceCount && resume.files.length === this.meta.files.length ? resume : null;
    if (usable) usable.filePriorities.forEach((p, i) => this.setFilePriority(i, p));
    const target = {
      meta: this.meta,
      storage: this.storage,
      picker: this.picker,
      hashMatches: (index: number, data: Buffer) => this.verifier.hashMatches(index, data),
      streamedMatches: (index: number, size: number) => this.checks.matchesStreamed(index, size, (offset, length, into) => this.storage.read(index, offset, length, into)),
      pieceChecked: (index: number) => this.host.pieceChecked(index, true),
      stopped,
    };
    const { checked, resumed } = await checkExistingData(target, usable, onChecking);
    // Who sent the pieces still had (the replay), as the last session logged it.
    if (usable?.pieceLog) this.sources.adopt(usable.pieceLog, (index) => this.picker.have.has(index));
    this.checkedPieces += checked;
    this.resumedPieces += resumed;
  }

  /**
   * The resume record for what is verified now (stamps taken before the snapshot: see
   * ResumeData). A file changed behind our back keeps the stamp last trusted (Storage.resumeStamps).
   */
  async resumeRecord(): Promise<Pick<ResumeData, 'have' | 'pieceCount' | 'filePriorities' | 'files' | 'pieceLog'>> {
    const stamps = await this.storage.resumeStamps();
    return {
      pieceLog: this.sources.record(),
      have: Buffer.from(this.picker.have.bytes),
      pieceCount: this.meta.pieceCount,
      filePriorities: [...this.filePriorities],
      files: stamps.map((s) => s ?? { size: 0, mtimeMs: -1 }),
    };
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
      for (const index of allowedFastSet(peer.ip, this.meta.infoHash, this.meta.pieceCount, ALLOWED_FAST_SET_SIZE)) peer.grantAllowedFast(index);
    }
  }

  /** A peer that connected before the metadata arrived: apply what it told us meanwhile. */
  adoptPeer(peer: PeerConnection): void {
    if (!peer.learnPieceCount(this.meta.pieceCount)) return;
    // It was told we had nothing (NoDataYet): what the storage check found is announced now,
    // or it would never ask us for those pieces (a magnet added over data already on disk).
    if (this.picker.have.count > 0) peer.send(msg.haves(this.picker.have));
    this.peerPieces.add(peer);
    this.updateInterest(peer);
  }

  peerGone(peer: PeerConnection): void {
    this.peerPieces.remove(peer);
    this.downloads.peerGone(peer);
  }

  // --- availability and interest ----------------------------------------------------------

  peerBitfield(peer: PeerConnection): void {
    this.peerPieces.add(peer);
    this.updateInterest(peer);
  }

  peerHave(peer: PeerConnection, index: number): void {
    this.peerPieces.have(peer, index);
    if (!peer.amInterested && !this.picker.have.has(index) && this.picker.isWanted(index)) peer.setInterested(true);
    this.downloads.pump(peer);
  }

  private updateInterest(peer: PeerConnection): void {
    const interesting = this.picker.peerIsInteresting(peer, peer.isSeed);
    peer.setInterested(interesting);
    if (interesting) this.downloads.pump(peer);
  }

  peerChoked(peer: PeerConnection): void {
    this.downloads.peerChoked(peer);
  }

  peerUnchoked(peer: PeerConnection): void {
    this.downloads.pump(peer);
  }

  peerInterest(peer: PeerConnection, interested: boolean): void {
    this.slots.interest(peer, interested);
  }

  // --- receiving blocks -------------------------------------------------------------------

  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    return this.downloads.blockStart(peer, index, begin, length);
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    this.downloads.blockData(peer, bytes, offsetInBlock);
  }

  blockEnd(peer: PeerConnection): void {
    this.downloads.blockEnd(peer);
  }

  peerReject(peer: PeerConnection, index: number, begin: number): void {
    this.downloads.peerReject(peer, index, begin);
  }

  /** Fills every peer's request pipeline, and starts web seed requests. */
  pumpAll(): void {
    this.downloads.pumpAll();
    this.webSeeds.pump();
  }

  // --- pieces -----------------------------------------------------------------------------

  /** Waits for pieces being hashed and written: after this, the resume record matches the disk. */
  drain(): Promise<void> {
    return this.verifier.drain();
  }

  private pieceVerified(index: number, piece: PieceDownload): void {
    if (!this.picker.markHave(index)) return;
    this.sources.verifiedBy(index, piece.mainSender());
    this.failedPieces.delete(index);
    if (this.unsentHaves.length === 0) queueMicrotask(() => this.announceUnsentHaves());
    this.unsentHaves.push(index);
    this.host.pieceChecked(index, true);
    if (this.picker.finished) this.onFinished();
  }

  /**
   * Pieces verified in the current step (a disk batch settles dozens of small pieces at once)
   * whose `have` is not sent yet: they go out as one buffer per peer when the step ends, not
   * as a write per piece and peer.
   */
  private unsentHaves: number[] = [];
  private announceUnsentHaves(): void {
    const frames = msg.haveList(this.unsentHaves);
    this.unsentHaves = [];
    for (const peer of this.host.connectedPeers()) peer.send(frames);
  }

  private pieceFailed(piece: PieceDownload): void {
    this.hashFailures++;
    this.failedPieces.add(piece.index);
    this.picker.pieceFailed(piece.index);
    this.host.pieceChecked(piece.index, false);
    this.sources.failed(piece.index, piece.contributors);
    const alone = piece.contributors.size === 1;
    for (const contributor of piece.contributors) {
      if (contributor instanceof WebSeed) {
        this.webSeeds.hashFailed(contributor);
        continue;
      }
      const peer = contributor as PeerConnection;
      if (banForHashFailures(peer.recordHashFailure(alone))) this.host.ban(peer);
    }
  }

  private onFinished(): void {
    this.webSeeds.stopAll();
    for (const peer of [...this.host.connectedPeers()]) {
      peer.setInterested(false);
      if (peer.isSeed) peer.close({ kind: 'both-seeds' });
    }
    this.host.finished();
  }

  // --- upload -----------------------------------------------------------------------------

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    this.uploads.request(peer, index, begin, length);
  }

  peerCancel(peer: PeerConnection, index: number, begin: number): void {
    this.uploads.cancel(peer, index, begin);
  }

  /** Data we announced is gone or damaged (a file deleted, truncated, unreadable). */
  private readFailed(err: unknown): void {
    // Like libtorrent, the torrent stops in the error state rather than go on promising it.
    if (this.active) this.host.fatal(`cannot read the data to upload: ${errorText(err)}`);
    else this.host.warn(`read for upload failed: ${errorText(err)}`);
  }

  // --- periodic ---------------------------------------------------------------------------

  /** Once a second: snub silent peers, rechoke every 10 s, refresh interest, refill pipelines. */
  tick(): void {
    this.tickCount++;
    this.downloads.snubStalled(Date.now());
    if (this.tickCount % 10 === 0) this.slots.rechoke();
    if (this.tickCount % 5 === 0 && !this.picker.finished) {
      for (const peer of this.host.connectedPeers()) if (!peer.isSeed) this.updateInterest(peer);
    }
    this.pumpAll();
  }

  // --- snapshots --------------------------------------------------------------------------

  completedBytes(): number {
    return this.view.completedBytes();
  }

  /** Payload bytes of the wanted pieces, and of those verified (TransferView.wantedBytes). */
  wantedBytes(): { size: number; done: number } {
    return this.view.wantedBytes();
  }

  leftBytes(): number {
    return this.view.leftBytes();
  }

  /** @param pending priorities set while checking, not yet applied (TransferView.pieceStatus). */
  pieceStatus(pending?: ReadonlyMap<number, FilePriority>): Uint8Array {
    return this.view.pieceStatus(pending);
  }

  inFlight(): Array<[number, number, number]> {
    return this.view.inFlight();
  }

  availability(): Uint16Array {
    return this.view.availability();
  }

  files(): FileStats[] {
    return this.view.files();
  }

  /**
   * Wants or skips a file; the torrent may become finished or unfinished (the caller checks).
   * A skipped file's bytes of shared pieces are kept in the part file, and moved into the file
   * when it is wanted again (in the background; pieces whose bytes turn out lost are fetched again).
   */
  setFilePriority(fileIndex: number, priority: FilePriority): void {
    const file = this.meta.files[fileIndex];
    if (!file || file.pad) return;
    if ((this.filePriorities[fileIndex] === 0) !== (priority === 0)) this.skippedFiles += priority === 0 ? 1 : -1;
    this.filePriorities[fileIndex] = priority;
    this.priorityEpoch++;
    const move = this.storage.setSkipped(fileIndex, priority === 0);
    if (move) {
      this.verifier.track(
        move.then(
          (lost) => lost.forEach((index) => this.forgetPiece(index)),
          (err: unknown) => this.host.fatal(`cannot make ${file.path} wanted again: ${errorText(err)}`),
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

  /**
   * Whether a non-pad file with bytes in piece `index` is skipped right now. Asked for every
   * completed piece: with no file skipped (most downloads) it finds no segments.
   */
  private touchesSkippedFile(index: number): boolean {
    if (this.skippedFiles === 0) return false;
    for (const s of this.storage.map.pieceSegments(index, 0, this.picker.pieceSize(index))) {
      if (this.filePriorities[s.fileIndex] === 0 && !this.meta.files[s.fileIndex]!.pad) return true;
    }
    return false;
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

