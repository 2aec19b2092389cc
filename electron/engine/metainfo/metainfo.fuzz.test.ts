/**
 * Fuzz target: .torrent files and bare info dictionaries (ut_metadata) → Metainfo or a
 * MetainfoError, never anything else; and what is accepted is self-consistent (the
 * info-hash is over the original bytes, pieces cover the files, paths cannot leave the
 * save directory). Seeds: libtorrent's test torrents, mutated, plus generated v1 torrents.
 */
import { createHash } from 'node:crypto';
import { afterAll, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BENCODE_TOKENS, mutated, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { decode, encode, type Encodable, isDict } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { parseInfoDictionary, parseTorrent } from './parse.js';
import type { Metainfo } from './types.js';
import { torrentBytes, v1Info } from './test-torrents.js';

const torrents = loadCorpus('torrents');
/** The info dictionaries of the corpus torrents, as ut_metadata would deliver them. */
const infoDicts = torrents.flatMap((t) => {
  try {
    const root = decode(t);
    const span = isDict(root) ? root.valueSpans.get('info') : undefined;
    return span ? [t.subarray(span.start, span.end)] : [];
  } catch {
    return [];
  }
});

/** Generated v1 torrents: odd names and paths, lengths at the edges, optional fields of any type. */
const element = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('..', '.', '', '/', '\\', 'a/../b', 'C:', 'con', '\u202e', '\u0000', 'x'.repeat(300)),
);
const length = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(-1, 2 ** 53 - 1, 2 ** 31, 2 ** 40));
const anyValue: fc.Arbitrary<Encodable> = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({}));
const generatedTorrent = fc
  .record({
    name: fc.oneof(element, anyValue),
    pieceLength: fc.oneof(fc.constantFrom(16384, 32768, 1, 0, -16384, 2 ** 30), anyValue),
    single: fc.option(length, { nil: undefined }),
    files: fc.array(fc.record({ path: fc.array(element, { maxLength: 4 }), length, attr: fc.option(fc.constantFrom('p', 'x', 'h', 'l', 'xph'), { nil: undefined }) }), { maxLength: 5 }),
    extra: fc.dictionary(fc.constantFrom('private', 'meta version', 'file tree', 'pieces', 'length'), anyValue, { maxKeys: 2 }),
    announce: fc.option(fc.oneof(fc.webUrl(), anyValue), { nil: undefined }),
    piecesOff: fc.constantFrom(0, 0, 0, 1, -1),
  })
  .map((g) => {
    // The right number of piece hashes (give or take one), unless that would be absurdly many.
    const total = g.single ?? g.files.reduce((n, f) => n + f.length, 0);
    const pl = typeof g.pieceLength === 'number' && g.pieceLength > 0 ? g.pieceLength : 16384;
    const count = Math.max(0, Math.min(2000, Math.ceil(total / pl)) + g.piecesOff);
    const common = { name: g.name, pieceLength: g.pieceLength, extra: g.extra, pieces: Buffer.alloc(count * 20) };
    const info = g.single !== undefined ? v1Info({ ...common, length: g.single }) : v1Info({ ...common, files: g.files });
    return torrentBytes(info, { announce: g.announce });
  });

const inputs = fc.oneof(
  { weight: 4, arbitrary: untrustedBytes(torrents, BENCODE_TOKENS) },
  { weight: 2, arbitrary: mutated(infoDicts, BENCODE_TOKENS) },
  { weight: 2, arbitrary: generatedTorrent },
  { weight: 1, arbitrary: mutated([encode(v1Info({ files: [{ path: ['a'], length: 5 }] }))], BENCODE_TOKENS) },
);

function tryParse(parse: () => Metainfo): Metainfo | MetainfoError {
  try {
    return parse();
  } catch (e) {
    if (e instanceof MetainfoError) return e;
    throw e;
  }
}

function check(m: Metainfo): void {
  const fail = (why: string): never => {
    throw new Error(`accepted torrent is inconsistent: ${why}`);
  };
  const sha256 = createHash('sha256').update(m.infoBytes).digest();
  const v2Only = m.v2 !== null && !m.hybrid;
  const wireHash = v2Only ? sha256.subarray(0, 20) : createHash('sha1').update(m.infoBytes).digest();
  if (!wireHash.equals(m.infoHash)) fail('info-hash is not SHA-1 (v2: truncated SHA-256) of the info bytes');
  if (m.infoHashV2 !== null && !m.infoHashV2.equals(sha256)) fail('v2 info-hash is not SHA-256 of the info bytes');
  if ((m.infoHashV2 === null) !== (m.v2 === null)) fail('v2 layout without a v2 info-hash, or the reverse');
  if (m.infoHashHex !== m.infoHash.toString('hex')) fail('infoHashHex');
  if (!Number.isSafeInteger(m.pieceLength) || m.pieceLength <= 0) fail(`piece length ${m.pieceLength}`);
  if (m.pieceHashes.length !== (v2Only ? 0 : m.pieceCount * 20)) fail('piece hashes do not match the piece count');
  for (const f of m.v2?.files ?? []) {
    const file = m.files[f.fileIndex];
    if (file === undefined || file.length !== f.length || file.offset !== f.firstPiece * m.pieceLength) fail('v2 file does not match its file entry');
    if (f.firstPiece + f.pieceCount > m.pieceCount) fail('v2 file reaches past the last piece');
    if (f.layer !== null && f.layer.length !== f.pieceCount * 32) fail('piece layer of the wrong size');
  }
  if (m.pieceCount !== Math.ceil(m.totalLength / m.pieceLength)) fail('piece count does not cover the total length');
  let offset = 0;
  for (const f of m.files) {
    if (f.offset !== offset) fail(`file ${f.path} at offset ${f.offset}, expected ${offset}`);
    if (!Number.isSafeInteger(f.length) || f.length < 0) fail(`file length ${f.length}`);
    offset += f.length;
    if (f.pathElements.length === 0) fail('a file without a path');
    for (const e of f.pathElements) {
      if (e === '' || e === '.' || e === '..' || e.includes('/') || e.includes('\\') || e.includes('\0')) fail(`path element ${JSON.stringify(e)}`);
    }
  }
  if (offset !== m.totalLength) fail('file lengths do not add up to the total');
}

const seen = tally('metainfo (parseTorrent + parseInfoDictionary)');
let accepted = 0;
afterAll(() => expect(accepted, 'inputs accepted (and checked for consistency)').toBeGreaterThan(0));

test.prop([inputs], { examples: torrents.map((t): [Buffer] => [t]) })(
  'parseTorrent and parseInfoDictionary return a consistent Metainfo or throw MetainfoError',
  (bytes) => {
    seen();
    const asTorrent = tryParse(() => parseTorrent(bytes));
    if (!(asTorrent instanceof MetainfoError)) {
      accepted++;
      check(asTorrent);
    }
    const asInfo = tryParse(() => parseInfoDictionary(bytes));
    if (!(asInfo instanceof MetainfoError)) {
      accepted++;
      check(asInfo);
    }
  },
);
