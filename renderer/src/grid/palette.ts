/** Reads the grid colours from CSS custom properties, so the grid follows the theme. */
import { DEFAULT_PALETTE, type GridPalette } from './painter.js';

export function readPalette(el: Element): GridPalette {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
  const missing = DEFAULT_PALETTE.missing.map((c, i) => v(`--grid-missing-${i}`, c));
  return {
    background: v('--grid-bg', DEFAULT_PALETTE.background),
    missing,
    inFlight: v('--grid-inflight', DEFAULT_PALETTE.inFlight),
    verified: v('--grid-verified', DEFAULT_PALETTE.verified),
    failed: v('--grid-failed', DEFAULT_PALETTE.failed),
    skipped: v('--grid-skipped', DEFAULT_PALETTE.skipped),
  };
}
