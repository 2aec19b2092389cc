import type { PieceDownload } from '../picker/piece-download.js';
import type { RateMeter } from '../util/rate-meter.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';

/** A request we sent and have not had answered. */
export interface OutstandingRequest {
  readonly piece: PieceDownload;
  readonly block: number;
  readonly begin: number;
  readonly length: number;
  readonly sentAt: number;
}

/** A block chosen for request: piece, block index, byte offset, length. */
export interface RequestPick {
  readonly piece: PieceDownload;
  readonly block: number;
  readonly begin: number;
  readonly length: number;
}

/** Requests we keep per peer at most; libtorrent's default queue is 500 too. */
const MAX_PIPELINE = 500;
/** Seconds of transfer the request pipeline should cover (rate × 3 s / 16 KiB blocks). */
const PIPELINE_SECONDS = 3;
const INITIAL_PIPELINE = 4;
/** What a snubbed peer is allowed in flight. */
const SNUBBED_PIPELINE = 2;

/**
 * The requests we have in flight at one peer and how deep its pipeline may be: it grows
 * like TCP slow start (one more per block received) until the rate-based target (rate ×
 * PIPELINE_SECONDS worth of blocks) takes over; a snub cuts it to two.
 */
export class BlockRequests {
  private readonly pending = new Map<number, OutstandingRequest>();
  private depth = INITIAL_PIPELINE;
  private snubbedFlag = false;
  private lastBlock = 0;
  private blocks = 0;

  /** Requests in flight, oldest first. */
  get outstanding(): ReadonlyMap<number, OutstandingRequest> {
    return this.pending;
  }

  get size(): number {
    return this.pending.size;
  }

  get pipelineDepth(): number {
    return this.depth;
  }

  /** Sets the pipeline target (tests; the torrent only grows it through `blockReceived`). */
  set pipelineDepth(depth: number) {
    this.depth = depth;
  }

  get snubbed(): boolean {
    return this.snubbedFlag;
  }

  /** Good blocks received from this peer. */
  get blocksReceived(): number {
    return this.blocks;
  }

  get lastBlockAt(): number {
    return this.lastBlock;
  }

  has(index: number, block: number): boolean {
    return this.pending.has(requestKey(index, block));
  }

  get(index: number, block: number): OutstandingRequest | undefined {
    return this.pending.get(requestKey(index, block));
  }

  /** Records requests just sent. */
  sent(picks: readonly RequestPick[], now: number): void {
    for (const p of picks) this.pending.set(requestKey(p.piece.index, p.block), { piece: p.piece, block: p.block, begin: p.begin, length: p.length, sentAt: now });
  }

  /** Forgets one request (answered, rejected, cancelled); returns it when it was in flight. */
  remove(index: number, block: number): OutstandingRequest | undefined {
    const key = requestKey(index, block);
    const req = this.pending.get(key);
    if (req) this.pending.delete(key);
    return req;
  }

  /** Forgets every request (choke without the fast extension, snub, disconnect) and returns them. */
  removeAll(): OutstandingRequest[] {
    const all = [...this.pending.values()];
    this.pending.clear();
    return all;
  }

  /** A requested block arrived: un-snubs and grows the pipeline. True for the peer's first block. */
  blockReceived(download: RateMeter, now: number): boolean {
    this.lastBlock = now;
    this.snubbedFlag = false;
    if (this.depth < MAX_PIPELINE) {
      const byRate = Math.ceil((download.rate() * PIPELINE_SECONDS) / BLOCK_SIZE);
      this.depth = Math.max(SNUBBED_PIPELINE, Math.min(MAX_PIPELINE, Math.max(this.depth + 1, byRate)));
    }
    return this.blocks++ === 0;
  }

  /** True when the peer answered nothing for `timeoutMs` while we waited on it. */
  stalled(now: number, timeoutMs: number): boolean {
    const oldest = this.pending.values().next();
    if (oldest.done) return false;
    return now - Math.max(this.lastBlock, oldest.value.sentAt) > timeoutMs;
  }

  /** It kept us waiting: its requests go elsewhere (the caller releases them) and it gets few. */
  snub(): void {
    this.snubbedFlag = true;
    this.depth = SNUBBED_PIPELINE;
  }
}

/** Key for a block in per-peer request maps: piece index × 2^15 + block index (fits a double exactly). */
export function requestKey(index: number, block: number): number {
  return index * 32768 + block;
}
