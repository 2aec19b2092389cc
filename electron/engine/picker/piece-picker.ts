import { Bitfield, type ReadonlyBitfield } from '../util/bitfield.js';
import { BufferPool } from '../util/buffer-pool.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { PieceDownload, STAGED_PIECE_ABOVE } from './piece-download.js';
import { IndexStack } from './index-stack.js';
import { BlockTally } from './block-tally.js';
import { LazySet, LazyWeakMap } from '../util/lazy-collections.js';
import { InFlightPieces } from './in-flight-pieces.js';
import type { OwnedPieces } from './owned-pieces.js';

/** What the picker needs to know about a peer. */
export interface PickerPeer {
  /** Pieces the peer has. */
  has(index: number): boolean;
  /** Pieces this peer was handed first; the picker keeps it in sync. */
  readonly owned: OwnedPieces;
  /** Adds the key (piece index × 32768 + block) of each block the peer has an outstanding request for. */
  addRequestKeysTo(keys: Set<number>): void;
  /**
   * Requests outstanding at the peer: when they are all the requests the picker counts, the
   * peer has no other peer's block to duplicate in endgame (see pick). 0 is always safe: the
   * endgame walk is then skipped only while no request is out at all.
   */
  readonly outstandingRequests: number;
}

/** A block chosen for request: piece, block index, byte offset, length. */
export interface BlockPick {
  piece: PieceDownload;
  block: number;
  begin: number;
  length: number;
}

/** In endgame a block is requested from at most this many peers at once. */
const MAX_ENDGAME_DUPLICATES = 2;
/** Before this many pieces are verified, pick at random rather than rarest-first (faster first upload). */
const RANDOM_PIECES_FIRST = 4;
/** How far past its last new piece a peer's next one is looked for (see pickNear). */
const FOLLOW_SCAN = 64;
/**
 * Piece buffers (blocks arriving plus pieces waiting for the disk) past which a peer that
 * already works on a piece gets no new one: it helps with the pieces in flight instead. Each
 * piece's buffer is allocated when it starts, so without this, memory grows with the number
 * of peers × their pipelines (20 fast seeders × 8 MiB pipelines ≈ 160 MiB). A peer with no
 * piece of its own may always start one, so a budget filled by pieces nobody can finish never
 * stalls the download: the bound is this plus one piece per connection.
 */
export const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

/**
 * Chooses which blocks to request from which peer.
 *
 * Free pieces (not had, not in flight, wanted) live in buckets by availability, so
 * rarest-first is "first non-empty bucket, random start inside it" instead of a scan of
 * every piece. Seeds are counted apart (`seedCount`) and never move pieces between
 * buckets: a seed joining is O(1), not O(pieces).
 */
export class PiecePicker {
  readonly have: Bitfield;
  /** Availability from non-seed peers; add `seedCount` for the true value. */
  private readonly peerAvailability: Uint16Array;
  private seedCount = 0;
  private readonly wanted: Uint8Array;
  /** Free pieces by availability from non-seed peers (see IndexStack for why typed arrays). */
  private readonly buckets: IndexStack[];
  /**
   * Each free piece's position in its bucket (-1: not free). Null while no piece is free: a
   * complete torrent (every seeding one) keeps no 4 bytes per piece for it.
   */
  private bucketPos: Int32Array | null = null;
  /** Pieces in the buckets. */
  private freeCount = 0;
  readonly inFlight: InFlightPieces;
  /** Sum of the lengths of the pieces in `inFlight` (their buffers). */
  private inFlightBytes = 0;
  /** Requested and free blocks over the pieces in `inFlight`. */
  readonly blocksInFlight = new BlockTally();
  /** The piece each peer was handed last as a new piece (see pickNewPiece). */
  private readonly lastStarted = new LazyWeakMap<PickerPeer, number>();
  private sequentialMode = false;
  private sequentialCursor = 0;
  private wantedRemaining = 0;
  /** Pieces not wanted (all their files skipped): 0 lets whole-torrent figures skip a walk. */
  private unwanted = 0;
  readonly buffers = new BufferPool();

  constructor(
    readonly pieceCount: number,
    readonly pieceLength: number,
    readonly lastPieceLength: number,
    private readonly random: () => number = Math.random,
    private readonly maxInFlightBytes = MAX_IN_FLIGHT_BYTES,
    /** Pieces longer than this get no buffer: their blocks are staged on disk (see PieceDownload). */
    private readonly stagedAbove = STAGED_PIECE_ABOVE,
  ) {
    this.have = new Bitfield(pieceCount);
    this.inFlight = new InFlightPieces(pieceCount);
    this.peerAvailability = new Uint16Array(pieceCount);
    this.wanted = new Uint8Array(pieceCount).fill(1);
    // Every piece starts in the first bucket, sized for all of them (it halves as they leave).
    this.buckets = [new IndexStack(pieceCount)];
    for (let i = 0; i < pieceCount; i++) this.addFree(i);
    this.wantedRemaining = pieceCount;
  }

  pieceSize(index: number): number {
    // Both lengths are read on every call, then one is chosen. A read on the last piece's branch
    // alone would first run when that piece starts, long after `pick` (which inlines this) was
    // optimised; V8 drops optimised code that reaches a load it never saw run, and compiles
    // `pick` again, for one piece.
    const { pieceLength, lastPieceLength } = this;
    return index === this.pieceCount - 1 ? lastPieceLength : pieceLength;
  }

  /** Bytes the free pieces' bookkeeping holds: the buckets' room and the positions in them. */
  get freeListBytes(): number {
    let total = this.bucketPos === null ? 0 : this.bucketPos.byteLength;
    for (const bucket of this.buckets) total += bucket.capacity * Int32Array.BYTES_PER_ELEMENT;
    return total;
  }

  availability(index: number): number {
    return this.peerAvailability[index]! + this.seedCount;
  }

  /** True when every wanted piece is verified. */
  get finished(): boolean {
    return this.wantedRemaining === 0;
  }

  set sequential(on: boolean) {
    this.sequentialMode = on;
    this.sequentialCursor = 0;
  }

  get sequential(): boolean {
    return this.sequentialMode;
  }

  /** 0 = not wanted (skipped file), otherwise wanted. */
  setWanted(index: number, wanted: boolean): void {
    const was = this.wanted[index] === 1;
    if (was === wanted) return;
    this.wanted[index] = wanted ? 1 : 0;
    this.unwanted += wanted ? -1 : 1;
    if (!this.have.has(index)) this.wantedRemaining += wanted ? 1 : -1;
    if (wanted && this.isFree(index)) this.addFree(index);
    if (!wanted) this.removeFree(index);
  }

  isWanted(index: number): boolean {
    return this.wanted[index] === 1;
  }

  /** True when no piece is skipped: then "wanted" figures are the whole torrent's. */
  get allWanted(): boolean {
    return this.unwanted === 0;
  }

  // --- availability -------------------------------------------------------------------

  seedJoined(): void {
    this.seedCount++;
  }

  seedLeft(): void {
    this.seedCount--;
  }

  peerHas(index: number): void {
    this.shiftAvailability(index, +1);
  }

  peerLost(index: number): void {
    this.shiftAvailability(index, -1);
  }

  peerBitfield(bits: ReadonlyBitfield, delta: 1 | -1): void {
    for (let i = 0; i < this.pieceCount; i++) if (bits.has(i)) this.shiftAvailability(i, delta);
  }

  /**
   * A peer counted piece by piece announced its last missing piece, `index`: from now on it
   * counts as a seed (O(1) when it leaves). `bits` is its complete set, `index` included.
   */
  peerBecameSeed(bits: ReadonlyBitfield, index: number): void {
    for (let i = 0; i < this.pieceCount; i++) if (i !== index && bits.has(i)) this.shiftAvailability(i, -1);
    this.seedCount++;
  }

  // --- selection ----------------------------------------------------------------------

  /** Does the peer have anything we still want? (drives "interested") */
  peerIsInteresting(peer: { has(index: number): boolean }, peerIsSeed: boolean): boolean {
    if (this.finished) return false;
    if (peerIsSeed) return true;
    for (let i = 0; i < this.pieceCount; i++) if (!this.have.has(i) && this.wanted[i] && peer.has(i)) return true;
    return false;
  }

  /**
   * Appends up to `max` blocks for `peer` to `out`, in order of preference: blocks of
   * pieces this peer already works on, a new piece (rarest first), free blocks of other
   * peers' pieces, then (endgame) duplicates of blocks requested elsewhere.
   */
  pick(peer: PickerPeer, max: number, out: BlockPick[]): void {
    let left = max;
    const owned = peer.owned;
    for (let s = 0; s < owned.size; s++) {
      if (left === 0) return;
      left = this.takeFreeBlocks(owned.at(s), left, out);
    }
    let overBudget = false;
    while (left > 0) {
      if (this.inFlightBytes >= this.maxInFlightBytes && (peer.owned.size > 0 || (this.hugePieces && this.canHelp(peer)))) {
        overBudget = true;
        break;
      }
      const index = this.pickNewPiece(peer);
      if (index < 0) break;
      const piece = this.startPiece(index);
      this.lastStarted.set(peer, index);
      piece.owner = peer;
      peer.owned.add(piece);
      left = this.takeFreeBlocks(piece, left, out);
    }
    // Whether the walks below can find anything at all. Both cover every piece in flight, for
    // every block that arrives once no new piece is left; with one peer they find nothing (it was
    // asked for every block already). Worked out before the common return, so that V8 has seen
    // this code run by the time it optimises `pick` (code first run at the end of the download
    // throws the optimised `pick` away).
    const { free, requested } = this.blocksInFlight;
    const mayHelp = free > 0;
    // Requests of other peers (or sources) that endgame could duplicate: all requested blocks,
    // less the peer's own and those this call picked (marked requested, not sent yet). Picks
    // below change neither side. A request of the peer's that the picker no longer counts (its
    // piece left flight) makes this too low until the peer answers it: no duplicates meanwhile.
    // Endgame per peer: nothing new this peer could give us, so help finish what others are
    // fetching. Waiting for *no* free piece at all would stall on a piece nobody has.
    // (Not when only the memory budget held it back: duplicates would waste the bandwidth.)
    const mayDuplicate = requested - peer.outstandingRequests - (max - left) > 0 && !overBudget;
    if (left === 0) return;
    if (mayHelp) left = this.helpWithFreeBlocks(peer, left, out);
    if (mayDuplicate && left > 0) this.pickEndgame(peer, left, out);
  }

  /** Free blocks of pieces in flight that other peers started (or left): returns how many more may be picked. */
  private helpWithFreeBlocks(peer: PickerPeer, max: number, out: BlockPick[]): number {
    let left = max;
    const inFlight = this.inFlight;
    for (let s = 0; s < inFlight.span && left > 0; s++) {
      const piece = inFlight.at(s);
      if (piece === null || piece.verifying || piece.firstFree >= piece.blockCount || !peer.has(piece.index)) continue;
      left = this.takeFreeBlocks(piece, left, out);
    }
    return left;
  }

  /**
   * Pieces of more than half the budget (v1 pieces may be up to 2^30 - 1 bytes): a peer that
   * owns none starting one of its own past the budget would put one such buffer per connection
   * in memory, so it first helps with the free blocks of pieces in flight (`canHelp`), and
   * starts a piece only when it can help with none. Smaller pieces keep one piece to a peer.
   */
  private get hugePieces(): boolean {
    return this.pieceLength * 2 > this.maxInFlightBytes;
  }

  /** Whether a piece in flight that the peer has still has a block nobody asked for. */
  private canHelp(peer: PickerPeer): boolean {
    const inFlight = this.inFlight;
    for (let s = 0; s < inFlight.span; s++) {
      const piece = inFlight.at(s);
      if (piece !== null && !piece.verifying && peer.has(piece.index) && piece.nextFreeBlock() >= 0) return true;
    }
    return false;
  }

  private takeFreeBlocks(piece: PieceDownload, max: number, out: BlockPick[]): number {
    let left = max;
    while (left > 0 && !piece.verifying && this.wanted[piece.index] === 1) {
      const block = piece.nextFreeBlock();
      if (block < 0) break;
      piece.markRequested(block);
      out.push({ piece, block, begin: block * BLOCK_SIZE, length: piece.blockLength(block) });
      left--;
    }
    return left;
  }

  private pickEndgame(peer: PickerPeer, max: number, out: BlockPick[]): void {
    let left = max;
    // Blocks the peer has asked for, and those picked earlier in this same call (not
    // outstanding at the peer yet), in one set made once per call.
    const asked = new Set(out.map((p) => p.piece.index * 32768 + p.block));
    peer.addRequestKeysTo(asked);
    const inFlight = this.inFlight;
    for (let s = 0; s < inFlight.span; s++) {
      const piece = inFlight.at(s);
      if (piece === null || piece.verifying || !peer.has(piece.index) || this.wanted[piece.index] !== 1) continue;
      for (let b = 0; b < piece.blockCount && left > 0; b++) {
        if (piece.hasArrived(b) || piece.requestsOf(b) >= MAX_ENDGAME_DUPLICATES) continue;
        if (asked.has(piece.index * 32768 + b)) continue;
        piece.markRequested(b);
        out.push({ piece, block: b, begin: b * BLOCK_SIZE, length: piece.blockLength(b) });
        left--;
      }
      if (left === 0) return;
    }
  }

  /** Pieces to fetch before anything else (first and last pieces of media files, for previews). */
  readonly urgent = new LazySet<number>();

  private pickNewPiece(peer: PickerPeer): number {
    for (const index of this.urgent) {
      if (this.have.has(index)) this.urgent.delete(index);
      else if (this.isFreeAt(index) && peer.has(index)) return index;
    }
    // Nothing free: the end of every download, where each arriving block asks again. Returned
    // here, not after the scans below came up empty, so that they are not first run there (code
    // first run after `pick` was optimised throws that code away).
    if (this.freeCount === 0) return -1;
    if (this.sequentialMode) return this.pickSequential(peer);
    const randomPhase = this.have.count < RANDOM_PIECES_FIRST;
    // Near the piece this peer started last: a peer then fetches runs of adjacent pieces, which
    // reach the disk as few large writes (libtorrent's piece extent affinity, for the same
    // reason). The random phase follows runs too: it lasts until 4 pieces are verified, and a
    // fast peer's first pipeline alone asks for over a thousand 16 KiB pieces; picked one by one
    // at random, they would break every later run within a dozen pieces.
    const near = this.pickNear(peer, randomPhase);
    if (near >= 0) return near;
    if (randomPhase) return this.pickAnyAtRandom(peer);
    // Stepped at the top, as in pickNear: the first bucket nearly always has a piece for the peer.
    let b = -1;
    while (++b < this.buckets.length) {
      const found = this.scanBucket(b, peer);
      if (found >= 0) return found;
    }
    return -1;
  }

  /**
   * The first free piece the peer has among the FOLLOW_SCAN after the one it started last; -1
   * for none. Pieces in flight, had or not wanted are stepped over, so a run goes on past the
   * pieces our other peers took. Past the random phase the piece must be among the rarest: a
   * free piece that other peers already have means one of them is fetching this run ahead of
   * us, and following it would leave us with nothing it lacks, so the run ends there and the
   * next one starts at a random rarest piece.
   */
  private pickNear(peer: PickerPeer, anyLevel: boolean): number {
    const last = this.lastStarted.get(peer);
    if (last === undefined) return -1;
    const level = anyLevel ? -1 : this.rarestLevel();
    const end = Math.min(this.pieceCount, last + 1 + FOLLOW_SCAN);
    // Stepped at the top, not in a for-loop's update: the piece right after `last` is nearly
    // always the one, and an update first run long after `pick` was optimised throws that code
    // away (see pieceSize).
    let i = last;
    while (++i < end) {
      if (!this.isFreeAt(i) || !peer.has(i)) continue;
      return anyLevel || this.peerAvailability[i] === level ? i : -1;
    }
    return -1;
  }

  /**
   * A free piece the peer has, from a random place on, whatever its availability (the random
   * phase, as libtorrent's before `initial_picker_threshold`). Not the most common pieces: a
   * newcomer that fetched what its neighbours already hold would have nothing to trade with them.
   */
  private pickAnyAtRandom(peer: PickerPeer): number {
    const n = this.pieceCount;
    const start = Math.floor(this.random() * n);
    for (let j = 0; j < n; j++) {
      const index = (start + j) % n;
      if (this.isFreeAt(index) && peer.has(index)) return index;
    }
    return -1;
  }

  /** The lowest availability any free piece has. */
  private rarestLevel(): number {
    // Stepped at the top, as in pickNear: the first bucket is nearly always the one.
    let b = -1;
    while (++b < this.buckets.length) if (this.buckets[b]!.length > 0) return b;
    return b;
  }

  private scanBucket(bucketIndex: number, peer: PickerPeer): number {
    const bucket = this.buckets[bucketIndex]!;
    const n = bucket.length;
    if (n === 0) return -1;
    const start = Math.floor(this.random() * n);
    for (let j = 0; j < n; j++) {
      const index = bucket.at((start + j) % n);
      if (peer.has(index)) return index;
    }
    return -1;
  }

  private pickSequential(peer: PickerPeer): number {
    while (this.sequentialCursor < this.pieceCount && this.have.has(this.sequentialCursor)) this.sequentialCursor++;
    for (let i = this.sequentialCursor; i < this.pieceCount; i++) {
      if (this.isFreeAt(i) && peer.has(i)) return i;
    }
    return -1;
  }

  private startPiece(index: number): PieceDownload {
    this.removeFree(index);
    const size = this.pieceSize(index);
    const piece = new PieceDownload(index, size, size > this.stagedAbove ? null : this.buffers.take(size), this.blocksInFlight);
    this.inFlight.add(piece);
    this.inFlightBytes += size;
    return piece;
  }

  // --- outcomes -----------------------------------------------------------------------

  /** The piece hashed correctly (or was found on disk). Returns false if it was already had. */
  markHave(index: number): boolean {
    const piece = this.inFlight.get(index);
    if (piece) this.dropInFlight(piece);
    this.removeFree(index);
    if (!this.have.set(index)) return false;
    if (this.wanted[index]) this.wantedRemaining--;
    return true;
  }

  /**
   * Forgets a verified piece whose data on disk is not whole after all (bytes of a file that
   * was skipped were never written): it is wanted and pickable again. False if it was not had.
   */
  unmarkHave(index: number): boolean {
    if (!this.have.clear(index)) return false;
    if (this.wanted[index]) this.wantedRemaining++;
    if (this.isFree(index)) this.addFree(index);
    if (index < this.sequentialCursor) this.sequentialCursor = index;
    return true;
  }

  /** The piece failed its hash: forget its blocks and make it pickable again. */
  pieceFailed(index: number): void {
    const piece = this.inFlight.get(index);
    if (piece) this.dropInFlight(piece);
    if (this.isFree(index)) this.addFree(index);
  }

  private dropInFlight(piece: PieceDownload): void {
    if (this.inFlight.delete(piece.index)) {
      this.inFlightBytes -= piece.length;
      piece.leaveTally();
      // Nothing in flight and nothing free: the download is over (or all that is left is skipped).
      if (this.inFlight.size === 0 && this.freeCount === 0) this.inFlight.dropIndex();
    }
    if (piece.owner) (piece.owner as PickerPeer).owned.delete(piece);
    piece.owner = null;
  }

  /** A peer went away: its owned pieces become shared work for the others. */
  disown(peer: PickerPeer): void {
    for (const piece of peer.owned) piece.owner = null;
    peer.owned.clear();
  }

  /** Gives an in-flight piece with no request and no data back to the free buckets. */
  abandonIfUntouched(piece: PieceDownload): void {
    if (piece.received > 0 || piece.verifying) return;
    for (let b = 0; b < piece.blockCount; b++) if (piece.requestsOf(b) > 0) return;
    this.dropInFlight(piece);
    if (piece.buffer) this.buffers.give(piece.buffer);
    if (this.isFree(piece.index)) this.addFree(piece.index);
  }

  // --- buckets ------------------------------------------------------------------------

  /** Whether `index` is in a bucket. */
  private isFreeAt(index: number): boolean {
    return this.bucketPos !== null && this.bucketPos[index]! >= 0;
  }

  private isFree(index: number): boolean {
    return !this.have.has(index) && !this.inFlight.has(index) && this.wanted[index] === 1;
  }

  private shiftAvailability(index: number, delta: 1 | -1): void {
    const inBucket = this.isFreeAt(index);
    if (inBucket) this.removeFree(index);
    const next = this.peerAvailability[index]! + delta;
    this.peerAvailability[index] = next < 0 ? 0 : next > 0xffff ? 0xffff : next;
    if (inBucket) this.addFree(index);
  }

  private addFree(index: number): void {
    if (this.isFreeAt(index)) return;
    const level = this.peerAvailability[index]!;
    while (this.buckets.length <= level) this.buckets.push(new IndexStack());
    this.bucketPos ??= new Int32Array(this.pieceCount).fill(-1);
    this.bucketPos[index] = this.buckets[level]!.push(index);
    this.freeCount++;
  }

  private removeFree(index: number): void {
    const positions = this.bucketPos;
    if (positions === null) return;
    const pos = positions[index]!;
    if (pos < 0) return;
    const bucket = this.buckets[this.peerAvailability[index]!]!;
    const last = bucket.pop();
    if (last !== index) {
      bucket.set(pos, last);
      positions[last] = pos;
    }
    positions[index] = -1;
    // The last free piece gone (picked, verified, skipped): the positions go too, until one is free again.
    // Stored on every call, not only on the last one: that store would first run at the end of
    // the download, and code that reaches a store V8 never saw run is thrown away (see pieceSize).
    this.bucketPos = --this.freeCount === 0 ? null : positions;
  }
}
