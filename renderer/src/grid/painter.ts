/**
 * Paints a PieceField onto a canvas: only the cells whose pieces changed, at most once per
 * animation frame. Fill styles are bucketed so a frame sets each colour once however many
 * cells it touches.
 */
import {
  EMPTY_LAYOUT, FAILED, IN_FLIGHT, VERIFIED, cellAtPoint, cellOfPiece, computeLayout, summarizeRun,
  type GridLayout, type RunSummary,
} from './layout.js';
import type { PieceField } from './pieceField.js';

export interface GridPalette {
  /** Canvas background (shows in the gaps). */
  background: string;
  /** Missing pieces by availability level (see availabilityLevel): 0 peers … many peers. */
  missing: readonly string[];
  inFlight: string;
  verified: string;
  failed: string;
}

export const DEFAULT_PALETTE: GridPalette = {
  background: '#14171c',
  missing: ['#3a2328', '#262c36', '#2c3441', '#333d4d', '#3b475a'],
  inFlight: '#e8b34a',
  verified: '#3fb97a',
  failed: '#ff4d5e',
};

/** How long a failed-hash flash lasts, ms. */
export const FLASH_MS = 900;
const FLASH_LEVELS = 8;

/** Map a peer count to a shade index 0..levels-1: 0 peers, 1, 2–3, 4–7, 8+ (log scale). */
export function availabilityLevel(peers: number, levels: number): number {
  if (peers <= 0) return 0;
  const l = 1 + Math.floor(Math.log2(peers));
  return l < levels ? l : levels - 1;
}

export interface FrameStats {
  /** Cells painted this frame. */
  cells: number;
  full: boolean;
  ms: number;
}

export class GridPainter {
  layout: GridLayout = EMPTY_LAYOUT;
  private ctx: CanvasRenderingContext2D | null;
  private field: PieceField | null = null;
  private unsubscribe: (() => void) | null = null;
  private palette: GridPalette = DEFAULT_PALETTE;
  private dpr = 1;
  private cssWidth = 0;
  private cssHeight = 0;
  private raf = 0;
  private destroyed = false;

  // Cells to repaint this frame.
  private cellDirty = new Uint8Array(0);
  private cellList = new Int32Array(0);
  private cellCount = 0;
  private full = true;
  // Cells with a running flash (repainted every frame until it fades).
  private flashing = new Set<number>();

  // Per-frame paint ops (struct of arrays, reused).
  private opCell = new Int32Array(0);
  private opBg = new Uint8Array(0);
  private opV = new Uint16Array(0);
  private opF = new Uint16Array(0);
  private opFlash = new Uint8Array(0);
  private opFull = new Uint8Array(0);

  /** Hook for benchmarks and tests. */
  onFrame: ((stats: FrameStats) => void) | null = null;
  /** Clock, injectable for tests. */
  now: () => number = () => performance.now();
  /** Frame scheduler, injectable for tests. */
  requestFrame: (cb: (t: number) => void) => number = (cb) => requestAnimationFrame(cb);
  cancelFrame: (id: number) => void = (id) => cancelAnimationFrame(id);

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d', { alpha: false });
  }

  setField(field: PieceField | null): void {
    if (field === this.field) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.field = field;
    this.flashing.clear();
    if (field) this.unsubscribe = field.subscribe(() => this.schedule());
    this.relayout();
  }

  setPalette(palette: GridPalette): void {
    this.palette = palette;
    this.invalidateAll();
  }

  /** The canvas' box in CSS pixels and the device pixel ratio. */
  resize(cssWidth: number, cssHeight: number, dpr: number): void {
    const d = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
    if (cssWidth === this.cssWidth && cssHeight === this.cssHeight && d === this.dpr) return;
    this.cssWidth = Math.max(0, cssWidth);
    this.cssHeight = Math.max(0, cssHeight);
    this.dpr = d;
    const w = Math.floor(this.cssWidth * d);
    const h = Math.floor(this.cssHeight * d);
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    this.relayout();
  }

  invalidateAll(): void {
    this.full = true;
    this.schedule();
  }

  /** The cell under a point given in CSS pixels relative to the canvas, or -1. */
  cellAt(cssX: number, cssY: number): number {
    return cellAtPoint(this.layout, cssX * this.dpr, cssY * this.dpr);
  }

  /** Aggregate of the pieces shown by cell `c`, or null. */
  describeCell(c: number): RunSummary | null {
    const f = this.field;
    if (!f || c < 0 || c >= this.layout.cells) return null;
    const first = c * this.layout.run;
    return summarizeRun(f.state, f.fraction, f.availability, first, Math.min(f.pieceCount, first + this.layout.run));
  }

  /** Paint whatever is pending now (tests and benchmarks call this directly). */
  paint(now: number = this.now()): FrameStats {
    const t0 = this.now();
    const field = this.field;
    const ctx = this.ctx;
    const L = this.layout;
    if (!ctx || this.canvas.width === 0 || this.canvas.height === 0) return { cells: 0, full: false, ms: 0 };

    let full = this.full;
    this.full = false;
    if (field) {
      const run = L.run;
      if (field.drain((p) => this.markCell(run === 1 ? p : cellOfPiece(L, p)))) full = true;
    }
    // Running flashes repaint every frame.
    for (const c of this.flashing) this.markCell(c);

    let count: number;
    if (full) {
      ctx.fillStyle = this.palette.background;
      ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      this.clearCellMarks();
      count = field ? this.collectOps(now, null) : 0;
    } else {
      count = this.collectOps(now, this.cellList.subarray(0, this.cellCount));
      this.clearCellMarks();
    }
    if (count > 0) this.drawOps(ctx, count);
    const stats = { cells: count, full, ms: this.now() - t0 };
    this.onFrame?.(stats);
    if (this.flashing.size > 0) this.schedule();
    return stats;
  }

  destroy(): void {
    this.destroyed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.raf) this.cancelFrame(this.raf);
    this.raf = 0;
  }

  private schedule(): void {
    if (this.raf || this.destroyed) return;
    this.raf = this.requestFrame((t) => {
      this.raf = 0;
      this.paint(t);
    });
  }

  private relayout(): void {
    const n = this.field?.pieceCount ?? 0;
    const d = this.dpr;
    this.layout = computeLayout(n, this.canvas.width, this.canvas.height, {
      minCell: Math.max(2, Math.round(2 * d)),
      maxCell: Math.round(22 * d),
    });
    const cells = this.layout.cells;
    if (this.cellDirty.length < cells) {
      this.cellDirty = new Uint8Array(cells);
      this.cellList = new Int32Array(cells);
      this.opCell = new Int32Array(cells);
      this.opBg = new Uint8Array(cells);
      this.opV = new Uint16Array(cells);
      this.opF = new Uint16Array(cells);
      this.opFlash = new Uint8Array(cells);
      this.opFull = new Uint8Array(cells);
    } else {
      this.clearCellMarks();
    }
    this.flashing.clear();
    this.invalidateAll();
  }

  private markCell(c: number): void {
    if (c < 0 || c >= this.layout.cells || this.cellDirty[c]) return;
    this.cellDirty[c] = 1;
    this.cellList[this.cellCount++] = c;
  }

  private clearCellMarks(): void {
    for (let k = 0; k < this.cellCount; k++) this.cellDirty[this.cellList[k] as number] = 0;
    this.cellCount = 0;
  }

  /** Work out what each cell looks like; returns the number of ops. */
  private collectOps(now: number, cells: Int32Array | null): number {
    const f = this.field;
    if (!f) return 0;
    const L = this.layout;
    const inner = L.cell - L.gap;
    const levels = this.palette.missing.length;
    const total = cells ? cells.length : L.cells;
    const { state, fraction, availability, failedAt } = f;
    let n = 0;
    for (let k = 0; k < total; k++) {
      const c = cells ? (cells[k] as number) : k;
      const first = c * L.run;
      const end = Math.min(f.pieceCount, first + L.run);
      let verified = 0, inflight = 0, minA = 0xffff, lastFail = 0, failedNow = false;
      for (let i = first; i < end; i++) {
        const s = state[i] as number;
        if (s === VERIFIED) { verified++; continue; }
        const a = availability[i] as number;
        if (a < minA) minA = a;
        if (s === IN_FLIGHT) inflight += fraction[i] as number;
        else if (s === FAILED) failedNow = true;
        const fa = failedAt[i] as number;
        if (fa > lastFail) lastFail = fa;
      }
      const count = end - first;
      let flash = 0;
      if (lastFail > 0) {
        const age = now - lastFail;
        if (age < FLASH_MS) flash = Math.max(1, Math.ceil((1 - age / FLASH_MS) * FLASH_LEVELS));
      }
      if (failedNow && flash === 0) flash = 1; // a failed piece not yet re-requested keeps a faint mark
      if (flash > 0 && lastFail > 0 && now - lastFail < FLASH_MS) this.flashing.add(c);
      else this.flashing.delete(c);

      this.opCell[n] = c;
      this.opFlash[n] = flash;
      if (verified === count) {
        this.opFull[n] = 1;
        this.opBg[n] = 0;
        this.opV[n] = 0;
        this.opF[n] = 0;
      } else {
        this.opFull[n] = 0;
        this.opBg[n] = availabilityLevel(minA === 0xffff ? 0 : minA, levels);
        const vh = Math.round((verified / count) * inner);
        let fh = Math.round((inflight / count) * inner);
        if (inflight > 0 && fh === 0) fh = 1;
        if (vh + fh > inner) fh = inner - vh;
        this.opV[n] = vh;
        this.opF[n] = fh;
      }
      n++;
    }
    return n;
  }

  private drawOps(ctx: CanvasRenderingContext2D, n: number): void {
    const L = this.layout;
    const cols = L.cols, pitch = L.cell, inner = L.cell - L.gap;
    const p = this.palette;
    const ops = this.opCell;
    // Pass 1: backgrounds of unfinished cells, one fillStyle per availability shade.
    for (let lvl = 0; lvl < p.missing.length; lvl++) {
      let set = false;
      for (let k = 0; k < n; k++) {
        if (this.opFull[k] || this.opBg[k] !== lvl) continue;
        if (!set) { ctx.fillStyle = p.missing[lvl] ?? p.background; set = true; }
        const c = ops[k] as number;
        ctx.fillRect((c % cols) * pitch, Math.floor(c / cols) * pitch, inner, inner);
      }
    }
    // Pass 2: verified — whole cells, and the bottom bar of partly verified runs.
    ctx.fillStyle = p.verified;
    for (let k = 0; k < n; k++) {
      const c = ops[k] as number;
      const x = (c % cols) * pitch, y = Math.floor(c / cols) * pitch;
      if (this.opFull[k]) ctx.fillRect(x, y, inner, inner);
      else {
        const vh = this.opV[k] as number;
        if (vh > 0) ctx.fillRect(x, y + inner - vh, inner, vh);
      }
    }
    // Pass 3: in-flight bars, stacked on top of the verified part.
    ctx.fillStyle = p.inFlight;
    for (let k = 0; k < n; k++) {
      const fh = this.opF[k] as number;
      if (fh === 0) continue;
      const c = ops[k] as number;
      const vh = this.opV[k] as number;
      ctx.fillRect((c % cols) * pitch, Math.floor(c / cols) * pitch + inner - vh - fh, inner, fh);
    }
    // Pass 4: failed-hash flashes, fading out.
    let any = false;
    for (let k = 0; k < n; k++) if (this.opFlash[k]) { any = true; break; }
    if (!any) return;
    ctx.fillStyle = p.failed;
    for (let lvl = 1; lvl <= FLASH_LEVELS; lvl++) {
      let set = false;
      for (let k = 0; k < n; k++) {
        if (this.opFlash[k] !== lvl) continue;
        if (!set) { ctx.globalAlpha = lvl / FLASH_LEVELS; set = true; }
        const c = ops[k] as number;
        ctx.fillRect((c % cols) * pitch, Math.floor(c / cols) * pitch, inner, inner);
      }
    }
    ctx.globalAlpha = 1;
  }
}
