import { describe, expect, it } from 'vitest';
import { BDict, BencodeError, decode, decodeAt, NONE, scan, scanSteps } from './index.js';
import { runSteps } from '../util/yield.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('tape: reading a scanned input in place', () => {
  const input = b('d5:filesld6:lengthi5e4:pathl1:a1:beee4:name3:abc1:xi-0e1:yi9223372036854775807ee');
  const tape = scan(input, { allowNonCanonicalNumbers: true });

  it('finds dictionary values by key, with their types', () => {
    expect(tape.isDict(tape.root)).toBe(true);
    const files = tape.findList(tape.root, 'files');
    expect(files).toBeGreaterThan(0);
    expect(tape.findDict(tape.root, 'files')).toBe(NONE);
    expect(tape.findBytes(tape.root, 'name')?.toString()).toBe('abc');
    expect(tape.find(tape.root, 'missing')).toBe(NONE);
    expect(tape.int(tape.find(tape.root, 'x'))).toBe(0);
    expect(Object.is(tape.int(tape.find(tape.root, 'x')), -0)).toBe(false);
    expect(tape.int(tape.find(tape.root, 'y'))).toBe(9223372036854775807n);
    expect(tape.int(tape.find(tape.root, 'name'))).toBeUndefined();
  });

  it('walks lists and dictionaries, and reports sizes and spans', () => {
    const files = tape.findList(tape.root, 'files');
    expect(tape.size(files)).toBe(1);
    const file = tape.first(files);
    expect(tape.after(file)).toBe(NONE);
    expect(tape.intNumber(tape.find(file, 'length'))).toBe(5);
    const path = tape.findList(file, 'path');
    const elements: string[] = [];
    for (let e = tape.first(path); e >= 0; e = tape.after(e)) elements.push(tape.latin1(e) as string);
    expect(elements).toEqual(['a', 'b']);
    const span = tape.span(file);
    expect(input.toString('latin1', span.start, span.end)).toBe('d6:lengthi5e4:pathl1:a1:bee');
    expect(tape.span(tape.root)).toEqual({ start: 0, end: input.length });
    expect(tape.end).toBe(input.length);
    expect(tape.size(tape.root)).toBe(8); // four keys, four values
  });

  it('gives strings as views of the input', () => {
    const name = tape.findBytes(tape.root, 'name') as Buffer;
    expect(name.buffer).toBe(input.buffer);
    const at = tape.stringSpan(tape.find(tape.root, 'name'));
    expect(at).not.toBeNull();
    expect(input.toString('latin1', at?.start, at?.end)).toBe('abc');
    expect(tape.lengthOf(tape.find(tape.root, 'name'))).toBe(3);
  });

  it('answers "absent" for NONE and for tokens of the wrong kind', () => {
    expect(tape.first(NONE)).toBe(NONE);
    expect(tape.after(NONE)).toBe(NONE);
    expect(tape.find(NONE, 'x')).toBe(NONE);
    expect(tape.bytesOf(NONE)).toBeUndefined();
    expect(tape.find(tape.find(tape.root, 'name'), 'x')).toBe(NONE);
    expect(tape.first(tape.find(tape.root, 'x'))).toBe(NONE);
    expect(tape.size(NONE)).toBe(0);
  });

  it('finds the first of duplicate keys, and where keys were out of order', () => {
    const t = scan(b('d1:ad1:bi1e1:ai2ee1:ai3ee'));
    const inner = t.findDict(t.root, 'a');
    expect(t.int(t.find(inner, 'b'))).toBe(1);
    expect(t.keyOrderOf(t.root)).toBe('duplicate');
    expect(t.keyOrderOf(inner)).toBe('unsorted');
    expect(t.keyOrderProblemIn(inner)).toBe(inner);
    expect(t.keyOrderProblemIn(t.root)).toBe(t.root);
    const sorted = scan(b('d1:ad1:ai1e1:bi2ee1:cd1:bi1e1:ai2eee'));
    expect(sorted.keyOrderProblemIn(sorted.findDict(sorted.root, 'a'))).toBe(NONE);
    expect(sorted.keyOrderProblemIn(sorted.root)).toBe(sorted.findDict(sorted.root, 'c'));
  });

  it('scans a prefix and says where it ended', () => {
    const t = scan(Buffer.concat([b('d1:ai1ee'), Buffer.from([1, 2])]), {}, false);
    expect(t.end).toBe(8);
    expect(() => scan(Buffer.concat([b('d1:ai1ee'), Buffer.from([1, 2])]))).toThrow(/trailing data/);
  });
});

describe('tape: scanning in steps and at scale', () => {
  it('yields between chunks and gives the same tape', () => {
    const list = b(`l${'i1e'.repeat(100)}e`);
    let yields = 0;
    const steps = scanSteps(list, {}, true, 10);
    let r = steps.next();
    while (r.done !== true) {
      yields++;
      r = steps.next();
    }
    expect(yields).toBeGreaterThanOrEqual(10);
    expect(r.value.size(r.value.root)).toBe(100);
    expect(() => runSteps(scanSteps(b('i1x'), {}))).toThrow(BencodeError);
  });

  it('grows its tables past any first guess (a dense input of one-byte tokens)', () => {
    const n = 200_000;
    const t = scan(b(`${'l'.repeat(50)}${'le'.repeat(n)}${'e'.repeat(50)}`), { maxDepth: 100 });
    let inner = t.root;
    for (let i = 0; i < 49; i++) inner = t.first(inner);
    expect(t.size(inner)).toBe(n);
  });

  it('takes 8 bytes a token, never more tokens than maxTokens allow, and 4 bytes a misordered dictionary', () => {
    const n = 10_000;
    const list = b(`l${'i1e'.repeat(n)}e`); // n + 2 tokens
    expect(scan(list, { maxTokens: n + 2 }).tableBytes).toBeLessThanOrEqual(8 * (n + 3));
    const t = scan(list);
    expect(t.count).toBe(n + 2);
    // Grown by the density seen so far, not doubled: little unused room.
    expect(t.tableBytes).toBeLessThanOrEqual(8 * (n + 3) * 1.25);
    // Every dictionary misordered: 4 bytes each on top of the tokens' 8 bytes.
    const m = scan(b(`l${'d1:b0:1:a0:e'.repeat(1000)}e`));
    expect(m.tableBytes).toBeLessThanOrEqual(8 * (m.count + 1) * 1.25 + 4 * 1024);
    expect(m.keyOrderOf(m.first(m.root))).toBe('unsorted');
    expect(m.keyOrderProblemIn(m.root)).toBe(m.first(m.root));
  });

  it('decodes one part of a tape as values (decodeAt), spans as in the whole input', () => {
    const input = b('d1:ad1:bli1e3:xyzee1:ci5ee');
    const t = scan(input);
    const a = decodeAt(t, t.find(t.root, 'a')) as BDict;
    expect(a).toBeInstanceOf(BDict);
    expect(input.toString('latin1', a.span.start, a.span.end)).toBe('d1:bli1e3:xyzee');
    expect((a.get('b') as unknown[])[0]).toBe(1);
    expect(decodeAt(t, t.find(t.root, 'c'))).toBe(5);
    expect(() => decodeAt(t, NONE)).toThrow(RangeError);
  });

  it('decoded values stay whole across later decodes (small tapes share tables)', () => {
    const first = decode(b('d1:ali1ei2ee1:b3:xyze'));
    decode(b('d1:cli7ei8ei9eee'));
    expect(first).toEqual(decode(b('d1:ali1ei2ee1:b3:xyze')));
  });
});
