/**
 * The piece state of one torrent, kept in typed arrays outside React.
 *
 * Writers (the event stream) mutate it through the methods below, which record which pieces
 * changed; the canvas painter drains that list once per animation frame. Nothing here
 * allocates per update, so thousands of block updates per second cost next to nothing.
 */
import { FAILED, IN_FLIGHT, MISSING, SKIPPED, VERIFIED } from './layout.js';

export type FieldListener = () => void;

export class PieceField {
  readonly pieceCount: number;
  /** One state byte per piece: MISSING / IN_FLIGHT / VERIFIED / FAILED / SKIPPED. */
  readonly state: Uint8Array;
  /** Fraction of blocks received per piece, 0..1 (meaningful while in flight). */
  readonly fraction: Float32Array;
  /** Number of connected peers that have each piece. */
  readonly availability: Uint16Array;
  /** performance.now() of the last failed hash per piece (0 = never): drives the flash. */
  readonly failedAt: Float64Array;
  /** Count of verified pieces, kept current on every write. */
  verified = 0;
  /** Count of skipped pieces (not verified, not wanted), kept current on every write. */
  skipped = 0;

  private readonly dirtyFlag: Uint8Array;
  private dirtyList: Int32Array;
  private dirtyCount = 0;
  private allDirty = true;
  private readonly listeners = new Set<FieldListener>();
  private notifyPending = false;

  constructor(pieceCount: number) {
    this.pieceCount = Math.max(0, Math.floor(pieceCount));
    this.state = new Uint8Array(this.pieceCount);
    this.fraction = new Float32Array(this.pieceCount);
    this.availability = new Uint16Array(this.pieceCount);
    this.failedAt = new Float64Array(this.pieceCount);
    this.dirtyFlag = new Uint8Array(this.pieceCount);
    this.dirtyList = new Int32Array(Math.min(this.pieceCount, 4096));
  }

  /** Set piece `i` to `state`, with `fraction` of its blocks received (for IN_FLIGHT). */
  setPiece(i: number, state: number, fraction = 0): void {
    if (!(i >= 0 && i < this.pieceCount)) return;
    const prev = this.state[i];
    const f = state === VERIFIED ? 1 : state === IN_FLIGHT ? clamp01(fraction) : 0;
    if (prev === state && this.fraction[i] === Math.fround(f)) return;
    if (prev === VERIFIED) this.verified--;
    if (state === VERIFIED) this.verified++;
    if (prev === SKIPPED) this.skipped--;
    if (state === SKIPPED) this.skipped++;
    this.state[i] = state;
    this.fraction[i] = f;
    this.markDirty(i);
  }

  /** A piece failed its hash check: it flashes, and goes back to `thenState` (MISSING by default). */
  fail(i: number, now: number, thenState: number = FAILED): void {
    if (!(i >= 0 && i < this.pieceCount)) return;
    this.failedAt[i] = now;
    this.setPiece(i, thenState, 0);
    this.markDirty(i);
  }

  setAvailability(i: number, count: number): void {
    if (!(i >= 0 && i < this.pieceCount)) return;
    const v = count <= 0 ? 0 : count >= 0xffff ? 0xffff : Math.floor(count);
    if (this.availability[i] === v) return;
    this.availability[i] = v;
    this.markDirty(i);
  }

  /** Replace everything at once (a snapshot). Lengths shorter than pieceCount leave the rest untouched. */
  load(states: ArrayLike<number>, fractions?: ArrayLike<number>, availability?: ArrayLike<number>): void {
    const n = Math.min(this.pieceCount, states.length);
    let verified = 0, skipped = 0;
    for (let i = 0; i < this.pieceCount; i++) {
      const s = i < n ? (states[i] ?? MISSING) : MISSING;
      const st = s === IN_FLIGHT || s === VERIFIED || s === FAILED || s === SKIPPED ? s : MISSING;
      this.state[i] = st;
      this.fraction[i] = st === VERIFIED ? 1 : st === IN_FLIGHT ? clamp01(fractions?.[i] ?? 0) : 0;
      if (st === VERIFIED) verified++;
      else if (st === SKIPPED) skipped++;
    }
    this.verified = verified;
    this.skipped = skipped;
    if (availability) {
      const m = Math.min(this.pieceCount, availability.length);
      for (let i = 0; i < m; i++) this.availability[i] = Math.min(0xffff, Math.max(0, availability[i] ?? 0));
    }
    this.invalidateAll();
  }

  /** Everything needs repainting (snapshot, resize, theme change). */
  invalidateAll(): void {
    this.allDirty = true;
    this.clearDirtyList();
    this.notify();
  }

  /**
   * Hand the changed pieces to `visit` and forget them. Returns true when everything
   * changed (the caller repaints the whole grid; `visit` is not called).
   */
  drain(visit: (piece: number) => void): boolean {
    if (this.allDirty) {
      this.allDirty = false;
      this.clearDirtyList();
      return true;
    }
    const list = this.dirtyList;
    const n = this.dirtyCount;
    for (let k = 0; k < n; k++) {
      const i = list[k] as number;
      this.dirtyFlag[i] = 0;
      visit(i);
    }
    this.dirtyCount = 0;
    return false;
  }

  get pendingChanges(): number {
    return this.allDirty ? this.pieceCount : this.dirtyCount;
  }

  /** Called (at most once per microtask) after changes. */
  subscribe(fn: FieldListener): () => void {
    this.listeners.add(fn);
    if (this.pendingChanges > 0) this.notify();
    return () => { this.listeners.delete(fn); };
  }

  private markDirty(i: number): void {
    if (this.allDirty || this.dirtyFlag[i]) {
      this.notify();
      return;
    }
    this.dirtyFlag[i] = 1;
    if (this.dirtyCount === this.dirtyList.length) {
      const bigger = new Int32Array(Math.min(this.pieceCount, this.dirtyList.length * 2 || 16));
      bigger.set(this.dirtyList);
      this.dirtyList = bigger;
    }
    this.dirtyList[this.dirtyCount++] = i;
    this.notify();
  }

  private clearDirtyList(): void {
    for (let k = 0; k < this.dirtyCount; k++) this.dirtyFlag[this.dirtyList[k] as number] = 0;
    this.dirtyCount = 0;
  }

  private notify(): void {
    if (this.notifyPending || this.listeners.size === 0) return;
    this.notifyPending = true;
    queueMicrotask(() => {
      this.notifyPending = false;
      for (const fn of this.listeners) fn();
    });
  }
}

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}
