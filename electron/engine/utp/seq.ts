/** uTP sequence and ack numbers are 16 bits and wrap around (BEP 29). */
export const SEQ_MASK = 0xffff;

/** (a - b) mod 2^16, as a signed distance in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & SEQ_MASK;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** a + n mod 2^16. */
export function seqAdd(a: number, n: number): number {
  return (a + n) & SEQ_MASK;
}

/** a is strictly before b in sequence order (within half the number space). */
export function seqLess(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}
