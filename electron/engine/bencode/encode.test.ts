import { describe, expect, it, vi } from 'vitest';
import { BencodeError, decode, encode, encodeListSteps } from './index.js';
import { runSteps } from '../util/yield.js';

const s = (buf: Buffer): string => buf.toString('latin1');

describe('encode', () => {
  it('encodes integers, strings, bytes and lists', () => {
    expect(s(encode(0))).toBe('i0e');
    expect(s(encode(-42))).toBe('i-42e');
    expect(s(encode(2n ** 63n - 1n))).toBe('i9223372036854775807e');
    expect(s(encode('héllo'))).toBe('6:h\xc3\xa9llo');
    expect(s(encode(new Uint8Array([0, 255])))).toBe('2:\x00\xff');
    expect(s(encode([1, 'a', [2]]))).toBe('li1e1:ali2eee');
  });

  it('sorts dictionary keys by raw bytes and skips undefined properties', () => {
    expect(s(encode({ b: 1, a: 2, aa: 3, skipped: undefined }))).toBe('d1:ai2e2:aai3e1:bi1ee');
    expect(s(encode(new Map([['z', 1], ['\xff', 2], ['A', 3]])))).toBe('d1:Ai3e1:zi1e1:\xffi2ee');
  });

  it('treats plain-object keys as UTF-8 and Map keys as raw latin1 bytes', () => {
    expect(s(encode({ é: 1 }))).toBe('d2:\xc3\xa9i1ee');
    expect(s(encode(new Map([['\xc3\xa9', 1]])))).toBe('d2:\xc3\xa9i1ee');
    expect(() => encode(new Map([['€', 1]]))).toThrow(BencodeError);
  });

  it('rejects values bencode cannot represent', () => {
    expect(() => encode(1.5)).toThrow(BencodeError);
    expect(() => encode(Number.NaN)).toThrow(BencodeError);
    expect(() => encode(2n ** 63n)).toThrow(BencodeError);
    expect(() => encode(null as unknown as number)).toThrow(BencodeError);
  });

  it('round-trips canonical input byte for byte, including __proto__ keys', () => {
    const input = Buffer.from('d9:__proto__i1e4:infod6:lengthi5e4:name1:xe4:listl0:i-1eee', 'latin1');
    expect(encode(decode(input)).equals(input)).toBe(true);
  });

  it('writes every integer in shortest decimal form, and string lengths likewise', () => {
    const values = [0, -0, 1, -1, 9, 10, -10, 99, 100, 1e9, -1e9 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let v = 1; v < Number.MAX_SAFE_INTEGER / 7; v = v * 7 + 3) values.push(v, -v);
    for (const v of values) expect(s(encode(v))).toBe(`i${v}e`);
    for (const n of [0, 1, 9, 10, 99, 100, 1000, 65536]) expect(s(encode(Buffer.alloc(n, 0x61)))).toBe(`${n}:${'a'.repeat(n)}`);
    // Many values in one buffer that has to grow.
    const list = Array.from({ length: 10_000 }, (_, i) => [i * 12345, `f${i}`]);
    expect(decode(encode(list))).toEqual(list.map(([n, t]) => [n, Buffer.from(t as string)]));
  });

  it('encodes a list in chunks to the same bytes, and writes the result where it is put', () => {
    for (const n of [0, 1, 4096, 4097, 10_000]) {
      const list = Array.from({ length: n }, (_, i) => [i, `x${i}`]);
      const chunked = runSteps(encodeListSteps(list, 4096));
      expect(s(encode({ a: chunked, b: 1 }))).toBe(s(encode({ a: list, b: 1 })));
    }
  });

  it('canonicalises unsorted input', () => {
    const input = Buffer.from('d1:bi1e1:ai2ee', 'latin1');
    expect(s(encode(decode(input)))).toBe('d1:ai2e1:bi1ee');
  });

  it('encodes a record with a 2 MiB byte string in one allocation with little spare room (not doubled, not copied again)', () => {
    const log = Buffer.alloc(2 * 1024 * 1024, 7);
    const record = { a: 1, 'piece-log': { entries: log, sources: [['peer', '127.0.0.1:6881', 'lt']] }, 'save-path': '/tmp/x', z: 'end' };
    const allocate = vi.spyOn(Buffer, 'allocUnsafe');
    let out: Buffer;
    let allocated: number;
    try {
      out = encode(record);
      allocated = allocate.mock.calls.reduce((n, [size]) => n + size, 0);
    } finally {
      allocate.mockRestore();
    }
    // Everything the encoder allocated: the record's size and some room (doubling, then copying, took 4× it).
    expect(allocated).toBeLessThanOrEqual(log.length + 128 * 1024);
    const back = decode(out) as Map<string, unknown>;
    const entries = (back.get('piece-log') as Map<string, unknown>).get('entries') as Uint8Array;
    expect(Buffer.from(entries).equals(log)).toBe(true);
    expect(s(out).endsWith('1:z3:ende')).toBe(true);
    // One buffer of what was written plus at most 64 KiB (the old encoder doubled to 4 MiB, then copied).
    expect(out.buffer.byteLength).toBeGreaterThanOrEqual(out.length);
    expect(out.buffer.byteLength - out.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('copies a result that would otherwise carry much spare room', () => {
    // 100 KiB written with 64 KiB of room after it: over a sixteenth spare, so the result is an exact copy.
    const text = 'x'.repeat(100 * 1024);
    const out = encode(text);
    expect(s(out)).toBe(`${text.length}:${text}`);
    expect(out.buffer.byteLength).toBe(out.length);
  });
});
