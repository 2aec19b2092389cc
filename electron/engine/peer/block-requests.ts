import type { PieceDownload } from '../picker/piece-download.js';
import type { RateMeter } from '../util/rate-meter.js';
import { doubledSlots, emptySlots } from '../util/slot-array.js';
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

/** Ring slots a peer starts with; the ring doubles when full, as a pipeline deepens. */
const INITIAL_SLOTS = 8;
/** Cleared slots tolerated inside the span beyond as many as there are live requests. */
const SPARE_CLEARED = 32;

/**
 * The requests we have in flight at one peer and how deep its pipeline may be: it grows
 * like TCP slow start (one more per block received) until the rate-based target (rate ×
 * PIPELINE_SECONDS worth of blocks) takes over; a snub cuts it to two.
 *
 * The requests sit in a ring in the order sent, searched from the oldest, as libtorrent keeps
 * its download queue: peers answer in order, so the block that arrives is nearly always the
 * first one looked at. Not a Map (see util/slot-array.ts): with one in a Map, a long download
 * at 16 KiB blocks promoted nearly every request it made into the old generation, and peak
 * memory grew with the torrent's size. An answered slot is cleared at once.
 *
 * A peer that answers all but its oldest request would stretch the span between the oldest
 * and the newest without end, and every search with it. Once cleared slots outnumber the
 * live ones (and a margin), the live requests move together, in order: the span stays under
 * twice the pipeline, so a search costs at most that, whatever order the peer answers in.
 */
export class BlockRequests {
  private slots = emptySlots<OutstandingRequest>(INITIAL_SLOTS);
  /** Slot of the oldest request; it is never a cleared slot while `span` > 0. */
  private head = 0;
  /** Slots in use from `head`, cleared ones (answered out of order) included. */
  private span = 0;
  private live = 0;
  private depth = INITIAL_PIPELINE;
  private snubbedFlag = false;
  private lastBlock = 0;
  private blocks = 0;

  /** Requests in flight, oldest first. */
  get outstanding(): OutstandingRequest[] {
    const all: OutstandingRequest[] = [];
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.span; i++) {
      const req = this.slots[(this.head + i) & mask]!;
      if (req !== null) all.push(req);
    }
    return all;
  }

  get size(): number {
    return this.live;
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
    return this.find(index, block) >= 0;
  }

  get(index: number, block: number): OutstandingRequest | undefined {
    const at = this.find(index, block);
    return at < 0 ? undefined : this.slots[at]!;
  }

  /** Adds the request key (`requestKey`) of every request in flight to `keys`. */
  addKeysTo(keys: Set<number>): void {
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.span; i++) {
      const req = this.slots[(this.head + i) & mask]!;
      if (req !== null) keys.add(requestKey(req.piece.index, req.block));
    }
  }

  /** Records requests just sent. */
  sent(picks: readonly RequestPick[], now: number): void {
    for (const p of picks) {
      if (this.span === this.slots.length) {
        this.slots = doubledSlots(this.slots, this.head, this.span, INITIAL_SLOTS);
        this.head = 0;
      }
      this.slots[(this.head + this.span) & (this.slots.length - 1)] = { piece: p.piece, block: p.block, begin: p.begin, length: p.length, sentAt: now };
      this.span++;
      this.live++;
    }
  }

  /** Forgets one request (answered, rejected, cancelled); returns it when it was in flight. */
  remove(index: number, block: number): OutstandingRequest | undefined {
    const at = this.find(index, block);
    if (at < 0) return undefined;
    const req = this.slots[at]!;
    this.slots[at] = null;
    this.live--;
    const mask = this.slots.length - 1;
    // Cleared slots at either end leave the span; inner ones wait until the ends reach them.
    while (this.span > 0 && this.slots[this.head] === null) {
      this.head = (this.head + 1) & mask;
      this.span--;
    }
    while (this.span > 0 && this.slots[(this.head + this.span - 1) & mask] === null) this.span--;
    if (this.span - this.live > this.live + SPARE_CLEARED) this.compact();
    return req;
  }

  /** Forgets every request (choke without the fast extension, snub, disconnect) and returns them. */
  removeAll(): OutstandingRequest[] {
    const all = this.outstanding;
    this.slots.fill(null);
    this.head = 0;
    this.span = 0;
    this.live = 0;
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
    if (this.span === 0) return false;
    return now - Math.max(this.lastBlock, this.slots[this.head]!.sentAt) > timeoutMs;
  }

  /** It kept us waiting: its requests go elsewhere (the caller releases them) and it gets few. */
  snub(): void {
    this.snubbedFlag = true;
    this.depth = SNUBBED_PIPELINE;
  }

  /** The slot holding the request for this block, searched from the oldest; -1 when none. */
  private find(index: number, block: number): number {
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.span; i++) {
      const at = (this.head + i) & mask;
      const req = this.slots[at]!;
      if (req !== null && req.block === block && req.piece.index === index) return at;
    }
    return -1;
  }

  /** Moves the live requests together from `head`, in order, clearing the slots they leave. */
  private compact(): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let to = 0;
    for (let i = 0; i < this.span; i++) {
      const from = (this.head + i) & mask;
      const req = slots[from]!;
      if (req === null) continue;
      if (to !== i) {
        slots[(this.head + to) & mask] = req;
        slots[from] = null;
      }
      to++;
    }
    this.span = to;
  }

}

/** Key for a block in request sets: piece index × 2^15 + block index (fits a double exactly). */
export function requestKey(index: number, block: number): number {
  return index * 32768 + block;
}
