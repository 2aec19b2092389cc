/**
 * Strict, iterative bencode decoder for untrusted input (.torrent files, network messages).
 *
 * No recursion (an explicit stack bounded by `maxDepth`), so hostile nesting cannot blow
 * the JS stack; limits default to libtorrent's load_torrent_limits.
 */
import { BDict, BencodeError, type BValue } from './types.js';
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

export interface DecodePrefixResult {
  value: BValue;
  /** Offset of the first byte after the decoded value. */
  end: number;
}

interface ListFrame {
  list: BValue[];
  dict: null;
  start: number;
}

interface DictFrame {
  list: null;
  dict: BDict;
  start: number;
  /** Key waiting for its value, or null when the next token must be a key (or 'e'). */
  key: string | null;
  /** Where the previous key's bytes are in the input (start -1: none yet), to check the order. */
  lastKeyStart: number;
  lastKeyEnd: number;
}

type Frame = ListFrame | DictFrame;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** Decodes exactly one value; trailing bytes after it are an error. */
export function decode(input: Uint8Array, options: DecodeOptions = {}): BValue {
  const { value, end } = decodePrefix(input, options);
  if (end !== input.byteLength) throw new BencodeError('trailing data after the value', end);
  return value;
}

/**
 * Decodes one value from the start of `input` and reports where it ended, leaving any
 * following bytes alone (a ut_metadata message is a dictionary followed by raw data).
 */
export function decodePrefix(input: Uint8Array, options: DecodeOptions = {}): DecodePrefixResult {
  return resumeDecode(startDecode(input, options), Infinity) as DecodePrefixResult;
}

/** Tokens decoded between two yields of {@link decodePrefixSteps}: a few milliseconds of work. */
export const DECODE_CHUNK_TOKENS = 32_768;

/**
 * {@link decodePrefix} as steps (see util/yield.ts): yields after every `chunkTokens` tokens, so
 * a large .torrent can be decoded without holding the event loop. Same result, same errors.
 */
export function* decodePrefixSteps(input: Uint8Array, options: DecodeOptions = {}, chunkTokens = DECODE_CHUNK_TOKENS): Steps<DecodePrefixResult> {
  const state = startDecode(input, options);
  for (;;) {
    const result = resumeDecode(state, chunkTokens);
    if (result !== null) return result;
    yield;
  }
}

/** {@link decode} as steps. */
export function* decodeSteps(input: Uint8Array, options: DecodeOptions = {}, chunkTokens = DECODE_CHUNK_TOKENS): Steps<BValue> {
  const { value, end } = yield* decodePrefixSteps(input, options, chunkTokens);
  if (end !== input.byteLength) throw new BencodeError('trailing data after the value', end);
  return value;
}

/** A decode in progress: where it is, and the containers still open. */
interface DecodeState {
  readonly buf: Buffer;
  readonly maxDepth: number;
  readonly maxTokens: number;
  readonly rejectUnsorted: boolean;
  readonly lenientNumbers: boolean;
  readonly stack: Frame[];
  pos: number;
  tokens: number;
}

function startDecode(input: Uint8Array, options: DecodeOptions): DecodeState {
  const maxSize = options.maxSize ?? DEFAULT_DECODE_LIMITS.maxSize;
  const buf = asBuffer(input);
  if (buf.length > maxSize) throw new BencodeError(`input of ${buf.length} bytes exceeds the limit of ${maxSize}`, 0);
  return {
    buf,
    maxDepth: options.maxDepth ?? DEFAULT_DECODE_LIMITS.maxDepth,
    maxTokens: options.maxTokens ?? DEFAULT_DECODE_LIMITS.maxTokens,
    rejectUnsorted: options.rejectUnsortedKeys ?? false,
    lenientNumbers: options.allowNonCanonicalNumbers ?? false,
    stack: [],
    pos: 0,
    tokens: 0,
  };
}

/** Decodes up to `budget` more tokens: the result when the value is complete, null when there is more. */
function resumeDecode(state: DecodeState, budget: number): DecodePrefixResult | null {
  const { buf, maxDepth, maxTokens, rejectUnsorted, lenientNumbers, stack } = state;
  const len = buf.length;
  let pos = state.pos;
  let tokens = state.tokens;
  const pauseAt = tokens + budget;

  for (;;) {
    if (tokens >= pauseAt) {
      state.pos = pos;
      state.tokens = tokens;
      return null;
    }
    if (pos >= len) throw new BencodeError('unexpected end of input', pos);
    if (++tokens > maxTokens) throw new BencodeError(`more than ${maxTokens} tokens`, pos);

    const c = buf[pos] as number;
    const top = stack.length > 0 ? (stack[stack.length - 1] as Frame) : undefined;
    const wantKey = top !== undefined && top.dict !== null && top.key === null;
    if (wantKey && c !== CH_E && (c < CH_0 || c > CH_9)) {
      throw new BencodeError('dictionary key is not a string', pos);
    }

    let value: BValue;
    let valueStart = pos;

    if (c === CH_D || c === CH_L) {
      if (stack.length + 1 > maxDepth) throw new BencodeError(`nesting deeper than ${maxDepth}`, pos);
      if (c === CH_D) {
        const dict = new BDict();
        stack.push({ list: null, dict, start: pos, key: null, lastKeyStart: -1, lastKeyEnd: -1 });
      } else {
        stack.push({ list: [], dict: null, start: pos });
      }
      pos++;
      continue;
    } else if (c === CH_E) {
      if (top === undefined) throw new BencodeError("unexpected 'e'", pos);
      if (top.dict !== null && top.key !== null) throw new BencodeError('dictionary key without a value', pos);
      stack.pop();
      pos++;
      valueStart = top.start;
      if (top.dict !== null) {
        top.dict.span = { start: top.start, end: pos };
        value = top.dict;
      } else {
        value = top.list;
      }
    } else if (c === CH_I) {
      const r = readInteger(buf, pos, lenientNumbers);
      value = r.value;
      pos = r.end;
    } else if (c >= CH_0 && c <= CH_9) {
      const end = stringEnd(buf, pos, lenientNumbers);
      const start = lastStringStart;
      pos = end;
      if (wantKey) {
        // Compared and read in place: a Buffer per key would be two more objects per dictionary entry.
        const frame = top as DictFrame;
        if (frame.lastKeyStart >= 0) {
          const cmp = buf.compare(buf, start, end, frame.lastKeyStart, frame.lastKeyEnd);
          if (cmp >= 0) {
            if (rejectUnsorted) {
              throw new BencodeError(cmp === 0 ? 'duplicate dictionary key' : 'unsorted dictionary key', valueStart);
            }
            if (frame.dict.keyOrder === 'sorted') frame.dict.keyOrder = cmp === 0 ? 'duplicate' : 'unsorted';
          }
        }
        frame.lastKeyStart = start;
        frame.lastKeyEnd = end;
        frame.key = buf.toString('latin1', start, end);
        continue;
      }
      value = buf.subarray(start, end);
    } else {
      throw new BencodeError(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`, pos);
    }

    // A complete value: attach it to its parent, or finish.
    const parent = stack.length > 0 ? (stack[stack.length - 1] as Frame) : undefined;
    if (parent === undefined) return { value, end: pos };
    if (parent.dict !== null) {
      const key = parent.key as string;
      // First occurrence wins, like libtorrent's dict_find.
      if (!parent.dict.has(key)) {
        parent.dict.setWithSpan(key, value, valueStart, pos);
      }
      parent.key = null;
    } else {
      parent.list.push(value);
    }
  }
}

/** libtorrent's bdecode refuses an integer of more than 20 digits (leading zeros count). */
const MAX_INTEGER_DIGITS = 20;

/** Reads `i<digits>e` at `pos` (which holds the 'i'); `lenient`: see {@link DecodeOptions.allowNonCanonicalNumbers}. */
function readInteger(buf: Buffer, pos: number, lenient: boolean): { value: number | bigint; end: number } {
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
  const text = buf.toString('latin1', negative ? digitsStart - 1 : digitsStart, p);
  const end = p + 1;
  // `+ 0` turns the -0 of "-0" (or "-00") into 0: libtorrent reads it as plain zero.
  if (nDigits <= 15) return { value: Number(text) + 0, end };
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) throw new BencodeError('integer outside the 64-bit range', pos);
  const asNumber = Number(big);
  return { value: Number.isSafeInteger(asNumber) ? asNumber : big, end };
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
