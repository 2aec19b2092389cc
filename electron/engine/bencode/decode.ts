/**
 * Bencode decoded into values ({@link BValue}): the input is scanned and checked (scan.ts),
 * then its tape turned into a tree. For small messages; a large input (a .torrent) is better
 * read from its tape directly, which costs 8 bytes a token, not ~100 bytes a value.
 */
import { BDict, type BValue } from './types.js';
import { type BTape } from './tape.js';
import { DECODE_CHUNK_TOKENS, type DecodeOptions, scanBriefly, scanSteps } from './scan.js';
import type { Steps } from '../util/yield.js';

export { DECODE_CHUNK_TOKENS, DEFAULT_DECODE_LIMITS, type DecodeOptions } from './scan.js';

export interface DecodePrefixResult {
  value: BValue;
  /** Offset of the first byte after the decoded value. */
  end: number;
}

/** Decodes exactly one value; trailing bytes after it are an error. */
export function decode(input: Uint8Array, options: DecodeOptions = {}): BValue {
  return runToEnd(materialize(scanBriefly(input, options, true), Infinity));
}

/**
 * Decodes one value from the start of `input` and reports where it ended, leaving any
 * following bytes alone (a ut_metadata message is a dictionary followed by raw data).
 */
export function decodePrefix(input: Uint8Array, options: DecodeOptions = {}): DecodePrefixResult {
  const tape = scanBriefly(input, options, false);
  return { value: runToEnd(materialize(tape, Infinity)), end: tape.end };
}

/**
 * {@link decodePrefix} as steps (see util/yield.ts): yields after every `chunkTokens` tokens, so
 * a large input can be decoded without holding the event loop. Same result, same errors.
 */
export function* decodePrefixSteps(input: Uint8Array, options: DecodeOptions = {}, chunkTokens = DECODE_CHUNK_TOKENS): Steps<DecodePrefixResult> {
  const tape = yield* scanSteps(input, options, false, chunkTokens);
  return { value: yield* materialize(tape, chunkTokens), end: tape.end };
}

/** {@link decode} as steps. */
export function* decodeSteps(input: Uint8Array, options: DecodeOptions = {}, chunkTokens = DECODE_CHUNK_TOKENS): Steps<BValue> {
  const tape = yield* scanSteps(input, options, true, chunkTokens);
  return yield* materialize(tape, chunkTokens);
}

/**
 * The value at token `t` of `tape` (a part of an input read in place) as values: for the small
 * parts of a large input, whose big parts are read from the tape.
 */
export function decodeAt(tape: BTape, t: number): BValue {
  if (t < 0 || t >= tape.count || tape.isEnd(t)) throw new RangeError(`no value at token ${t}`);
  return runToEnd(materialize(tape, Infinity, t));
}

function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

interface Open {
  /** The container's token. */
  token: number;
  list: BValue[] | null;
  dict: BDict | null;
  /** Dictionary: the key waiting for its value, null when the next token is a key. */
  key: string | null;
}

/** The value at token `from` (the root by default) as values, yielding every `chunkTokens` tokens. Iterative: depth is harmless. */
function* materialize(tape: BTape, chunkTokens: number, from = 0): Steps<BValue> {
  const stack: Open[] = [];
  for (let t = from; ; t++) {
    if (t > from && (t - from) % chunkTokens === 0) yield;
    const top = stack.length > 0 ? (stack[stack.length - 1] as Open) : undefined;
    let value: BValue;
    let valueToken = t;
    if (tape.isDict(t)) {
      const dict = new BDict();
      dict.span = tape.span(t);
      dict.keyOrder = tape.keyOrderOf(t);
      stack.push({ token: t, list: null, dict, key: null });
      continue;
    } else if (tape.isList(t)) {
      stack.push({ token: t, list: [], dict: null, key: null });
      continue;
    } else if (tape.isEnd(t)) {
      const done = stack.pop() as Open;
      valueToken = done.token;
      value = done.dict ?? (done.list as BValue[]);
    } else if (tape.isInt(t)) {
      value = tape.int(t) as number | bigint;
    } else if (top?.dict != null && top.key === null) {
      top.key = tape.latin1(t) as string;
      continue;
    } else {
      value = tape.bytesOf(t) as Buffer;
    }

    const parent = stack.length > 0 ? (stack[stack.length - 1] as Open) : undefined;
    if (parent === undefined) return value;
    if (parent.dict !== null) {
      const key = parent.key as string;
      // First occurrence wins, like libtorrent's dict_find.
      if (!parent.dict.has(key)) {
        const { start, end } = tape.span(valueToken);
        parent.dict.setWithSpan(key, value, start, end);
      }
      parent.key = null;
    } else {
      (parent.list as BValue[]).push(value);
    }
  }
}
