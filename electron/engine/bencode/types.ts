/**
 * Value model of our bencode decoder.
 *
 * - integers: `number` when the value is a safe integer (|n| ≤ 2^53-1), otherwise `bigint`
 *   (always within signed 64 bits — larger integers are rejected by the decoder);
 * - byte strings: `Buffer` views into the decoded input (subarrays, never copies);
 * - lists: plain arrays;
 * - dictionaries: {@link BDict}, a `Map` whose keys are the raw key bytes read as latin1
 *   ('binary'), so any byte sequence round-trips. Use `keyToUtf8` to show a key as text.
 */
export type BValue = number | bigint | Buffer | BValue[] | BDict;

/** Half-open byte range [start, end) inside the decoded input. */
export interface Span {
  start: number;
  end: number;
}

/**
 * How the keys of a dictionary were ordered in the input. Canonical bencode requires keys
 * in strictly ascending raw-byte order; libtorrent accepts other orders in v1 metadata but
 * rejects them inside v2 info dictionaries, so the decoder records rather than rejects.
 */
export type KeyOrder = 'sorted' | 'unsorted' | 'duplicate';

/**
 * A decoded dictionary. Being a `Map` (not an object) it has no prototype hazards: a key
 * named `__proto__` is just a key. When a key appears twice, the first value is kept (as
 * libtorrent's dict_find does) and `keyOrder` is 'duplicate'.
 */
export class BDict extends Map<string, BValue> {
  /** Where this dictionary ('d' … 'e' inclusive) sits in the input; {-1,-1} if built by hand. */
  span: Span = { start: -1, end: -1 };
  /** Raw byte span of each value, so e.g. the info-hash can be taken over the original bytes. */
  readonly valueSpans = new Map<string, Span>();
  /** First key-order problem seen in this dictionary (not its children). */
  keyOrder: KeyOrder = 'sorted';
}

/** Thrown for malformed input or exceeded limits. `offset` is the byte where decoding stopped. */
export class BencodeError extends Error {
  override readonly name = 'BencodeError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`invalid bencoding: ${reason} at byte ${offset}`);
  }
}
