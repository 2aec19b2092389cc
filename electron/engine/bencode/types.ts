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
  span: Span = NO_SPAN;
  /** First key-order problem seen in this dictionary (not its children). */
  keyOrder: KeyOrder = 'sorted';
  /**
   * key, start, end of each value the decoder stored, flat: a Map and an object per value
   * made decoding a .torrent of 100,000 files (as many dictionaries) much slower.
   */
  private spans: Array<string | number> | null = null;

  /** Raw byte span of each value, so e.g. the info-hash can be taken over the original bytes. */
  get valueSpans(): ReadonlyMap<string, Span> {
    const out = new Map<string, Span>();
    const s = this.spans ?? [];
    for (let i = 0; i < s.length; i += 3) out.set(s[i] as string, { start: s[i + 1] as number, end: s[i + 2] as number });
    return out;
  }

  /** Stores a decoded value with where it was in the input (the decoder's way in). */
  setWithSpan(key: string, value: BValue, start: number, end: number): void {
    this.set(key, value);
    (this.spans ??= []).push(key, start, end);
  }
}

const NO_SPAN: Span = Object.freeze({ start: -1, end: -1 });

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
