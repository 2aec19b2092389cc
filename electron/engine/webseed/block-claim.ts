import type { BlockPick } from '../picker/piece-picker.js';

/**
 * A web seed job's requests in the picker for the blocks it has not delivered, let go while its
 * server sends nothing and taken again when bytes come. The picker lets at most two requests
 * stand for a block in endgame: two web seeds that hold their connections open (or a seed
 * waiting out a back-off between attempts) held the last blocks against every good seed and
 * peer until they were dropped, 15-30 s later. Let go, the blocks are free for anyone; if the
 * slow seed's bytes come after all, they still count (the picker takes the first copy).
 */
export class BlockClaim {
  private readonly letGo = new Set<BlockPick>();

  constructor(
    /** The job's blocks not delivered yet (the job removes each as it is delivered). */
    private readonly undelivered: ReadonlySet<BlockPick>,
    /** Whether the block is still wanted from us (its piece in flight, not verifying, not arrived). */
    private readonly wanted: (p: BlockPick) => boolean,
  ) {}

  /** Between release() and retake(): the job's server is silent. */
  released = false;

  /** The server went silent: the picker may hand these blocks to others. */
  release(): void {
    this.released = true;
    for (const p of this.undelivered) {
      if (this.letGo.has(p) || !this.wanted(p)) continue;
      p.piece.release(p.block);
      this.letGo.add(p);
    }
  }

  /** Bytes again: the blocks still wanted are ours again (possibly alongside another's request). */
  retake(): void {
    this.released = false;
    for (const p of this.letGo) if (this.undelivered.has(p) && this.wanted(p)) p.piece.markRequested(p.block);
    this.letGo.clear();
  }

  /** Whether the job still holds a request for `p` (one let go must not be released twice). */
  holds(p: BlockPick): boolean {
    return !this.letGo.has(p);
  }
}
