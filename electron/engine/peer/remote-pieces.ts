import { Bitfield, spareBitsClear, type ReadonlyBitfield } from '../util/bitfield.js';

/** Haves kept at most while the piece count is unknown (a magnet without metadata). */
const MAX_PENDING_HAVES = 100_000;

/** What others may read about the remote's pieces. */
export interface RemotePiecesView {
  /** Has every piece (have-all, or a bitfield that is or became complete). */
  readonly isSeed: boolean;
  /** The set as a bitfield; null while nothing is known, before the piece count is, or after have-all. */
  readonly bitfield: ReadonlyBitfield | null;
  has(index: number): boolean;
  /** Fraction of the torrent the remote has, 0..1 (0 while unknown). */
  readonly progress: number;
}

/** Outcome of a have: a piece it did not have before, one that made it a seed, or nothing new. */
export type HaveOutcome = 'new' | 'now-seed' | 'known';

/**
 * What the remote peer has, fed only by its connection's messages: nothing known yet, a
 * bitfield (from a bitfield message, have-none or haves), or every piece. Before the piece
 * count is known (a magnet without metadata) the raw bitfield and haves wait here and are
 * checked once it is (`learnPieceCount`). Methods that take input return a violation text
 * for bad input, so the connection can close with it.
 */
export class RemotePieces implements RemotePiecesView {
  private bits: Bitfield | null = null;
  private all = false;
  /** A bitfield message or have-none received before the piece count was known. */
  private pendingBitfield: Buffer | null = null;
  private pendingNone = false;
  private pendingHaves: number[] = [];

  get isSeed(): boolean {
    return this.all || (this.bits?.complete ?? false);
  }

  get bitfield(): ReadonlyBitfield | null {
    return this.all ? null : this.bits;
  }

  has(index: number): boolean {
    return this.all || (this.bits?.has(index) ?? false);
  }

  get progress(): number {
    if (this.isSeed) return 1;
    return this.bits && this.bits.length > 0 ? this.bits.count / this.bits.length : 0;
  }

  /** A have-set message (bitfield, have-all, have-none) or a have already came: only one may. */
  private get announced(): boolean {
    return this.bits !== null || this.all || this.pendingBitfield !== null || this.pendingNone;
  }

  /** Raw state waiting for the piece count (for tests and diagnostics). */
  get pending(): { readonly bitfield: Buffer | null; readonly haves: readonly number[] } {
    return { bitfield: this.pendingBitfield, haves: this.pendingHaves };
  }

  /** @returns what the have changed, 'pending' while the piece count is unknown, or a violation */
  have(index: number, pieceCount: number): HaveOutcome | 'pending' | { violation: string } {
    if (pieceCount === 0) {
      if (this.pendingHaves.length < MAX_PENDING_HAVES) this.pendingHaves.push(index);
      return 'pending';
    }
    if (index >= pieceCount) return { violation: `have for piece ${index} of ${pieceCount}` };
    if (this.all) return 'known';
    this.bits ??= new Bitfield(pieceCount);
    if (!this.bits.set(index)) return 'known';
    return this.bits.complete ? 'now-seed' : 'new';
  }

  /** @returns null when accepted (or kept for later), else the violation */
  bitfieldMessage(payload: Buffer, pieceCount: number): string | null {
    if (this.announced) return 'second bitfield';
    if (pieceCount === 0) {
      this.pendingBitfield = Buffer.from(payload);
      return null;
    }
    return this.applyBitfield(payload, pieceCount);
  }

  haveAll(): string | null {
    if (this.announced) return 'second bitfield';
    this.all = true;
    return null;
  }

  haveNone(pieceCount: number): string | null {
    if (this.announced) return 'second bitfield';
    if (pieceCount === 0) this.pendingNone = true;
    else this.bits = new Bitfield(pieceCount);
    return null;
  }

  /** The piece count is known now (a magnet's metadata arrived): checks and applies what waited. */
  learnPieceCount(pieceCount: number): string | null {
    const pending = this.pendingBitfield;
    this.pendingBitfield = null;
    if (pending) {
      const error = this.applyBitfield(pending, pieceCount);
      if (error) return error;
    } else if (this.pendingNone) {
      this.bits = new Bitfield(pieceCount);
    }
    this.pendingNone = false;
    for (const index of this.pendingHaves.splice(0)) {
      const outcome = this.have(index, pieceCount);
      if (typeof outcome === 'object') return outcome.violation;
    }
    return null;
  }

  private applyBitfield(payload: Uint8Array, pieceCount: number): string | null {
    if (payload.length !== Math.ceil(pieceCount / 8)) return `bitfield of ${payload.length} bytes for ${pieceCount} pieces`;
    if (!spareBitsClear(payload, pieceCount)) return 'bitfield has spare bits set';
    this.bits = new Bitfield(pieceCount, payload);
    return null;
  }
}
