/**
 * Fuzz target: the strict bencode decoder (every .torrent and most network messages go
 * through it), with the `bencode` package (webtorrent's) as an independent oracle.
 *
 * The oracle is lenient where ours is strict (leading zeros, trailing bytes, unsorted keys
 * are all fine to it) and lossy where ours is exact, so it is compared only on inputs both
 * accept and inside its exact domain:
 * - integers within ±2^53 (it parses digits into a double; ours gives a bigint beyond);
 * - dictionaries with sorted keys, so without duplicates (it keeps the last value of a
 *   duplicate key, ours and libtorrent the first; the decoder records only the first
 *   key-order problem of a dictionary, so an unsorted one may also hide a duplicate);
 * - no key `__proto__` (it assigns keys onto a plain object, so that one sets the prototype);
 * - keys it turns to text: UTF-8 decoded (a leading BOM dropped), or hex when the text has
 *   U+FFFD — two raw keys can map to one text key, and then the later one wins, as in it.
 * Its encoder sorts keys by UTF-16 code units where BEP 3 says raw bytes; the two orders
 * agree for keys without characters beyond U+D7FF, which is what the encode comparison uses.
 */
import bencode from 'bencode';
import { afterAll, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BENCODE_TOKENS, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { BENCODED_CORPORA, loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { BDict, BencodeError, type BValue, decode, decodePrefix, encode, findKeyOrderProblem, utf8ToKey } from './index.js';

const corpus = BENCODED_CORPORA.flatMap(loadCorpus);
const examples = corpus.map((c): [Buffer] => [c]);

/** Decodes or returns the BencodeError; anything else thrown fails the property. */
function tryDecode(bytes: Buffer): BValue | BencodeError {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof BencodeError) return e;
    throw e;
  }
}

// ---- the oracle's view -------------------------------------------------------------------

const textDecoder = new TextDecoder();

/** How the oracle names a raw key. */
function oracleKey(rawLatin1: string): string {
  const bytes = Buffer.from(rawLatin1, 'latin1');
  const text = textDecoder.decode(bytes);
  return text.includes('\uFFFD') ? bytes.toString('hex') : text;
}

type OracleView = { i: number } | { b: string } | OracleView[] | { d: Array<[string, OracleView]> };

/** What the oracle should return for our value, or null when the value is outside its exact domain. */
function expectedOracleView(v: BValue): OracleView | null {
  if (typeof v === 'bigint') return null;
  if (typeof v === 'number') return { i: v };
  if (Buffer.isBuffer(v)) return { b: v.toString('hex') };
  if (Array.isArray(v)) {
    const items: OracleView[] = [];
    for (const x of v) {
      const e = expectedOracleView(x);
      if (e === null) return null;
      items.push(e);
    }
    return items;
  }
  if (v.keyOrder !== 'sorted') return null; // 'unsorted' is recorded first and may hide a later duplicate
  const byKey = new Map<string, OracleView>();
  for (const [k, x] of v) {
    const key = oracleKey(k);
    if (key === '__proto__') return null;
    const e = expectedOracleView(x);
    if (e === null) return null;
    byKey.set(key, e); // a later raw key with the same text replaces the earlier, as in the oracle
  }
  return { d: [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** The oracle's decoded value in the same shape. */
function oracleView(v: unknown): OracleView {
  if (typeof v === 'number') return { i: v };
  if (v instanceof Uint8Array) return { b: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(oracleView);
  if (typeof v === 'object' && v !== null) {
    const entries = Object.keys(v).map((k): [string, OracleView] => [k, oracleView((v as Record<string, unknown>)[k])]);
    return { d: entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  }
  throw new Error(`oracle returned ${typeof v}`);
}

/** Cheap comparison first (millions of inputs); the diffing assertion only on a mismatch. */
function sameView(actual: OracleView, expected: OracleView): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
}

// ---- properties --------------------------------------------------------------------------

const decodeInputs = tally('bencode decode (+ bencode package oracle)');
let oracleCompared = 0;
afterAll(() => expect(oracleCompared, 'inputs compared with the oracle').toBeGreaterThan(0));

test.prop([untrustedBytes(corpus, BENCODE_TOKENS)], { examples })(
  'decode returns a value or throws BencodeError; what it accepts re-encodes consistently and matches the oracle',
  (input) => {
    decodeInputs();
    const value = tryDecode(input);

    // decodePrefix agrees with decode about where the value ends.
    let prefix: { value: BValue; end: number } | BencodeError;
    try {
      prefix = decodePrefix(input);
    } catch (e) {
      if (!(e instanceof BencodeError)) throw e;
      prefix = e;
    }
    if (value instanceof BencodeError) {
      if (!(prefix instanceof BencodeError) && prefix.end >= input.length) throw new Error('decodePrefix took the whole input that decode refused');
      return;
    }
    if (prefix instanceof BencodeError || prefix.end !== input.length) throw new Error('decodePrefix disagrees with decode');

    // Encoding is a fixed point, and exact for canonical input (sorted keys, no duplicates).
    // (The encoder is injective on decoded values, so equal bytes mean equal values.)
    const encoded = encode(value);
    if (!encode(decode(encoded)).equals(encoded)) throw new Error('decode(encode(v)) is not v');
    if (findKeyOrderProblem(value) === null && !encoded.equals(input)) throw new Error('canonical input did not re-encode to itself');

    // The oracle agrees wherever it is exact.
    const expected = expectedOracleView(value);
    if (expected !== null) {
      oracleCompared++;
      sameView(oracleView(bencode.decode(input)), expected);
    }
  },
);

// Structured values: both encoders must write the same bytes, and both decoders read them back.

/** Dictionary keys whose UTF-16 order equals their UTF-8 byte order (no code points past U+D7FF). */
const key = fc
  .string({ unit: fc.integer({ min: 0, max: 0xd7ff }).map((c) => String.fromCharCode(c)), maxLength: 12 })
  .filter((k) => k !== '__proto__' && !k.startsWith('\uFEFF'));

interface Generated {
  ours: BValue;
  theirs: unknown;
}

const { value: generated } = fc.letrec<{ value: Generated }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger().map((n): Generated => ({ ours: n, theirs: n })),
    fc.uint8Array({ maxLength: 24 }).map((a): Generated => ({ ours: Buffer.from(a), theirs: a })),
    fc.array(tie('value'), { maxLength: 5 }).map((items): Generated => ({ ours: items.map((x) => x.ours), theirs: items.map((x) => x.theirs) })),
    fc.uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 5 }).map((entries): Generated => {
      const ours = new BDict();
      const theirs: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        ours.set(utf8ToKey(k), x.ours);
        theirs[k] = x.theirs;
      }
      return { ours, theirs };
    }),
  ),
}));

const encodeInputs = tally('bencode encode (vs bencode package)');

test.prop([generated])('both encoders write the same bytes for the same value, and both decoders read them back', ({ ours, theirs }) => {
  encodeInputs();
  const bytes = encode(ours);
  const theirBytes = Buffer.from(bencode.encode(theirs));
  if (!theirBytes.equals(bytes)) expect(theirBytes.toString('latin1')).toBe(bytes.toString('latin1'));
  if (!encode(decode(bytes)).equals(bytes)) throw new Error('our decoder did not read our encoding back');
  const expected = expectedOracleView(ours);
  if (expected === null) throw new Error('a generated value left the oracle domain');
  sameView(oracleView(bencode.decode(bytes)), expected);
});
