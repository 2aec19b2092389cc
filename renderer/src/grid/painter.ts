/**
 * Paints a PieceField onto a canvas: only the cells whose pieces changed, at most once per
 * animation frame. Fill styles are bucketed so a frame sets each colour once however many
 * cells it touches.
 */
import {
  EMPTY_LAYOUT, FAILED, IN_FLIGHT, SKIPPED, VERIFIED, cellAtPoint, cellOfPiece, computeLayout, summarizeRun,
  type GridLayout, type RunSummary,
} from './layout.js';
import type { PieceField } from './pieceField.js';
import { cssRgb, mix, parseColor, type Rgb } from './color.js';

export interface GridPalette {
  /** Canvas background (shows in the gaps). */
  background: string;
  /** Missing pieces by availability level (see availabilityLevel): 0 peers … many peers. */
  missing: readonly string[];
  inFlight: string;
  verified: string;
  failed: string;
  /** Pieces nobody downloads (all their files skipped): a hue of their own, apart from the missing shades. */
  skipped: string;
}

export const DEFAULT_PALETTE: GridPalette = {
  background: '#14171c',
  missing: ['#3a2328', '#262c36', '#2c3441', '#333d4d', '#3b475a'],
  inFlight: '#e8b34a',
  verified: '#3fb97a',
  failed: '#ff4d5e',
  skipped: '#3b2d63',
};

/**
 * The backgrounds of unfinished cells: the missing shades by availability, then the skipped
 * colour at index `missing.length` (a cell whose unverified pieces are all skipped).
 */
export function cellBackgrounds(p: GridPalette): string[] {
  return [...p.missing, p.skipped];
}

/** How long a failed-hash flash lasts, ms. */
export const FLASH_MS = 900;
const FLASH_LEVELS = 8;
/** Below this inner size (device px) a cell is one blended colour instead of stacked bars. */
export const BLEND_BELOW = 6;
/** Blend steps per availability shade. */
const BLEND_STEPS = 8;

/**
 * Colours for tiny cells, where bars would be 1 px stripes: a cell is drawn in one colour
 * mixed from its availability shade towards verified (by completed fraction) or towards the
 * in-flight colour (when blocks are arriving). Index: (kind * backgrounds + background) * (STEPS+1) + step,
 * backgrounds = the missing shades and the skipped colour (cellBackgrounds).
 */
export function blendTable(p: GridPalette): string[] | null {
  const v = parseColor(p.verified), f = parseColor(p.inFlight);
  const bases = cellBackgrounds(p).map(parseColor);
  if (!v || !f || bases.some((b) => b === null)) return null;
  const out: string[] = [];
  for (const target of [v, f]) {
    for (const base of bases as Rgb[]) {
      for (let q = 0; q <= BLEND_STEPS; q++) {
        const t = target === f ? 0.45 + 0.55 * (q / BLEND_STEPS) : q / BLEND_STEPS;
        out.push(cssRgb(mix(base, target, t)));
      }
    }
  }
  return out;
}

/** Palette colours packed as RGBA words for ImageData (null entries when unparseable). */
export interface PackedPalette {
  background: number;
  /** cellBackgrounds, packed. */
  missing: number[];
  verified: number;
  inFlight: number;
  failedRgb: Rgb;
  missingRgb: Rgb[];
  blend: number[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function packRgb(c: Rgb): number {
  return LITTLE_ENDIAN
    ? ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0
    : ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | 255) >>> 0;
}

export function packPalette(p: GridPalette, blend: readonly string[] | null): PackedPalette | null {
  const bg = parseColor(p.background), v = parseColor(p.verified), f = parseColor(p.inFlight), x = parseColor(p.failed);
  const miss = cellBackgrounds(p).map(parseColor);
  const bl = (blend ?? []).map(parseColor);
  if (!bg || !v || !f || !x || miss.some((m) => !m) || bl.some((m) => !m)) return null;
  return {
    background: packRgb(bg),
    missing: (miss as Rgb[]).map(packRgb),
    verified: packRgb(v),
    inFlight: packRgb(f),
    failedRgb: x,
    missingRgb: miss as Rgb[],
    blend: (bl as Rgb[]).map(packRgb),
  };
}

/**
 * Above this many changed cells a frame re-renders the whole grid into an ImageData buffer
 * (one putImageData) instead of issuing a fillRect per cell: tens of thousands of fillRects
 * cost tens of ms in software-rendered canvas, the pixel loop a couple.
 */
export const IMAGE_THRESHOLD = 1500;

/** Map a peer count to a shade index 0..levels-1: 0 peers, 1, 2–3, 4–7, 8+ (log scale). */
export function availabilityLevel(peers: number, levels: number): number {
  if (peers <= 0) return 0;
  const l = 1 + Math.floor(Math.log2(peers));
  return l < levels ? l : levels - 1;
}

/**
 * Colours laid over the state colours (the mosaic's modes): `pieceColor[i]` = k > 0 paints
 * piece i in `colors[k - 1]`. `verifiedOnly`: only whole verified cells (colour by source);
 * otherwise every cell with a colour (a peer's pieces highlighted).
 */
export interface GridTint {
  colors: readonly string[];
  pieceColor: Uint8Array;
  verifiedOnly: boolean;
}

function sameColors(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((c, k) => c === b[k]));
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
  private blend: string[] | null = blendTable(DEFAULT_PALETTE);
  private packed: PackedPalette | null = packPalette(DEFAULT_PALETTE, this.blend);
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
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
  private opColor = new Uint16Array(0);
  private colorCount = new Int32Array((this.blend?.length ?? 0) + 2);
  private colorOrder = new Int32Array(0);
  private opTint = new Uint8Array(0);
  private tint: GridTint | null = null;
  private tintPacked: number[] = [];

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
    if (field) {
      // The notification comes a microtask after the change; skip it if a paint already ran.
      this.unsubscribe = field.subscribe(() => {
        if (field.pendingChanges > 0) this.schedule();
      });
    }
    this.relayout();
  }

  setPalette(palette: GridPalette): void {
    this.palette = palette;
    this.blend = blendTable(palette);
    this.packed = packPalette(palette, this.blend);
    this.colorCount = new Int32Array(this.blend ? this.blend.length + 2 : 0);
    this.invalidateAll();
  }

  /**
   * Lays colours over the state colours (null: state only). A new pieceColor array with the
   * same colours repaints only the cells whose pieces changed colour (colour by source gets a
   * new array each time the log grows: a full repaint each time cost frames at full speed);
   * anything else repaints everything.
   */
  setTint(tint: GridTint | null): void {
    const prev = this.tint;
    if (prev && tint && prev.pieceColor !== tint.pieceColor && prev.pieceColor.length === tint.pieceColor.length && prev.verifiedOnly === tint.verifiedOnly && sameColors(prev.colors, tint.colors)) {
      this.tint = tint;
      const a = prev.pieceColor, b = tint.pieceColor, L = this.layout;
      let changed = false;
      for (let i = 0; i < b.length; i++) {
        if (a[i] === b[i]) continue;
        this.markCell(L.run === 1 ? i : cellOfPiece(L, i));
        changed = true;
      }
      if (changed) this.schedule();
      return;
    }
    this.tint = tint;
    this.tintPacked = (tint?.colors ?? []).map((c) => packRgb(parseColor(c) ?? [128, 128, 128]));
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

    // Many changed cells: cheaper to re-render everything into pixels at once.
    const imaging = this.packed !== null && typeof ctx.createImageData === 'function';
    if (!full && imaging && this.cellCount > IMAGE_THRESHOLD) full = true;

    let count: number;
    if (full) {
      this.clearCellMarks();
      count = field ? this.collectOps(now, null) : 0;
      if (!imaging || !this.drawImage(ctx, count)) {
        ctx.fillStyle = this.palette.background;
        ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
        if (count > 0) this.drawOps(ctx, count);
      }
    } else {
      count = this.collectOps(now, this.cellList.subarray(0, this.cellCount));
      this.clearCellMarks();
      if (count > 0) this.drawOps(ctx, count);
    }
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
      this.opColor = new Uint16Array(cells);
      this.colorOrder = new Int32Array(cells);
      this.opTint = new Uint8Array(cells);
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

  /** True when cells are too small for bars and a blend table is available. */
  private get blending(): boolean {
    const L = this.layout;
    return this.blend !== null && Math.min(L.cellW, L.cellH) - L.gap < BLEND_BELOW;
  }

  /** Work out what each cell looks like; returns the number of ops. */
  private collectOps(now: number, cells: Int32Array | null): number {
    const f = this.field;
    if (!f) return 0;
    const L = this.layout;
    const innerH = L.cellH - L.gap;
    const levels = this.palette.missing.length;
    // Background index of a cell with nothing wanted left but skipped pieces (cellBackgrounds).
    const skippedBg = levels;
    const backgrounds = levels + 1;
    const blending = this.blending;
    const steps1 = BLEND_STEPS + 1;
    const total = cells ? cells.length : L.cells;
    const { state, fraction, availability, failedAt } = f;
    const tint = this.tint;
    const tintOf = tint && tint.pieceColor.length >= f.pieceCount ? tint.pieceColor : null;
    let n = 0;
    for (let k = 0; k < total; k++) {
      const c = cells ? (cells[k] as number) : k;
      const first = c * L.run;
      const end = Math.min(f.pieceCount, first + L.run);
      let verified = 0, skipped = 0, inflightPieces = 0, inflight = 0, minA = 0xffff, lastFail = 0, failedNow = false;
      for (let i = first; i < end; i++) {
        const s = state[i] as number;
        if (s === VERIFIED) { verified++; continue; }
        if (s === SKIPPED) { skipped++; continue; }
        const a = availability[i] as number;
        if (a < minA) minA = a;
        if (s === IN_FLIGHT) { inflight += fraction[i] as number; inflightPieces++; }
        else if (s === FAILED) failedNow = true;
        const fa = failedAt[i] as number;
        if (fa > lastFail) lastFail = fa;
      }
      const count = end - first;
      let flash = 0;
      const flashing = lastFail > 0 && now - lastFail < FLASH_MS;
      if (flashing) flash = Math.max(1, Math.ceil((1 - (now - lastFail) / FLASH_MS) * FLASH_LEVELS));
      else if (failedNow) flash = 1; // failed and not yet re-requested: a faint mark remains
      if (flashing) this.flashing.add(c);
      else this.flashing.delete(c);

      this.opCell[n] = c;
      this.opFlash[n] = flash;
      const full = verified === count;
      this.opFull[n] = full ? 1 : 0;
      // Shaded by the availability of the wanted pieces left; a cell with none left but skipped ones is "skipped".
      const wantedLeft = count - verified - skipped;
      const lvl = full ? 0 : wantedLeft === 0 && skipped > 0 ? skippedBg : availabilityLevel(minA === 0xffff ? 0 : minA, levels);
      this.opBg[n] = lvl;
      let t = 0;
      if (tintOf && (full || !tint!.verifiedOnly)) {
        for (let i = first; i < end && t === 0; i++) t = tintOf[i] as number;
      }
      this.opTint[n] = t;
      if (blending) {
        // One colour per cell (see blendTable).
        const done = (verified + inflight) / count;
        const kind = inflightPieces > 0 ? 1 : 0;
        // Unfinished runs never reach the full verified colour.
        const q = Math.min(BLEND_STEPS - (kind === 0 ? 1 : 0), Math.round(done * BLEND_STEPS));
        this.opColor[n] = (kind * backgrounds + lvl) * steps1 + q;
      } else if (full) {
        this.opV[n] = 0;
        this.opF[n] = 0;
      } else {
        const vh = Math.round((verified / count) * innerH);
        let fh = Math.round((inflight / count) * innerH);
        if (inflight > 0 && fh === 0) fh = 1;
        if (vh + fh > innerH) fh = innerH - vh;
        this.opV[n] = vh;
        this.opF[n] = fh;
      }
      n++;
    }
    return n;
  }

  /** Renders all `n` ops (every cell) into an ImageData and puts it; false if unavailable. */
  private drawImage(ctx: CanvasRenderingContext2D, n: number): boolean {
    const P = this.packed;
    const W = this.canvas.width, H = this.canvas.height;
    if (!P) return false;
    if (!this.image || this.image.width !== W || this.image.height !== H) {
      this.image = ctx.createImageData(W, H);
      this.pixels = new Uint32Array(this.image.data.buffer, this.image.data.byteOffset, W * H);
    }
    const px = this.pixels;
    if (!px) return false;
    px.fill(P.background);
    const L = this.layout;
    const cols = L.cols, pw = L.cellW, ph = L.cellH, iw = pw - L.gap, ih = ph - L.gap;
    const blending = this.blending;
    const rect = (x: number, y: number, w: number, h: number, color: number): void => {
      let o = y * W + x;
      if (w <= 16) {
        // Tiny rects: a plain loop beats fill()'s call overhead.
        for (let r = 0; r < h; r++, o += W) for (let i = 0; i < w; i++) px[o + i] = color;
      } else {
        for (let r = 0; r < h; r++, o += W) px.fill(color, o, o + w);
      }
    };
    for (let k = 0; k < n; k++) {
      const c = this.opCell[k] as number;
      const x = (c % cols) * pw, y = Math.floor(c / cols) * ph;
      if (x + iw > W || y + ih > H) continue;
      const flash = this.opFlash[k] as number;
      if (flash > 0) {
        const base = P.missingRgb[this.opBg[k] as number] ?? P.missingRgb[0];
        if (base) rect(x, y, iw, ih, packRgb(mix(base, P.failedRgb, flash / FLASH_LEVELS)));
        continue;
      }
      const t = this.opTint[k] as number;
      if (t > 0) {
        rect(x, y, iw, ih, this.tintPacked[t - 1] ?? P.verified);
      } else if (this.opFull[k]) {
        rect(x, y, iw, ih, P.verified);
      } else if (blending) {
        rect(x, y, iw, ih, P.blend[this.opColor[k] as number] ?? P.background);
      } else {
        rect(x, y, iw, ih, P.missing[this.opBg[k] as number] ?? P.background);
        const vh = this.opV[k] as number, fh = this.opF[k] as number;
        if (vh > 0) rect(x, y + ih - vh, iw, vh, P.verified);
        if (fh > 0) rect(x, y + ih - vh - fh, iw, fh, P.inFlight);
      }
    }
    ctx.putImageData(this.image, 0, 0);
    return true;
  }

  private drawOps(ctx: CanvasRenderingContext2D, n: number): void {
    if (this.blending) this.drawBlended(ctx, n);
    else this.drawBars(ctx, n);
    if (this.tint) this.drawTints(ctx, n);
    this.drawFlashes(ctx, n);
  }

  /** Tinted cells over what the state drew, one fillStyle per colour. */
  private drawTints(ctx: CanvasRenderingContext2D, n: number): void {
    const colors = this.tint?.colors ?? [];
    const L = this.layout;
    const cols = L.cols, pw = L.cellW, ph = L.cellH, iw = pw - L.gap, ih = ph - L.gap;
    for (let t = 1; t <= colors.length; t++) {
      let set = false;
      for (let k = 0; k < n; k++) {
        if (this.opTint[k] !== t) continue;
        if (!set) { ctx.fillStyle = colors[t - 1]!; set = true; }
        const c = this.opCell[k] as number;
        ctx.fillRect((c % cols) * pw, Math.floor(c / cols) * ph, iw, ih);
      }
    }
  }

  /** Tiny cells: one rect each, grouped by colour with a counting sort. */
  private drawBlended(ctx: CanvasRenderingContext2D, n: number): void {
    const table = this.blend;
    if (!table) return;
    const L = this.layout;
    const cols = L.cols, pw = L.cellW, ph = L.cellH, iw = pw - L.gap, ih = ph - L.gap;
    const FULL = table.length; // slot of fully verified cells
    const counts = this.colorCount; // table.length + 2 slots
    const order = this.colorOrder;
    counts.fill(0);
    for (let k = 0; k < n; k++) {
      const slot = this.opFull[k] ? FULL : (this.opColor[k] as number);
      counts[slot + 1] = (counts[slot + 1] as number) + 1;
    }
    for (let i = 1; i < counts.length; i++) counts[i] = (counts[i] as number) + (counts[i - 1] as number);
    for (let k = 0; k < n; k++) {
      const slot = this.opFull[k] ? FULL : (this.opColor[k] as number);
      const at = counts[slot] as number;
      order[at] = k;
      counts[slot] = at + 1;
    }
    let current = -1;
    for (let j = 0; j < n; j++) {
      const k = order[j] as number;
      const slot = this.opFull[k] ? FULL : (this.opColor[k] as number);
      if (slot !== current) {
        ctx.fillStyle = slot === FULL ? this.palette.verified : (table[slot] ?? this.palette.background);
        current = slot;
      }
      const c = this.opCell[k] as number;
      ctx.fillRect((c % cols) * pw, Math.floor(c / cols) * ph, iw, ih);
    }
  }

  /** Larger cells: availability-shaded background, verified bar, in-flight bar on top. */
  private drawBars(ctx: CanvasRenderingContext2D, n: number): void {
    const L = this.layout;
    const cols = L.cols, pw = L.cellW, ph = L.cellH, iw = pw - L.gap, ih = ph - L.gap;
    const p = this.palette;
    const ops = this.opCell;
    // Pass 1: backgrounds of unfinished cells, one fillStyle per availability shade (and skipped).
    const backgrounds = cellBackgrounds(p);
    for (let lvl = 0; lvl < backgrounds.length; lvl++) {
      let set = false;
      for (let k = 0; k < n; k++) {
        if (this.opFull[k] || this.opBg[k] !== lvl) continue;
        if (!set) { ctx.fillStyle = backgrounds[lvl] ?? p.background; set = true; }
        const c = ops[k] as number;
        ctx.fillRect((c % cols) * pw, Math.floor(c / cols) * ph, iw, ih);
      }
    }
    // Pass 2: verified — whole cells, and the bottom bar of partly verified runs.
    ctx.fillStyle = p.verified;
    for (let k = 0; k < n; k++) {
      const c = ops[k] as number;
      const x = (c % cols) * pw, y = Math.floor(c / cols) * ph;
      if (this.opFull[k]) ctx.fillRect(x, y, iw, ih);
      else {
        const vh = this.opV[k] as number;
        if (vh > 0) ctx.fillRect(x, y + ih - vh, iw, vh);
      }
    }
    // Pass 3: in-flight bars, stacked on top of the verified part.
    ctx.fillStyle = p.inFlight;
    for (let k = 0; k < n; k++) {
      const fh = this.opF[k] as number;
      if (fh === 0 || this.opFull[k]) continue;
      const c = ops[k] as number;
      const vh = this.opV[k] as number;
      ctx.fillRect((c % cols) * pw, Math.floor(c / cols) * ph + ih - vh - fh, iw, fh);
    }
  }

  /** Failed-hash flashes, fading out over FLASH_MS. */
  private drawFlashes(ctx: CanvasRenderingContext2D, n: number): void {
    let any = false;
    for (let k = 0; k < n; k++) if (this.opFlash[k]) { any = true; break; }
    if (!any) return;
    const L = this.layout;
    const cols = L.cols, pw = L.cellW, ph = L.cellH, iw = pw - L.gap, ih = ph - L.gap;
    ctx.fillStyle = this.palette.failed;
    for (let lvl = 1; lvl <= FLASH_LEVELS; lvl++) {
      let set = false;
      for (let k = 0; k < n; k++) {
        if (this.opFlash[k] !== lvl) continue;
        if (!set) { ctx.globalAlpha = lvl / FLASH_LEVELS; set = true; }
        const c = this.opCell[k] as number;
        ctx.fillRect((c % cols) * pw, Math.floor(c / cols) * ph, iw, ih);
      }
    }
    ctx.globalAlpha = 1;
  }
}
