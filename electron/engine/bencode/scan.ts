/**
 * Strict, iterative bencode scanner for untrusted input (.torrent files, network messages):
 * validates the input and records its tokens in a {@link BTape}, allocating nothing per value.
 *
 * No recursion (an explicit stack bounded by `maxDepth`), so hostile nesting cannot blow
 * the JS stack; limits default to libtorrent's load_torrent_limits. What it allocates is
 * bounded by the input: 8 bytes a token, and a token takes at least one byte of input.
 */
import { BencodeError } from './types.js';
import { BTape } from './tape.js';
import type { Steps } from '../util/yield.js';

export interface DecodeOptions {
  /** Largest accepted input, in bytes. Default 10,000,000 (libtorrent max_buffer_size). */
  maxSize?: number;
  /** Deepest accepted nesting of lists/dictionaries. Default 100 (libtorrent max_decode_depth). */
  maxDepth?: number;
  /** Most tokens (values plus container ends). Default 3,000,000 (libtorrent max_decode_tokens). */
  maxTokens?: number;
  /** Throw on unsorted or duplicate dictionary keys instead of only recording them. */
  rejectUnsortedKeys?: boolean;
  /**
   * Read numbers the way libtorrent's bdecode does: leading zeros in integers and string
   * lengths (`i05e`, `05:hello`) and a negative zero (`i-0e`, read as 0). .torrent files
   * written by other tools have them and libtorrent loads those files, so we must too.
   * Off by default: canonical bencoding has exactly one spelling of each number.
   */
  allowNonCanonicalNumbers?: boolean;
}

export const DEFAULT_DECODE_LIMITS = {
  maxSize: 10_000_000,
  maxDepth: 100,
  maxTokens: 3_000_000,
} as const;

/** Tokens scanned between two yields of {@link scanSteps}: a few milliseconds of work. */
export const DECODE_CHUNK_TOKENS = 32_768;

/** A container still open: its token and, for a dictionary, where its last key was. */
interface Frame {
  token: number;
  dict: boolean;
  /** Dictionary: the next token must be a key (or 'e'). */
  wantKey: boolean;
  /** Where the previous key's bytes are in the input (start -1: none yet), to check the order. */
  lastKeyStart: number;
  lastKeyEnd: number;
  /** Dictionary: a key-order problem was recorded (only the first is). */
  misordered: boolean;
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;

/** Tokens the tables start with for a small input; they double as needed, up to one per input byte. */
const MIN_CAPACITY = 64;

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Scans one value from the start of `input`. `whole`: bytes after it are an error; otherwise
 * they are left alone (a ut_metadata message is a dictionary followed by raw data) and
 * {@link BTape.end} tells where the value ended.
 */
export function scan(input: Uint8Array, options: DecodeOptions = {}, whole = true): BTape {
  const state = new ScanState(input, options, false);
  let tape: BTape | null = null;
  while (tape === null) tape = state.resume(Infinity, whole);
  return tape;
}

/**
 * Tables lent to {@link scanBriefly}: allocating two typed arrays took most of the time of
 * decoding a DHT message (~1 µs of ~3).
 */
const SCRATCH_TOKENS = 1024;
const scratchStarts = new Int32Array(SCRATCH_TOKENS);
const scratchNexts = new Int32Array(SCRATCH_TOKENS);

/**
 * {@link scan}, for a tape the caller is done with before it scans anything else (decode.ts
 * turns it into values at once): a small input's tape lives in tables shared by every such scan.
 */
export function scanBriefly(input: Uint8Array, options: DecodeOptions, whole: boolean): BTape {
  const state = new ScanState(input, options, true);
  let tape: BTape | null = null;
  while (tape === null) tape = state.resume(Infinity, whole);
  return tape;
}

/** {@link scan} as steps (see util/yield.ts): yields after every `chunkTokens` tokens. Same result, same errors. */
export function* scanSteps(input: Uint8Array, options: DecodeOptions = {}, whole = true, chunkTokens = DECODE_CHUNK_TOKENS): Steps<BTape> {
  const state = new ScanState(input, options, false);
  for (;;) {
    const tape = state.resume(chunkTokens, whole);
    if (tape !== null) return tape;
    yield;
  }
}

/** A scan in progress: where it is, the containers still open, the tokens so far. */
class ScanState {
  private readonly buf: Buffer;
  private readonly maxDepth: number;
  private readonly maxTokens: number;
  private readonly rejectUnsorted: boolean;
  private readonly lenient: boolean;
  private readonly stack: Frame[] = [];
  /** Dictionaries with a key-order problem: token * 2, + 1 for a duplicate key (4 bytes each, not a Map entry). */
  private keyOrders = new Int32Array(0);
  private keyOrderCount = 0;
  private starts: Int32Array;
  private nexts: Int32Array;
  private pos = 0;
  private count = 0;

  constructor(input: Uint8Array, options: DecodeOptions, borrow: boolean) {
    const maxSize = options.maxSize ?? DEFAULT_DECODE_LIMITS.maxSize;
    this.buf = asBuffer(input);
    if (this.buf.length > maxSize) throw new BencodeError(`input of ${this.buf.length} bytes exceeds the limit of ${maxSize}`, 0);
    this.maxDepth = options.maxDepth ?? DEFAULT_DECODE_LIMITS.maxDepth;
    this.maxTokens = options.maxTokens ?? DEFAULT_DECODE_LIMITS.maxTokens;
    this.rejectUnsorted = options.rejectUnsortedKeys ?? false;
    this.lenient = options.allowNonCanonicalNumbers ?? false;
    // Large inputs (a .torrent) average more than 16 bytes a token: one growth or none.
    const capacity = Math.min(this.buf.length + 1, this.maxTokens + 1, Math.max(MIN_CAPACITY, this.buf.length >> 4));
    const lent = borrow && capacity <= SCRATCH_TOKENS;
    this.starts = lent ? scratchStarts : new Int32Array(capacity);
    this.nexts = lent ? scratchNexts : new Int32Array(capacity);
  }

  /**
   * Room for token `t` (and the end marker after it); never more than one token per input byte.
   * Grown to what the rest of the input needs at the density seen so far (plus a margin), not
   * doubled: a .torrent is mostly its file list, and doubling left up to half the tables unused
   * (19 MB for a .torrent of 300,000 files).
   */
  private reserve(t: number, pos: number): void {
    if (t + 1 < this.starts.length) return;
    const len = this.buf.length;
    const estimate = Math.ceil((t / Math.max(pos, 1)) * len * 1.1) + MIN_CAPACITY;
    const capacity = Math.min(len + 1, this.maxTokens + 1, Math.max(Math.ceil(t * 1.25) + MIN_CAPACITY, estimate));
    const starts = new Int32Array(capacity);
    starts.set(this.starts);
    this.starts = starts;
    const nexts = new Int32Array(capacity);
    nexts.set(this.nexts);
    this.nexts = nexts;
  }

  /** Scans up to `budget` more tokens: the tape when the value is complete, null when there is more. */
  resume(budget: number, whole: boolean): BTape | null {
    const { buf, maxDepth, maxTokens, lenient, stack } = this;
    const len = buf.length;
    let pos = this.pos;
    let t = this.count;
    const pauseAt = t + budget;

    for (;;) {
      if (t >= pauseAt) {
        this.pos = pos;
        this.count = t;
        return null;
      }
      if (pos >= len) throw new BencodeError('unexpected end of input', pos);
      if (t + 1 > maxTokens) throw new BencodeError(`more than ${maxTokens} tokens`, pos);

      const c = buf[pos] as number;
      const top = stack.length > 0 ? (stack[stack.length - 1] as Frame) : undefined;
      const wantKey = top !== undefined && top.wantKey;
      if (wantKey && c !== CH_E && (c < CH_0 || c > CH_9)) {
        throw new BencodeError('dictionary key is not a string', pos);
      }

      if (c === CH_D || c === CH_L) {
        if (stack.length + 1 > maxDepth) throw new BencodeError(`nesting deeper than ${maxDepth}`, pos);
        this.reserve(t, pos);
        this.starts[t] = pos;
        stack.push({ token: t, dict: c === CH_D, wantKey: c === CH_D, lastKeyStart: -1, lastKeyEnd: -1, misordered: false });
        t++;
        pos++;
        continue;
      }

      this.reserve(t, pos);
      this.starts[t] = pos;
      this.nexts[t] = t + 1;
      if (c === CH_E) {
        if (top === undefined) throw new BencodeError("unexpected 'e'", pos);
        if (top.dict && !top.wantKey) throw new BencodeError('dictionary key without a value', pos);
        stack.pop();
        pos++;
        this.nexts[top.token] = t + 1;
      } else if (c === CH_I) {
        pos = integerEnd(buf, pos, lenient);
      } else if (c >= CH_0 && c <= CH_9) {
        const end = stringEnd(buf, pos, lenient);
        if (wantKey) this.checkKeyOrder(top, t, lastStringStart, end);
        pos = end;
        if (wantKey) {
          (top as Frame).wantKey = false;
          t++;
          continue;
        }
      } else {
        throw new BencodeError(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`, pos);
      }
      t++;

      // A complete value: its dictionary wants a key next, or the root is done.
      const parent = stack.length > 0 ? (stack[stack.length - 1] as Frame) : undefined;
      if (parent === undefined) {
        if (whole && pos !== len) throw new BencodeError('trailing data after the value', pos);
        this.reserve(t, pos);
        this.starts[t] = pos;
        // In token order, for the tape's binary searches (a dictionary's problem is found while it is open, after those of dictionaries opened later).
        const keyOrders = this.keyOrders.slice(0, this.keyOrderCount).sort();
        return new BTape(buf, this.starts, this.nexts, t, keyOrders);
      }
      if (parent.dict) parent.wantKey = true;
    }
  }

  private noteKeyOrder(entry: number): void {
    if (this.keyOrderCount === this.keyOrders.length) {
      const grown = new Int32Array(Math.max(16, this.keyOrders.length * 2));
      grown.set(this.keyOrders);
      this.keyOrders = grown;
    }
    this.keyOrders[this.keyOrderCount++] = entry;
  }

  /** Compares the key at [start, end) with the one before it in its dictionary, in place. */
  private checkKeyOrder(frame: Frame, keyToken: number, start: number, end: number): void {
    const { buf } = this;
    if (frame.lastKeyStart >= 0) {
      const cmp = buf.compare(buf, start, end, frame.lastKeyStart, frame.lastKeyEnd);
      if (cmp >= 0) {
        if (this.rejectUnsorted) {
          throw new BencodeError(cmp === 0 ? 'duplicate dictionary key' : 'unsorted dictionary key', this.starts[keyToken] as number);
        }
        if (!frame.misordered) {
          frame.misordered = true;
          this.noteKeyOrder(frame.token * 2 + (cmp === 0 ? 1 : 0));
        }
      }
    }
    frame.lastKeyStart = start;
    frame.lastKeyEnd = end;
  }
}

/** libtorrent's bdecode refuses an integer of more than 20 digits (leading zeros count). */
const MAX_INTEGER_DIGITS = 20;
/** Digits every signed 64-bit integer has room for: longer ones are range-checked. */
const SAFE_INT64_DIGITS = 18;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Checks `i<digits>e` at `pos` (which holds the 'i') and returns where it ends; `lenient`:
 * see {@link DecodeOptions.allowNonCanonicalNumbers}.
 */
function integerEnd(buf: Buffer, pos: number, lenient: boolean): number {
  let p = pos + 1;
  const negative = buf[p] === CH_MINUS;
  if (negative) p++;
  const digitsStart = p;
  // Scan one digit past the limit, so that too many digits is what gets reported.
  while (p < buf.length && p - digitsStart <= MAX_INTEGER_DIGITS) {
    const d = buf[p] as number;
    if (d < CH_0 || d > CH_9) break;
    p++;
  }
  const nDigits = p - digitsStart;
  if (p >= buf.length) throw new BencodeError('unterminated integer', pos);
  if (nDigits > MAX_INTEGER_DIGITS) throw new BencodeError('integer too long', p);
  if (buf[p] !== CH_E) throw new BencodeError('invalid character in integer', p);
  if (nDigits === 0) throw new BencodeError('empty integer', pos);
  if (!lenient && buf[digitsStart] === CH_0 && (nDigits > 1 || negative)) {
    throw new BencodeError(negative ? 'negative zero or leading zero in integer' : 'leading zero in integer', pos);
  }
  if (nDigits > SAFE_INT64_DIGITS) {
    const big = BigInt(buf.toString('latin1', negative ? digitsStart - 1 : digitsStart, p));
    if (big < INT64_MIN || big > INT64_MAX) throw new BencodeError('integer outside the 64-bit range', pos);
  }
  return p + 1;
}

/** Where the bytes of the string {@link stringEnd} read last start (set by it: no result object per string). */
let lastStringStart = 0;

/**
 * libtorrent's bdecode refuses a string whose `<length>:` has more than 16 digits (its token
 * header is too small for more). Only leading zeros can make an in-bounds length that long.
 */
const MAX_STRING_LENGTH_DIGITS = 16;

/**
 * Reads the `<length>:` of a string at `pos`; returns where the string ends and sets {@link lastStringStart}.
 * `lenient`: see {@link DecodeOptions.allowNonCanonicalNumbers}.
 */
function stringEnd(buf: Buffer, pos: number, lenient: boolean): number {
  let p = pos;
  let length = 0;
  while (p < buf.length) {
    const d = buf[p] as number;
    if (d < CH_0 || d > CH_9) break;
    length = length * 10 + (d - CH_0);
    p++;
    if (length > buf.length) throw new BencodeError('string length exceeds the input', pos);
  }
  if (p >= buf.length) throw new BencodeError('unterminated string length', pos);
  if (buf[p] !== CH_COLON) throw new BencodeError("expected ':' after string length", p);
  if (p - pos > MAX_STRING_LENGTH_DIGITS) throw new BencodeError('string length has too many digits', pos);
  if (!lenient && buf[pos] === CH_0 && p - pos > 1) throw new BencodeError('leading zero in string length', pos);
  const start = p + 1;
  const end = start + length;
  if (end > buf.length) throw new BencodeError('string length exceeds the input', pos);
  lastStringStart = start;
  return end;
}
