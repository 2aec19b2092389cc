import { BLOCK_SIZE } from '../wire/message-ids.js';
import { BlockTally } from './block-tally.js';

/**
 * Pieces longer than this are not held in memory while they download: each block is written
 * to storage as it arrives and the piece is hashed by reading it back (StagedWrites), as
 * libtorrent does for every piece. 8 MiB is where a piece buffer stops being cheap: it is the
 * disk backlog bound (MAX_PENDING_DISK_BYTES) and an eighth of the in-flight budget, while the
 * piece lengths tools make by default (16 KiB to a few MiB, what the benchmarks measure) stay
 * on the one-buffer path, which costs one write and one hash per piece.
 */
export const STAGED_PIECE_ABOVE = 8 * 1024 * 1024;

/**
 * A piece being downloaded: which blocks are requested (and how many times, in endgame),
 * which arrived, and the buffer they are copied into. The buffer is hashed and written
 * once every block is in; memory is therefore bounded by the number of pieces in flight.
 * A piece above STAGED_PIECE_ABOVE has no buffer (`staged`): its blocks go to storage one by one.
 */
export class PieceDownload {
  readonly blockCount: number;
  /**
   * Per block, in one array: [0, blockCount) how many outstanding requests it has (more than 1
   * only in endgame), [blockCount, 2 × blockCount) 1 once it arrived. One typed array, not two:
   * a 16 KiB piece lives long enough to be promoted, and each small typed array is three heap
   * objects the old generation then has to collect.
   */
  private readonly blockState: Uint8Array;
  received = 0;
  /** Lowest block index that may still be free: a scan hint, never past a free block. */
  firstFree = 0;
  /** Set while the completed piece is being hashed/written: no more requests. */
  verifying = false;
  /** The peer this piece was handed to first (keeps a piece on one peer where possible). */
  owner: object | null = null;
  /** This piece's slot in its owner's OwnedPieces (-1: none). */
  ownedSlot = -1;
  /**
   * Who delivered blocks: most pieces have one sender (every small piece does), so it is kept
   * in two fields and a Map is made only when a second sender appears — a Map and a Set per
   * 16 KiB piece were a good part of what the garbage collector did while downloading.
   */
  private soleSender: object | null = null;
  private soleBlocks = 0;
  private senders: Map<object, number> | null = null;
  /** Where blocks are copied; from a pool, returned once the piece is written or failed. Null for a staged piece. */
  readonly buffer: Buffer | null;
  /** The picker's count of requested and free blocks, which this piece's are part of; null once it left flight. */
  private tally: BlockTally | null;

  constructor(readonly index: number, readonly length: number, buffer: Buffer | null, tally: BlockTally = new BlockTally()) {
    this.blockCount = Math.ceil(length / BLOCK_SIZE);
    this.blockState = new Uint8Array(this.blockCount * 2);
    this.buffer = buffer;
    this.tally = tally;
    tally.free += this.blockCount;
  }

  /** The piece left flight (verified, failed, abandoned): its blocks no longer count in the tally it was made with. */
  leaveTally(): void {
    const tally = this.tally;
    if (tally === null) return;
    const state = this.blockState;
    const n = this.blockCount;
    for (let b = 0; b < n; b++) {
      tally.requested -= state[b]!;
      if (state[b] === 0 && state[n + b] === 0) tally.free--;
    }
    this.tally = null;
  }

  /** Whether blocks go to storage as they arrive rather than into a piece buffer. */
  get staged(): boolean {
    return this.buffer === null;
  }

  /** `sender` delivered one more (new) block of this piece. */
  credit(sender: object): void {
    if (this.senders) this.senders.set(sender, (this.senders.get(sender) ?? 0) + 1);
    else if (this.soleSender === null || this.soleSender === sender) {
      this.soleSender = sender;
      this.soleBlocks++;
    } else {
      this.senders = new Map<object, number>([[this.soleSender, this.soleBlocks], [sender, 1]]);
    }
  }

  /** Blocks each sender delivered, in the order they first did (a new Map: for inspection, not the hot path). */
  get blocksFrom(): ReadonlyMap<object, number> {
    if (this.senders) return new Map(this.senders);
    return new Map(this.soleSender === null ? [] : [[this.soleSender, this.soleBlocks]]);
  }

  /** Peers that delivered blocks: blamed together if the hash fails. */
  get contributors(): ReadonlySet<object> {
    return new Set(this.blocksFrom.keys());
  }

  /** The sender of most blocks (the first one met on a tie), or null: the piece's source in the mosaic. */
  mainSender(): object | null {
    return this.senders ? mainSender(this.senders) : this.soleSender;
  }

  /** Outstanding requests for `block`. */
  requestsOf(block: number): number {
    return this.blockState[block]!;
  }

  hasArrived(block: number): boolean {
    return this.blockState[this.blockCount + block] === 1;
  }

  blockLength(block: number): number {
    return block === this.blockCount - 1 ? this.length - block * BLOCK_SIZE : BLOCK_SIZE;
  }

  get complete(): boolean {
    return this.received === this.blockCount;
  }

  /** Next block nobody has requested and that has not arrived, from `firstFree` on; -1 if none. */
  nextFreeBlock(): number {
    const state = this.blockState;
    const n = this.blockCount;
    for (let b = this.firstFree; b < n; b++) {
      if (state[b] === 0 && state[n + b] === 0) {
        this.firstFree = b;
        return b;
      }
    }
    this.firstFree = this.blockCount;
    return -1;
  }

  markRequested(block: number): void {
    const state = this.blockState;
    const wasFree = state[block] === 0 && state[this.blockCount + block] === 0;
    state[block]!++;
    const tally = this.tally;
    if (tally !== null) {
      tally.requested++;
      if (wasFree) tally.free--;
    }
  }

  /** A request for `block` went away unanswered (choke, reject, timeout, disconnect). */
  release(block: number): void {
    const state = this.blockState;
    if (state[block] === 0) return;
    state[block]!--;
    const nowFree = state[block] === 0 && state[this.blockCount + block] === 0;
    if (nowFree && block < this.firstFree) this.firstFree = block;
    const tally = this.tally;
    if (tally !== null) {
      tally.requested--;
      if (nowFree) tally.free++;
    }
  }

  /** Records an arrived block; false when it had already arrived (endgame duplicate). */
  markArrived(block: number): boolean {
    const state = this.blockState;
    const requests = state[block]!;
    if (requests > 0) state[block] = requests - 1;
    const arrived = state[this.blockCount + block] === 1;
    const tally = this.tally;
    if (tally !== null) {
      if (requests > 0) tally.requested--;
      else if (!arrived) tally.free--;
    }
    if (arrived) return false;
    state[this.blockCount + block] = 1;
    this.received++;
    return true;
  }
}

/** The sender of most blocks (the first one met on a tie), or null. */
export function mainSender(blocksFrom: ReadonlyMap<object, number>): object | null {
  let best: object | null = null;
  let most = 0;
  for (const [sender, blocks] of blocksFrom) {
    if (blocks > most) {
      most = blocks;
      best = sender;
    }
  }
  return best;
}
