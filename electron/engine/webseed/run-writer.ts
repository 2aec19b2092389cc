import type { BlockPick } from '../picker/piece-picker.js';
import { copyInto } from '../util/buffer-pool.js';

/**
 * Copies the bytes of one contiguous run, as they stream in, into the buffers of the blocks
 * the run covers, and reports each block once all of its bytes are in. Nothing is buffered:
 * a chunk goes straight to the piece buffers it belongs to.
 */
export class RunWriter {
  private cursor = 0;
  private next = 0;
  private blockStart = 0;

  constructor(
    /** Blocks of the run, contiguous and in order. */
    private readonly blocks: readonly BlockPick[],
    /** Whether the block's buffer may still be written (its piece not reset, completed or verifying). */
    private readonly writable: (pick: BlockPick) => boolean,
    /** `staged`: the block's bytes, for a piece without a buffer (PieceDownload.staged); null otherwise. */
    private readonly delivered: (pick: BlockPick, staged: Buffer | null) => void,
    /** Where a staged piece's block is gathered (a buffer of the block's length, handed over with it). */
    private readonly takeBlock: (length: number) => Buffer = (length) => Buffer.allocUnsafe(length),
  ) {}

  /** The staged block being gathered (only for pieces without a buffer). */
  private gathering: Buffer | null = null;

  /** Bytes of the run received so far. */
  get received(): number {
    return this.cursor;
  }

  /** Blocks delivered so far (the rest go back to the picker on failure). */
  get deliveredCount(): number {
    return this.next;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const pick = this.blocks[this.next];
      if (!pick) throw new RangeError('more bytes than the run holds');
      const inBlock = this.cursor - this.blockStart;
      const n = Math.min(chunk.length - at, pick.length - inBlock);
      const buffer = pick.piece.buffer;
      if (buffer !== null) {
        if (this.writable(pick)) copyInto(buffer, pick.begin + inBlock, chunk.subarray(at, at + n));
      } else if (this.writable(pick)) {
        this.gathering ??= this.takeBlock(pick.length);
        copyInto(this.gathering, inBlock, chunk.subarray(at, at + n));
      }
      this.cursor += n;
      at += n;
      if (inBlock + n === pick.length) {
        this.next++;
        this.blockStart = this.cursor;
        // A staged block is whole only if it was writable from its first byte on.
        const staged = buffer === null && this.writable(pick) ? this.gathering : null;
        this.gathering = null;
        this.delivered(pick, staged);
      }
    }
  }

  /** A stretch of zeros that nobody serves (a BEP 47 pad file). */
  zeros(length: number): void {
    const zero = Buffer.alloc(Math.min(length, 64 * 1024));
    for (let left = length; left > 0; left -= zero.length) this.push(left >= zero.length ? zero : zero.subarray(0, left));
  }
}
