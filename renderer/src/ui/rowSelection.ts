/**
 * What a click does to the list's selection, as in every file manager: a plain click selects
 * only that row, Ctrl/Cmd+click adds or removes it, Shift+click selects the rows between the
 * last clicked one (the anchor) and it. Pure.
 */
export type Pick = 'only' | 'toggle' | 'range';

export function pickRows(rows: readonly string[], selection: readonly string[], anchor: string | null, clicked: string, how: Pick): { selection: string[]; primary: string | null } {
  if (how === 'toggle') {
    if (selection.includes(clicked)) {
      const rest = selection.filter((h) => h !== clicked);
      return { selection: rest, primary: anchor === clicked ? (rest[rest.length - 1] ?? null) : anchor };
    }
    return { selection: [...selection, clicked], primary: clicked };
  }
  if (how === 'range' && anchor !== null) {
    const from = rows.indexOf(anchor);
    const to = rows.indexOf(clicked);
    if (from >= 0 && to >= 0) {
      const [lo, hi] = from <= to ? [from, to] : [to, from];
      // The anchor stays the row the details show; the range is added to nothing else.
      return { selection: rows.slice(lo, hi + 1), primary: anchor };
    }
  }
  return { selection: [clicked], primary: clicked };
}
