import { describe, expect, it } from 'vitest';
import { FAILED, IN_FLIGHT, MISSING, SKIPPED, VERIFIED } from './layout.js';
import { DEFAULT_PALETTE, FLASH_MS, GridPainter, availabilityLevel, blendTable, packRgb } from './painter.js';
import { parseColor } from './color.js';
import { PieceField } from './pieceField.js';

interface Rect { style: string; alpha: number; x: number; y: number; w: number; h: number }

/** A canvas whose 2D context records fillRect calls (and putImageData, with `imaging`). */
function fakeCanvas(imaging = false) {
  const puts: Array<{ width: number; height: number; data: Uint8ClampedArray }> = [];
  const rects: Rect[] = [];
  let styleSets = 0;
  const ctx = {
    _fill: '#000',
    globalAlpha: 1,
    get fillStyle() { return this._fill; },
    set fillStyle(v: string) { this._fill = v; styleSets++; },
    fillRect(x: number, y: number, w: number, h: number) { rects.push({ style: this._fill, alpha: this.globalAlpha, x, y, w, h }); },
    ...(imaging ? {
      createImageData(w: number, h: number) { return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }; },
      putImageData(img: { width: number; height: number; data: Uint8ClampedArray }) { puts.push(img); },
    } : {}),
  };
  const canvas = { width: 0, height: 0, getContext: () => ctx };
  return {
    canvas: canvas as unknown as HTMLCanvasElement,
    rects,
    puts,
    styleSets: () => styleSets,
    reset() { rects.length = 0; styleSets = 0; },
  };
}

function setup(pieces: number, w: number, h: number, dpr = 1, imaging = false) {
  const fc = fakeCanvas(imaging);
  const painter = new GridPainter(fc.canvas);
  const frames: Array<(t: number) => void> = [];
  painter.requestFrame = (cb) => { frames.push(cb); return frames.length; };
  painter.cancelFrame = () => undefined;
  let clock = 1000;
  painter.now = () => clock;
  const field = new PieceField(pieces);
  painter.setField(field);
  painter.resize(w, h, dpr);
  return {
    fc, painter, field, frames,
    tick(ms: number) { clock += ms; },
    /** Runs the pending animation frames (as the browser would). */
    runFrames(): number {
      const pending = frames.splice(0);
      for (const f of pending) f(clock);
      return pending.length;
    },
    get clock() { return clock; },
  };
}

describe('availabilityLevel', () => {
  it('is logarithmic and capped', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 1000].map((p) => availabilityLevel(p, 5))).toEqual([0, 1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('blendTable', () => {
  it('has (2 kinds × (shades + skipped) × 9 steps) colours, or null for unparseable palettes', () => {
    expect(blendTable(DEFAULT_PALETTE)?.length).toBe(2 * (DEFAULT_PALETTE.missing.length + 1) * 9);
    expect(blendTable({ ...DEFAULT_PALETTE, skipped: 'nope' })).toBeNull();
    expect(blendTable({ ...DEFAULT_PALETTE, verified: 'hsl(1 2% 3%)' })).toBeNull();
  });
});

describe('GridPainter', () => {
  it('sizes the canvas in device pixels and paints every cell on the first frame', () => {
    const { fc, painter } = setup(100, 200, 100, 2);
    expect(fc.canvas.width).toBe(400);
    expect(fc.canvas.height).toBe(200);
    const stats = painter.paint(0);
    expect(stats.full).toBe(true);
    expect(stats.cells).toBe(100);
    // background + one background rect per (all-missing) cell
    expect(fc.rects.length).toBe(1 + 100);
  });

  it('repaints only the cells whose pieces changed', async () => {
    const { fc, painter, field } = setup(100, 200, 100);
    painter.paint(0);
    fc.reset();
    field.setPiece(7, IN_FLIGHT, 0.5);
    field.setPiece(7, IN_FLIGHT, 0.75);
    field.setPiece(42, VERIFIED);
    const stats = painter.paint(0);
    expect(stats.full).toBe(false);
    expect(stats.cells).toBe(2);
    const L = painter.layout;
    const inner = L.cellH - L.gap;
    // piece 7: background + in-flight bar 3/4 high; piece 42: one verified rect
    const bar = fc.rects.find((r) => r.style === DEFAULT_PALETTE.inFlight);
    expect(bar?.h).toBe(Math.round(0.75 * inner));
    expect(fc.rects.filter((r) => r.style === DEFAULT_PALETTE.verified)).toHaveLength(1);
    fc.reset();
    expect(painter.paint(0).cells).toBe(0);
    expect(fc.rects).toHaveLength(0);
  });

  it('schedules at most one frame for many changes', async () => {
    const env = setup(1000, 300, 200);
    expect(env.runFrames()).toBe(1); // the first full paint
    for (let i = 0; i < 500; i++) env.field.setPiece(i, IN_FLIGHT, 0.1);
    await Promise.resolve();
    expect(env.frames).toHaveLength(1);
    let painted = 0;
    env.painter.onFrame = (s) => { painted = s.cells; };
    env.runFrames();
    expect(painted).toBe(500);
    await Promise.resolve();
    expect(env.frames).toHaveLength(0);
  });

  it('maps piece changes to run cells above the cell limit and blends tiny cells', () => {
    const { fc, painter, field } = setup(100_000, 600, 300);
    const L = painter.layout;
    expect(L.run).toBeGreaterThan(1);
    painter.paint(0);
    fc.reset();
    // Two pieces in the same run, one in another run.
    field.setPiece(0, VERIFIED);
    field.setPiece(1, IN_FLIGHT, 0.5);
    field.setPiece(L.run * 10, VERIFIED);
    const stats = painter.paint(0);
    expect(stats.cells).toBe(2);
    // Blended: exactly one rect per cell, and few fillStyle changes.
    expect(fc.rects).toHaveLength(2);
    expect(fc.styleSets()).toBeLessThanOrEqual(2);
  });

  it('groups fill styles: a full repaint of 20k cells sets a handful of colours', () => {
    const { fc, painter, field } = setup(20_000, 800, 400);
    for (let i = 0; i < 20_000; i++) {
      field.setAvailability(i, i % 9);
      if (i % 3 === 0) field.setPiece(i, VERIFIED);
      else if (i % 3 === 1) field.setPiece(i, IN_FLIGHT, (i % 7) / 7);
    }
    painter.paint(0);
    expect(fc.styleSets()).toBeLessThan(60);
  });

  it('flashes a failed piece and fades it out', async () => {
    const env = setup(16, 160, 160);
    const { fc, painter, field, frames } = env;
    env.runFrames();
    fc.reset();
    field.fail(3, env.clock, FAILED);
    await Promise.resolve();
    env.runFrames();
    const flash = fc.rects.filter((r) => r.style === DEFAULT_PALETTE.failed);
    expect(flash).toHaveLength(1);
    expect(flash[0]?.alpha).toBe(1);
    // Keeps repainting while the flash runs…
    expect(frames.length).toBe(1);
    env.tick(FLASH_MS / 2);
    fc.reset();
    env.runFrames();
    const mid = fc.rects.filter((r) => r.style === DEFAULT_PALETTE.failed);
    expect(mid[0]?.alpha).toBeGreaterThan(0);
    expect(mid[0]?.alpha).toBeLessThan(1);
    // …and stops when it is over (the piece went back to missing).
    field.setPiece(3, MISSING);
    env.tick(FLASH_MS);
    fc.reset();
    env.runFrames();
    expect(fc.rects.filter((r) => r.style === DEFAULT_PALETTE.failed)).toHaveLength(0);
    await Promise.resolve();
    expect(frames).toHaveLength(0);
    void painter;
  });

  it('hit-tests in CSS pixels and describes the cell', () => {
    const { painter, field } = setup(50, 100, 100, 2);
    field.setPiece(0, VERIFIED);
    field.setAvailability(1, 4);
    const L = painter.layout;
    const c = painter.cellAt((L.cellW * 1.5) / 2, 1);
    expect(c).toBe(1);
    const d = painter.describeCell(c);
    expect(d?.first).toBe(1);
    expect(d?.minAvailability).toBe(4);
    expect(painter.cellAt(-5, 0)).toBe(-1);
    expect(painter.describeCell(999)).toBeNull();
  });

  it('renders full repaints and big batches into one ImageData', () => {
    const { fc, painter, field } = setup(20_000, 800, 400, 1, true);
    painter.paint(0);
    expect(fc.puts).toHaveLength(1);
    expect(fc.rects).toHaveLength(0);
    // A verified cell's pixels carry the verified colour.
    field.setPiece(0, VERIFIED);
    painter.paint(0); // one cell: fillRect path
    expect(fc.rects.length).toBeGreaterThan(0);
    expect(fc.puts).toHaveLength(1);
    for (let i = 1; i < 3000; i++) field.setPiece(i, VERIFIED);
    fc.reset();
    painter.paint(0); // > IMAGE_THRESHOLD cells: image path again
    expect(fc.puts).toHaveLength(2);
    expect(fc.rects).toHaveLength(0);
    const img = fc.puts[1];
    const L = painter.layout;
    const at = (x: number, y: number) => Array.from(img?.data.slice((y * (img?.width ?? 0) + x) * 4, (y * (img?.width ?? 0) + x) * 4 + 4) ?? []);
    expect(at(0, 0)).toEqual([0x3f, 0xb9, 0x7a, 255]); // DEFAULT_PALETTE.verified, cell 0
    const last = L.cells - 1;
    const lx = (last % L.cols) * L.cellW, ly = Math.floor(last / L.cols) * L.cellH;
    expect(at(lx, ly)).not.toEqual([0x3f, 0xb9, 0x7a, 255]);
    // The gap between cells shows the background.
    if (L.gap > 0) expect(at(L.cellW - 1, 0)).toEqual([0x14, 0x17, 0x1c, 255]);
  });

  it('paints skipped pieces in the skipped colour, never in a missing shade, in bars, blended cells and the image path', () => {
    // Big cells (bars): pieces 0–1 skipped, 2 missing with no peer, 3 verified.
    const bars = setup(4, 200, 100);
    bars.field.load([SKIPPED, SKIPPED, MISSING, VERIFIED]);
    bars.fc.reset();
    bars.painter.paint(0);
    const styles = bars.fc.rects.slice(1).map((r) => r.style); // after the background
    expect(styles.filter((c) => c === DEFAULT_PALETTE.skipped)).toHaveLength(2);
    expect(styles.filter((c) => c === DEFAULT_PALETTE.missing[0])).toHaveLength(1);
    // A run with its wanted pieces all verified and the rest skipped: skipped behind the verified part, not a missing shade.
    const runs = setup(100_000, 600, 300);
    const L = runs.painter.layout;
    expect(L.run).toBeGreaterThan(1);
    const states = new Uint8Array(100_000).fill(SKIPPED);
    for (let i = 0; i < L.run; i += 2) states[i] = VERIFIED;
    runs.field.load(states);
    runs.fc.reset();
    runs.painter.paint(0);
    const blend = blendTable(DEFAULT_PALETTE)!;
    const levels = DEFAULT_PALETTE.missing.length;
    const skippedRow = blend.slice(levels * 9, (levels + 1) * 9);
    const cellStyles = runs.fc.rects.slice(1).map((r) => r.style);
    expect(cellStyles.every((c) => skippedRow.includes(c))).toBe(true);
    expect(cellStyles[1]).toBe(blend[levels * 9]); // a run of only skipped pieces: the skipped colour itself
    // Image path.
    const img = setup(2, 40, 20, 1, true);
    img.field.load([SKIPPED, MISSING]);
    img.fc.puts.length = 0;
    img.painter.paint(0);
    const put = img.fc.puts.at(-1)!;
    const word = new Uint32Array(put.data.buffer, put.data.byteOffset, put.width * put.height);
    expect(word[put.width + 1]).toBe(packRgb(parseColor(DEFAULT_PALETTE.skipped)!));
    expect(word[put.width + put.width - 3]).toBe(packRgb(parseColor(DEFAULT_PALETTE.missing[0]!)!));
  });

  it('relayouts on resize and repaints everything', () => {
    const { painter } = setup(500, 300, 200);
    painter.paint(0);
    const before = painter.layout.cellW;
    painter.resize(600, 400, 1);
    expect(painter.layout.cellW).toBeGreaterThan(before);
    expect(painter.paint(0).full).toBe(true);
  });
});

describe('GridPainter tints (the mosaic modes)', () => {
  it('colour by source: verified pieces in their source colour, others as before', () => {
    const { fc, painter, field } = setup(4, 200, 100);
    field.load([VERIFIED, VERIFIED, MISSING, VERIFIED]);
    painter.setTint({ colors: ['#ff0000', '#00ff00'], pieceColor: Uint8Array.of(1, 2, 1, 0), verifiedOnly: true });
    fc.reset();
    painter.paint(0);
    const styleOf = (style: string) => fc.rects.filter((r) => r.style === style).length;
    expect(styleOf('#ff0000')).toBe(1); // piece 2 has a colour but is missing: not tinted
    expect(styleOf('#00ff00')).toBe(1);
    // Piece 3 has no source colour: drawn verified.
    const tinted = fc.rects.filter((r) => r.style === '#ff0000' || r.style === '#00ff00').map((r) => r.x).sort((a, b) => a - b);
    const verifiedXs = fc.rects.filter((r) => r.style === DEFAULT_PALETTE.verified).map((r) => r.x);
    expect(tinted).toHaveLength(2);
    expect(verifiedXs.length).toBeGreaterThanOrEqual(3); // bars first, tints over them
  });

  it('a new source colouring with the same colours repaints only the cells whose colour changed', () => {
    const { fc, painter, field } = setup(100, 400, 200);
    field.load(new Array<number>(100).fill(VERIFIED));
    const colors = ['#ff0000', '#00ff00'];
    painter.setTint({ colors, pieceColor: new Uint8Array(100).fill(1), verifiedOnly: true });
    painter.paint(0);
    const next = new Uint8Array(100).fill(1);
    next[7] = 2;
    next[42] = 2;
    painter.setTint({ colors: [...colors], pieceColor: next, verifiedOnly: true });
    fc.reset();
    const stats = painter.paint(0);
    expect(stats.full).toBe(false);
    expect(stats.cells).toBe(2);
    expect(fc.rects.filter((r) => r.style === '#00ff00')).toHaveLength(2);
    // Other colours: everything again.
    painter.setTint({ colors: ['#0000ff', '#00ff00'], pieceColor: next.slice(), verifiedOnly: true });
    expect(painter.paint(0).full).toBe(true);
  });

  it('highlight: every piece with a colour is painted, missing ones too; null tint goes back to state colours', () => {
    const { fc, painter, field } = setup(4, 200, 100);
    field.load([VERIFIED, MISSING, MISSING, MISSING]);
    painter.setTint({ colors: ['#123456'], pieceColor: Uint8Array.of(0, 1, 1, 0), verifiedOnly: false });
    fc.reset();
    painter.paint(0);
    expect(fc.rects.filter((r) => r.style === '#123456')).toHaveLength(2);
    painter.setTint(null);
    fc.reset();
    painter.paint(0);
    expect(fc.rects.filter((r) => r.style === '#123456')).toHaveLength(0);
  });

  it('the image path paints tinted cells in their colour', () => {
    const { fc, painter, field } = setup(2, 40, 20, 1, true);
    field.load([VERIFIED, VERIFIED]);
    painter.setTint({ colors: ['#ff0000'], pieceColor: Uint8Array.of(1, 0), verifiedOnly: true });
    fc.puts.length = 0;
    painter.paint(0);
    const img = fc.puts.at(-1)!;
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(img.width - 3, 1)).not.toEqual([255, 0, 0]);
  });
});
