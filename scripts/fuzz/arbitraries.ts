/**
 * Input generators shared by the fuzz targets: raw bytes, and corpus entries mutated the way
 * coverage-guided fuzzers do (flip, overwrite, insert, delete, truncate, splice, and splice in
 * "interesting" tokens such as huge lengths), so most inputs get past the first checks.
 */
import fc from 'fast-check';

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'token'; at: number; token: number; replace: boolean }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'splice'; at: number; other: number; from: number; length: number };

/** Positions are fractions of the current length (0..1) so a mutation fits any input. */
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fraction, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fraction, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('token' as const), at: fraction, token: fc.nat(), replace: fc.boolean() }),
  fc.record({ op: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fraction }),
  fc.record({ op: fc.constant('duplicate' as const), at: fraction, length: fc.integer({ min: 1, max: 64 }), to: fraction }),
  fc.record({ op: fc.constant('splice' as const), at: fraction, other: fc.nat(), from: fraction, length: fc.integer({ min: 1, max: 256 }) }),
);

const pos = (f: number, length: number): number => Math.min(length, Math.floor(f * (length + 1)));

function apply(input: Buffer, m: Mutation, corpus: readonly Buffer[], tokens: readonly Buffer[]): Buffer {
  const at = pos(m.at, input.length);
  switch (m.op) {
    case 'flip': {
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      const i = Math.min(at, out.length - 1);
      out[i] = (out[i] ?? 0) ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (input.length === 0) return Buffer.from([m.byte]);
      const out = Buffer.from(input);
      out[Math.min(at, out.length - 1)] = m.byte;
      return out;
    }
    case 'insert':
      return Buffer.concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
    case 'token': {
      const token = tokens.length > 0 ? (tokens[m.token % tokens.length] as Buffer) : Buffer.alloc(0);
      const cut = m.replace ? Math.min(input.length, at + token.length) : at;
      return Buffer.concat([input.subarray(0, at), token, input.subarray(cut)]);
    }
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'truncate':
      return input.subarray(0, at);
    case 'duplicate': {
      const piece = input.subarray(at, at + m.length);
      const to = pos(m.to, input.length);
      return Buffer.concat([input.subarray(0, to), piece, input.subarray(to)]);
    }
    case 'splice': {
      const other = corpus.length > 0 ? (corpus[m.other % corpus.length] as Buffer) : input;
      const from = pos(m.from, other.length);
      return Buffer.concat([input.subarray(0, at), other.subarray(from, from + m.length), input.subarray(at)]);
    }
  }
}

/** Byte strings worth splicing into bencoded input: type markers, edge-case numbers, huge lengths. */
export const BENCODE_TOKENS: readonly Buffer[] = [
  'i', 'e', 'd', 'l', ':', '0', '-', 'de', 'le', 'i0e', 'i-1e', '0:', '1:', '20:', '4:name', '6:length',
  '12:piece length', '6:pieces', '5:files', '4:path', '4:info', 'i2147483648e', 'i4294967296e',
  'i9007199254740993e', 'i9223372036854775807e', 'i-9223372036854775808e', 'i18446744073709551616e',
  '4294967295:', '99999999999:', '9999999999999999999999:', '00:', 'i00e', 'i-0e', 'l'.repeat(120),
  'd'.repeat(60), '\x00', '\xff', '\xc3\xa9', '9:__proto__', '11:constructor',
].map((s) => Buffer.from(s, 'latin1'));

/** Numbers worth splicing into binary messages: length and count fields at their edges. */
export const BINARY_TOKENS: readonly Buffer[] = [
  [0, 0, 0, 0], [0, 0, 0, 1], [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff], [0x80, 0, 0, 0],
  [0, 0x10, 0, 0], [0, 0x10, 0, 1], [0, 0, 0x40, 0x09], [0, 0, 0, 0x0d], [0, 0, 0, 5], [0xff, 0xff], [0, 0],
  [0x13], [20], [7], [5], [0x0e], [0x0f], [0x10], [0x11],
].map((b) => Buffer.from(b));

/** `corpus` entries with 1..`maxMutations` random mutations each. */
export function mutated(corpus: readonly Buffer[], tokens: readonly Buffer[], maxMutations = 6): fc.Arbitrary<Buffer> {
  if (corpus.length === 0) throw new Error('mutated() needs a non-empty corpus');
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: maxMutations }))
    .map(([base, ms]) => ms.reduce((b, m) => apply(b, m, corpus, tokens), base));
}

/** Uniformly random bytes, as a Buffer. */
export function randomBytes(maxLength = 96): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

/** The usual mix for a byte parser: random bytes, mutated corpus, and the corpus as is. */
export function untrustedBytes(corpus: readonly Buffer[], tokens: readonly Buffer[], maxRandom = 96): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 2, arbitrary: randomBytes(maxRandom) },
    { weight: 6, arbitrary: mutated(corpus, tokens) },
    { weight: 1, arbitrary: fc.constantFrom(...corpus) },
  );
}

/** Splits `bytes` into chunks at random cut points (network reads arrive in any sizes). */
export function chunked(bytes: fc.Arbitrary<Buffer>): fc.Arbitrary<{ bytes: Buffer; chunks: Buffer[] }> {
  return fc.tuple(bytes, fc.array(fraction, { maxLength: 8 })).map(([b, cuts]) => {
    const points = [...new Set(cuts.map((c) => pos(c, b.length)))].sort((x, y) => x - y);
    const chunks: Buffer[] = [];
    let last = 0;
    for (const p of points) {
      chunks.push(b.subarray(last, p));
      last = p;
    }
    chunks.push(b.subarray(last));
    return { bytes: b, chunks };
  });
}
