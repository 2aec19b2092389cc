/**
 * libtorrent loads .torrent files whose numbers have leading zeros, but inside a v2 info
 * dictionary it wants canonical bencoding (bdecode_node::has_soft_error): an integer or a
 * string length written with a leading zero makes the torrent invalid there. This finds
 * one by the same rule, so the decoder can stay lenient and the v2 check be exact.
 */

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_E = 0x65;
const CH_I = 0x69;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= CH_0 && c <= CH_9;
}

/**
 * Offset of the first integer (`i05e`, `i00e`) or string length (`05:hello`) with a leading
 * zero in `input`, or null if none. Like libtorrent, a negative integer is not looked at
 * (`i-0e` and `i-05e` pass). `input` is bencoding the decoder accepted; should it be
 * malformed after all, the scan stops (returns null) rather than guess.
 */
export function findLeadingZero(input: Uint8Array): number | null {
  let pos = 0;
  while (pos < input.length) {
    const c = input[pos] as number;
    if (c === CH_I) {
      if (input[pos + 1] === CH_0 && input[pos + 2] !== CH_E) return pos;
      const end = input.indexOf(CH_E, pos + 1);
      if (end < 0) return null;
      pos = end + 1;
    } else if (isDigit(c)) {
      if (c === CH_0 && input[pos + 1] !== CH_COLON) return pos;
      const end = stringEnd(input, pos);
      if (end === null) return null;
      pos = end;
    } else {
      pos++; // 'd', 'l' or 'e': structure only
    }
  }
  return null;
}

/** Where the string whose `<length>:` starts at `pos` ends, or null if that is not a length. */
function stringEnd(input: Uint8Array, pos: number): number | null {
  let p = pos;
  let length = 0;
  while (isDigit(input[p])) length = length * 10 + ((input[p++] as number) - CH_0);
  return input[p] === CH_COLON ? p + 1 + length : null;
}
