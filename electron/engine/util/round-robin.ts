/**
 * The next `size` items of `items` from `start` (wrapping), and where the turn after starts:
 * work over every item spread across ticks, each item visited once every ceil(n / size) ticks.
 * With `size` or fewer items every call answers all of them.
 */
export function roundRobinTurn<T>(items: readonly T[], start: number, size: number): { turn: readonly T[]; next: number } {
  if (items.length <= size) return { turn: items, next: 0 };
  const from = start % items.length;
  const end = from + size;
  const turn = end <= items.length ? items.slice(from, end) : [...items.slice(from), ...items.slice(0, end - items.length)];
  return { turn, next: end % items.length };
}
