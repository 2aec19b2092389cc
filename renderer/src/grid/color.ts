/** Tiny colour helpers for the grid's blend tables. Pure. */

export type Rgb = [number, number, number];

/** Parses #rgb, #rrggbb and rgb()/rgba() (alpha ignored); null if unknown. */
export function parseColor(text: string): Rgb | null {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m && m[1]) {
    const h = m[1];
    return [parseInt(h[0]! + h[0]!, 16), parseInt(h[1]! + h[1]!, 16), parseInt(h[2]! + h[2]!, 16)];
  }
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m && m[1]) {
    const n = parseInt(m[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  m = /^rgba?\(\s*(\d+(?:\.\d+)?)[\s,]+(\d+(?:\.\d+)?)[\s,]+(\d+(?:\.\d+)?)/.exec(s);
  if (m) return [clampByte(Number(m[1])), clampByte(Number(m[2])), clampByte(Number(m[3]))];
  return null;
}

function clampByte(x: number): number {
  return Math.max(0, Math.min(255, Math.round(x)));
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const k = Math.max(0, Math.min(1, t));
  return [clampByte(a[0] + (b[0] - a[0]) * k), clampByte(a[1] + (b[1] - a[1]) * k), clampByte(a[2] + (b[2] - a[2]) * k)];
}

export function cssRgb(c: Rgb): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
