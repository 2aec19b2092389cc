/**
 * Arrays of slots for collections that gain and lose an entry per piece or block (a peer's
 * requests, the pieces in flight, a peer's owned pieces). Not Maps or Sets: each of their
 * rehashes abandons a table that still points at its entries, and once one is old, the
 * abandoned tables keep their entries alive into the old generation until a full GC. A slot
 * array is cleared slot by slot as entries leave and is replaced only to grow, emptied first.
 */

/** `length` empty slots. */
export function emptySlots<T>(length: number): (T | null)[] {
  return new Array<T | null>(length).fill(null);
}

/**
 * An array twice as long as `old` (at least `minimum`) holding the `used` entries of `old` from
 * slot `first` on, wrapping round its end (a ring), at its front. `old` is emptied: a dropped
 * array that still pointed at entries would keep them alive as an abandoned table does.
 */
export function doubledSlots<T>(old: (T | null)[], first: number, used: number, minimum: number): (T | null)[] {
  const grown = emptySlots<T>(Math.max(minimum, old.length * 2));
  for (let i = 0; i < used; i++) grown[i] = old[(first + i) % old.length]!;
  old.fill(null);
  return grown;
}
