/**
 * Stable colours for the top sources of the mosaic: a source keeps its colour while it stays
 * among the top SOURCE_COLORS.length by pieces; one that drops out frees its colour for the
 * next newcomer; everything else shares the "other" colour. Pure.
 */

/** Distinct on both themes, none of them the state colours (green verified, amber in flight, red failed). */
export const SOURCE_COLORS = ['#4c8dff', '#c678dd', '#2bc4c4', '#ff8f40', '#e06c9f', '#9acd32', '#b39ddb', '#f0d264'] as const;
export const OTHER_SOURCE_COLOR = '#7d8796';

/**
 * Colour slot per source index (−1 = other), given pieces per source and the previous
 * assignment (source index → slot).
 */
export function assignSourceColors(piecesBySource: readonly number[], previous: ReadonlyMap<number, number>, slots: number = SOURCE_COLORS.length): Map<number, number> {
  const top = piecesBySource
    .map((pieces, source) => ({ source, pieces }))
    .filter((s) => s.pieces > 0)
    .sort((a, b) => b.pieces - a.pieces || a.source - b.source)
    .slice(0, slots)
    .map((s) => s.source);
  const next = new Map<number, number>();
  const used = new Set<number>();
  for (const source of top) {
    const slot = previous.get(source);
    if (slot !== undefined && slot < slots) {
      next.set(source, slot);
      used.add(slot);
    }
  }
  let free = 0;
  for (const source of top) {
    if (next.has(source)) continue;
    while (used.has(free)) free++;
    next.set(source, free);
    used.add(free);
  }
  return next;
}

/**
 * The grid tint for colour-by-source: per piece 1 + slot for the top sources, the last colour
 * (other) for the rest, 0 for pieces of unknown source.
 */
export function sourceTint(sourceOf: Int32Array, slots: ReadonlyMap<number, number>, into: Uint8Array): Uint8Array {
  const other = SOURCE_COLORS.length + 1;
  for (let i = 0; i < sourceOf.length; i++) {
    const s = sourceOf[i]!;
    into[i] = s < 0 ? 0 : (slots.get(s) ?? other - 1) + 1;
  }
  return into;
}

export const TINT_COLORS: readonly string[] = [...SOURCE_COLORS, OTHER_SOURCE_COLOR];
