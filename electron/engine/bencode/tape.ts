/**
 * A decoded input as libtorrent's bdecode keeps it: one flat table of tokens over the input
 * bytes, 8 bytes a token, rather than a tree of objects (a Map and a side array per
 * dictionary, a Buffer view per string: ~1 KB a file for a .torrent of 300,000 files).
 *
 * A token is a value (dictionary, list, integer, string — a dictionary key is a string) or the
 * 'e' that ends a container. Tokens are in input order, and every byte of the input up to the
 * end of the root value belongs to exactly one token, so a token ends where the next begins.
 * A token is named by its index; -1 means "none" and every reader accepts it (as absent).
 *
 * Readers find the first of duplicate keys, as libtorrent's dict_find and our decoded
 * dictionaries do.
 */
import type { KeyOrder, Span } from './types.js';

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;

/** The token that is absent: what a lookup that found nothing returns. */
export const NONE = -1;

export class BTape {
  constructor(
    /** The input the tokens point into. */
    readonly bytes: Buffer,
    /** Where each token begins; one more entry than tokens: where the root value ends. */
    private readonly starts: Int32Array,
    /** For each token, the token after its value (after the 'e' of a container). */
    private readonly nexts: Int32Array,
    /** Tokens, container ends included. */
    readonly count: number,
    /**
     * The dictionaries whose keys were out of order, ascending: token * 2, + 1 when the first
     * problem was a duplicate key (else the keys were unsorted).
     */
    private readonly keyOrders: Int32Array,
  ) {}

  /** The root value: always token 0. */
  readonly root = 0;

  /** Bytes of memory the tape's own tables take (its input not counted). */
  get tableBytes(): number {
    return this.starts.byteLength + this.nexts.byteLength + this.keyOrders.byteLength;
  }

  /** Offset of the first byte after the root value. */
  get end(): number {
    return this.starts[this.count] as number;
  }

  private lead(t: number): number {
    return t >= 0 && t < this.count ? (this.bytes[this.starts[t] as number] as number) : -1;
  }

  isDict(t: number): boolean {
    return this.lead(t) === CH_D;
  }

  isList(t: number): boolean {
    return this.lead(t) === CH_L;
  }

  isInt(t: number): boolean {
    return this.lead(t) === CH_I;
  }

  isBytes(t: number): boolean {
    const c = this.lead(t);
    return c >= CH_0 && c <= CH_9;
  }

  /** Whether `t` is the 'e' that ends a container. */
  isEnd(t: number): boolean {
    return this.lead(t) === CH_E;
  }

  /** Where the value `t` sits in the input ('d' … 'e' inclusive for a container; `<len>:` included for a string). */
  span(t: number): Span {
    return { start: this.starts[t] as number, end: this.starts[this.nexts[t] as number] as number };
  }

  /** The first element of a list, or the first key of a dictionary; NONE when empty or no container. */
  first(t: number): number {
    const c = this.lead(t);
    if (c !== CH_D && c !== CH_L) return NONE;
    return this.isEnd(t + 1) ? NONE : t + 1;
  }

  /**
   * The value after `t` in its container, NONE after the last. In a dictionary, keys and values
   * alternate: the value of key `k` is `after(k)`, and the next key is `after(after(k))`.
   */
  after(t: number): number {
    if (t < 0) return NONE;
    const n = this.nexts[t] as number;
    return n >= this.count || this.isEnd(n) ? NONE : n;
  }

  /** Elements of a list (or keys and values of a dictionary), counted; 0 for no container. */
  size(t: number): number {
    let n = 0;
    for (let c = this.first(t); c >= 0; c = this.after(c)) n++;
    return n;
  }

  /** Where the bytes of string `t` begin (after its `<length>:`). */
  private dataStart(t: number): number {
    let p = this.starts[t] as number;
    while (this.bytes[p] !== CH_COLON) p++;
    return p + 1;
  }

  /** The bytes of string `t`, a view of the input (no copy); undefined for anything else. */
  bytesOf(t: number): Buffer | undefined {
    if (!this.isBytes(t)) return undefined;
    return this.bytes.subarray(this.dataStart(t), this.starts[t + 1] as number);
  }

  /** Length of string `t` in bytes; -1 for anything else. */
  lengthOf(t: number): number {
    return this.isBytes(t) ? (this.starts[t + 1] as number) - this.dataStart(t) : -1;
  }

  /** Where the bytes of string `t` are in the input; null for anything else. */
  stringSpan(t: number): Span | null {
    return this.isBytes(t) ? { start: this.dataStart(t), end: this.starts[t + 1] as number } : null;
  }

  /** String `t` read as latin1 (the decoder's key form: any bytes round-trip); undefined for anything else. */
  latin1(t: number): string | undefined {
    if (!this.isBytes(t)) return undefined;
    return this.bytes.toString('latin1', this.dataStart(t), this.starts[t + 1] as number);
  }

  /** Whether string `t` holds exactly the bytes of `key` (a latin1 string, as keys are). */
  keyIs(t: number, key: string): boolean {
    if (!this.isBytes(t)) return false;
    const start = this.dataStart(t);
    if ((this.starts[t + 1] as number) - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.bytes[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /**
   * Integer `t`: a number when it is a safe integer, else a bigint (the decoder accepted only
   * signed 64-bit ones); undefined for anything else. `-0` and leading zeros read as libtorrent does.
   */
  int(t: number): number | bigint | undefined {
    if (!this.isInt(t)) return undefined;
    return intValue(this.bytes, (this.starts[t] as number) + 1, (this.starts[t + 1] as number) - 1);
  }

  /** Integer `t` as a number (bigints lose precision, keeping their sign and size class); undefined for anything else. */
  intNumber(t: number): number | undefined {
    const v = this.int(t);
    return v === undefined ? undefined : Number(v);
  }

  /** The value of the first `key` in dictionary `dict`; NONE when absent or `dict` is no dictionary. */
  find(dict: number, key: string): number {
    if (!this.isDict(dict)) return NONE;
    for (let k = this.first(dict); k >= 0; k = this.after(this.after(k))) {
      if (this.keyIs(k, key)) return k + 1;
    }
    return NONE;
  }

  findDict(dict: number, key: string): number {
    const v = this.find(dict, key);
    return this.isDict(v) ? v : NONE;
  }

  findList(dict: number, key: string): number {
    const v = this.find(dict, key);
    return this.isList(v) ? v : NONE;
  }

  findBytes(dict: number, key: string): Buffer | undefined {
    return this.bytesOf(this.find(dict, key));
  }

  /** How a dictionary's keys were ordered in the input. */
  keyOrderOf(dict: number): KeyOrder {
    const i = this.firstKeyOrderFrom(dict);
    const entry = i < this.keyOrders.length ? (this.keyOrders[i] as number) : -1;
    return entry >> 1 !== dict ? 'sorted' : entry & 1 ? 'duplicate' : 'unsorted';
  }

  /** A dictionary at or inside `t` whose keys were unsorted or duplicated, or NONE. */
  keyOrderProblemIn(t: number): number {
    if (t < 0) return NONE;
    const i = this.firstKeyOrderFrom(t);
    const dict = i < this.keyOrders.length ? (this.keyOrders[i] as number) >> 1 : NONE;
    return dict >= 0 && dict < (this.nexts[t] as number) ? dict : NONE;
  }

  /** Index of the first entry of keyOrders for token `t` or a later one. */
  private firstKeyOrderFrom(t: number): number {
    let lo = 0;
    let hi = this.keyOrders.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.keyOrders[mid] as number) >> 1 < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The integer whose digits (with an optional '-') are bytes [from, to) of `buf`. */
function intValue(buf: Buffer, from: number, to: number): number | bigint {
  const negative = buf[from] === 0x2d;
  const digits = to - from - (negative ? 1 : 0);
  if (digits <= 15) {
    let n = 0;
    for (let p = negative ? from + 1 : from; p < to; p++) n = n * 10 + ((buf[p] as number) - CH_0);
    // `+ 0`: "-0" is plain zero, as libtorrent reads it.
    return negative ? -n + 0 : n;
  }
  const big = BigInt(buf.toString('latin1', from, to));
  const asNumber = Number(big);
  return Number.isSafeInteger(asNumber) ? asNumber : big;
}
