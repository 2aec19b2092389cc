import { describe, expect, it } from 'vitest';
import { BDict, BencodeError, decode, decodePrefix, encode, findKeyOrderProblem, keyToUtf8, utf8ToKey } from './index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function errorOf(fn: () => unknown): BencodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BencodeError) return e;
    throw e;
  }
  throw new Error('expected a BencodeError');
}

describe('decode: values', () => {
  it('decodes integers, strings, lists and dictionaries', () => {
    const v = decode(b('d3:agei42e4:listli-1ei0ee4:name5:helloe'));
    expect(v).toBeInstanceOf(BDict);
    const d = v as BDict;
    expect(d.get('age')).toBe(42);
    expect(d.get('list')).toEqual([-1, 0]);
    expect((d.get('name') as Buffer).toString()).toBe('hello');
  });

  it('returns strings as views into the input (no copy)', () => {
    const input = b('5:hello');
    const s = decode(input) as Buffer;
    expect(s.buffer).toBe(input.buffer);
    expect(s.byteOffset).toBe(input.byteOffset + 2);
  });

  it('accepts plain Uint8Array input', () => {
    const input = new Uint8Array(b('li1ee'));
    expect(decode(input)).toEqual([1]);
  });

  it('represents safe integers as number and larger 64-bit ones as bigint', () => {
    expect(decode(b('i9007199254740991e'))).toBe(9007199254740991);
    expect(decode(b('i9007199254740992e'))).toBe(9007199254740992n);
    expect(decode(b('i9223372036854775807e'))).toBe(9223372036854775807n);
    expect(decode(b('i-9223372036854775808e'))).toBe(-9223372036854775808n);
    expect(decode(b('i0e'))).toBe(0);
  });

  it('keeps any byte sequence as a key (latin1) and converts to UTF-8 on demand', () => {
    const key = Buffer.from([0xff, 0x00, 0xc3, 0xa9]);
    const input = Buffer.concat([b('d4:'), key, b('i1ee')]);
    const d = decode(input) as BDict;
    const [k] = [...d.keys()];
    expect(Buffer.from(k as string, 'latin1').equals(key)).toBe(true);
    expect(encode(d).equals(input)).toBe(true);
    const utf = decode(b('d2:\xc3\xa9i1ee')) as BDict;
    expect(keyToUtf8([...utf.keys()][0] as string)).toBe('é');
    expect(utf.get(utf8ToKey('é'))).toBe(1);
  });

  it('treats __proto__ and constructor as ordinary keys', () => {
    const d = decode(b('d11:constructori2e9:__proto__d8:pollutedi1eee')) as BDict;
    expect(d.get('__proto__')).toBeInstanceOf(BDict);
    expect(d.get('constructor')).toBe(2);
    expect(Object.getPrototypeOf(d)).toBe(BDict.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('decode: strict by default', () => {
  it.each([
    ['i03e', 'leading zero'],
    ['i-0e', 'negative zero'],
    ['i-03e', 'negative with leading zero'],
    ['ie', 'empty'],
    ['i-e', 'bare minus'],
    ['i1.5e', 'fraction'],
    ['i12', 'unterminated'],
    ['i9223372036854775808e', 'above int64'],
    ['i-9223372036854775809e', 'below int64'],
    ['i123456789012345678901234e', 'far too long'],
  ])('rejects integer %s (%s)', (text) => {
    expect(() => decode(b(text))).toThrow(BencodeError);
  });

  it.each([
    ['05:hello', 'leading zero in length'],
    ['6:hello', 'length past the end'],
    ['5hello', 'missing colon'],
    ['99999999999999999999:x', 'absurd length'],
  ])('rejects string %s (%s)', (text) => {
    expect(() => decode(b(text))).toThrow(BencodeError);
  });

  it.each([
    ['', 'empty input'],
    ['l', 'unterminated list'],
    ['d3:fooe', 'key without value'],
    ['di1ei2ee', 'integer key'],
    ['e', 'stray end'],
    ['x', 'unknown token'],
    ['i1ei2e', 'trailing data'],
  ])('rejects %j (%s)', (text) => {
    expect(() => decode(b(text))).toThrow(BencodeError);
  });

  it('reports the byte offset in the error', () => {
    const e = errorOf(() => decode(b('li1ei01ee')));
    expect(e.offset).toBe(4);
    expect(e.message).toMatch(/leading zero.*byte 4/);
  });
});

describe('decode: allowNonCanonicalNumbers reads numbers as libtorrent 2.0.8 does', () => {
  const lenient = (text: string) => decode(b(text), { allowNonCanonicalNumbers: true });

  it.each([
    ['i05e', 5],
    ['i00e', 0],
    ['i-0e', 0],
    ['i-00e', 0],
    ['i-03e', -3],
    ['i00000000000000000005e', 5], // 20 digits: libtorrent's limit
    ['i-00000000000000000005e', -5],
    ['i09223372036854775807e', 9223372036854775807n],
  ])('accepts integer %s as %s', (text, value) => {
    const v = lenient(text);
    expect(v).toBe(value);
    expect(Object.is(v, -0)).toBe(false);
  });

  it.each([
    ['05:hello', 'hello'],
    ['00:', ''],
    ['0:', ''],
    ['0000000000000001:a', 'a'], // 16 digits: libtorrent's limit
  ])('accepts string %s', (text, value) => {
    expect((lenient(text) as Buffer).toString('latin1')).toBe(value);
  });

  it('reads a leading-zero key length as the same key', () => {
    expect([...(lenient('d04:namei1ee') as BDict).keys()]).toEqual(['name']);
  });

  it.each([
    ['i000000000000000000005e', 'more than 20 digits'],
    ['ie', 'empty'],
    ['i-e', 'bare minus'],
    ['i+5e', 'plus sign'],
    ['i 5e', 'space'],
    ['00000000000000001:a', 'string length of more than 16 digits'],
  ])('still rejects %s (%s)', (text) => {
    expect(() => lenient(text)).toThrow(BencodeError);
  });
});

describe('decode: key order', () => {
  it('records unsorted and duplicate keys, keeping the first duplicate', () => {
    const unsorted = decode(b('d1:bi1e1:ai2ee')) as BDict;
    expect(unsorted.keyOrder).toBe('unsorted');
    const dup = decode(b('d1:ai1e1:ai2ee')) as BDict;
    expect(dup.keyOrder).toBe('duplicate');
    expect(dup.get('a')).toBe(1);
    expect((decode(b('d1:ai1e1:bi2ee')) as BDict).keyOrder).toBe('sorted');
  });

  it('compares keys as raw bytes (shorter prefix first)', () => {
    expect((decode(b('d1:ai1e2:aai2ee')) as BDict).keyOrder).toBe('sorted');
    expect((decode(b('d2:aai1e1:ai2ee')) as BDict).keyOrder).toBe('unsorted');
  });

  it('finds a key-order problem nested anywhere', () => {
    const v = decode(b('d4:infod5:filesld1:bi1e1:ai1eeeee'));
    expect(findKeyOrderProblem(v)).not.toBeNull();
    expect(findKeyOrderProblem(decode(b('d1:ali1eee')))).toBeNull();
  });

  it('can reject unsorted keys outright', () => {
    expect(() => decode(b('d1:bi1e1:ai2ee'), { rejectUnsortedKeys: true })).toThrow(/unsorted/);
    expect(() => decode(b('d1:ai1e1:ai2ee'), { rejectUnsortedKeys: true })).toThrow(/duplicate/);
  });
});

describe('decode: limits', () => {
  it('enforces the depth limit (default 100)', () => {
    const ok = 'l'.repeat(100) + 'e'.repeat(100);
    expect(() => decode(b(ok))).not.toThrow();
    const deep = 'l'.repeat(101) + 'e'.repeat(101);
    expect(() => decode(b(deep))).toThrow(/nesting deeper than 100/);
    expect(() => decode(b('lllleeee'), { maxDepth: 3 })).toThrow(BencodeError);
  });

  it('survives hostile nesting without recursion', () => {
    const n = 200_000;
    expect(() => decode(b('l'.repeat(n) + 'e'.repeat(n)), { maxDepth: n })).not.toThrow();
  });

  it('enforces the token limit', () => {
    const list = 'l' + 'i1e'.repeat(10) + 'e'; // 12 tokens
    expect(() => decode(b(list), { maxTokens: 12 })).not.toThrow();
    expect(() => decode(b(list), { maxTokens: 11 })).toThrow(/tokens/);
  });

  it('enforces the size limit (default 10,000,000 bytes)', () => {
    const big = Buffer.alloc(10_000_001, 0x30);
    expect(() => decode(big)).toThrow(/exceeds the limit/);
    expect(() => decode(b('4:abcd'), { maxSize: 5 })).toThrow(/exceeds the limit/);
  });
});

describe('decode: spans and prefixes', () => {
  it('records the raw byte span of dictionary values', () => {
    // A non-canonical info dict (unsorted keys): the span must cover the original bytes.
    const input = b('d8:announce3:url4:infod4:name1:x6:lengthi5eee');
    const d = decode(input) as BDict;
    const span = d.valueSpans.get('info');
    expect(span).toBeDefined();
    const raw = input.subarray(span?.start, span?.end).toString('latin1');
    expect(raw).toBe('d4:name1:x6:lengthi5ee');
    expect((d.get('info') as BDict).span).toEqual(span);
    expect(d.span).toEqual({ start: 0, end: input.length });
    expect(input.subarray(d.valueSpans.get('announce')?.start).toString('latin1').startsWith('3:url')).toBe(true);
  });

  it('decodes a prefix and reports where it stopped', () => {
    const msg = Buffer.concat([b('d8:msg_typei1e5:piecei0ee'), Buffer.from([1, 2, 3])]);
    const { value, end } = decodePrefix(msg);
    expect((value as BDict).get('piece')).toBe(0);
    expect(msg.subarray(end)).toEqual(Buffer.from([1, 2, 3]));
  });
});
