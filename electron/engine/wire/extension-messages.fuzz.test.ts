/**
 * Fuzz targets: BEP 10 extension handshake, BEP 9 ut_metadata and BEP 11 ut_pex payloads.
 * Each decoder returns a value or a reason string and never throws; what it returns stays
 * inside its documented bounds; what our encoders write decodes back to the same thing.
 */
import { fc, test } from '@fast-check/vitest';
import { BENCODE_TOKENS, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { encode } from '../bencode/index.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from './extension-handshake.js';
import { decodeMetadataMessage, encodeMetadataData, encodeMetadataReject, encodeMetadataRequest } from './ut-metadata.js';
import { decodePex, encodePex, MAX_PEX_ENTRIES } from './ut-pex.js';

const asExamples = (corpus: Buffer[]): Array<[Buffer]> => corpus.map((c): [Buffer] => [c]);
const fail = (why: string): never => {
  throw new Error(why);
};

// ---- BEP 10 extension handshake ----------------------------------------------------------

const handshakes = loadCorpus('ext-handshake');
const handshakeInputs = tally('BEP 10 extension handshake');

test.prop([untrustedBytes(handshakes, BENCODE_TOKENS)], { examples: asExamples(handshakes) })(
  'decodeExtensionHandshake returns a handshake within bounds or a reason',
  (payload) => {
    handshakeInputs();
    const hs = decodeExtensionHandshake(payload);
    if (typeof hs === 'string') return;
    for (const [name, id] of hs.ids) if (!Number.isInteger(id) || id < 1 || id > 255) fail(`extension ${name} with id ${id}`);
    if (hs.reqq !== null && !(hs.reqq >= 1 && hs.reqq <= 10_000)) fail(`reqq ${hs.reqq}`);
    if (hs.listenPort !== null && !(Number.isInteger(hs.listenPort) && hs.listenPort >= 1 && hs.listenPort <= 65535)) fail(`port ${hs.listenPort}`);
    if (hs.metadataSize !== null && !(hs.metadataSize > 0)) fail(`metadata size ${hs.metadataSize}`);
  },
);

const ourHandshakes = tally('BEP 10 extension handshake (round trip)');
test.prop(
  [
    fc.record({
      listenPort: fc.integer({ min: 1, max: 65535 }),
      client: fc.string({ unit: 'grapheme', maxLength: 20 }),
      reqq: fc.integer({ min: 1, max: 10_000 }),
      metadataSize: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
      uploadOnly: fc.boolean(),
      pex: fc.boolean(),
    }),
  ],
  { numRuns: SECONDARY_RUNS },
)('our extension handshake decodes back to what we said', (ours) => {
  ourHandshakes();
  const hs = decodeExtensionHandshake(encodeExtensionHandshake(ours));
  if (typeof hs === 'string') return fail(hs);
  if (hs.listenPort !== ours.listenPort || hs.client !== ours.client || hs.reqq !== ours.reqq) fail('fields differ');
  if (hs.metadataSize !== (ours.metadataSize ?? null) || hs.uploadOnly !== ours.uploadOnly) fail('metadata fields differ');
  if (hs.ids.get('ut_metadata') !== 2 || hs.ids.has('ut_pex') !== ours.pex) fail('extension ids differ');
});

// ---- BEP 9 ut_metadata ---------------------------------------------------------------------

const metadata = loadCorpus('ut-metadata');
const metadataInputs = tally('BEP 9 ut_metadata');

test.prop([untrustedBytes(metadata, BENCODE_TOKENS)], { examples: asExamples(metadata) })(
  'decodeMetadataMessage returns a message with a safe piece number or a reason',
  (payload) => {
    metadataInputs();
    const m = decodeMetadataMessage(payload);
    if (typeof m === 'string') return;
    if (!Number.isSafeInteger(m.piece) || m.piece < 0) fail(`piece ${m.piece}`);
    if (m.type === 'data') {
      if (!Number.isSafeInteger(m.totalSize) || m.totalSize <= 0) fail(`total size ${m.totalSize}`);
      if (m.data.length > payload.length) fail('data longer than the payload');
    }
  },
);

const ourMetadata = tally('BEP 9 ut_metadata (round trip)');
test.prop([fc.nat(), fc.integer({ min: 1, max: 2 ** 40 }), fc.uint8Array({ maxLength: 64 }), fc.constantFrom('request', 'data', 'reject')], {
  numRuns: SECONDARY_RUNS,
})('our ut_metadata messages decode back', (piece, totalSize, data, type) => {
  ourMetadata();
  const bytes = type === 'request' ? encodeMetadataRequest(piece) : type === 'reject' ? encodeMetadataReject(piece) : encodeMetadataData(piece, totalSize, data);
  const m = decodeMetadataMessage(bytes);
  if (typeof m === 'string') return fail(m);
  if (m.type !== type || m.piece !== piece) fail('type or piece differ');
  if (m.type === 'data' && (m.totalSize !== totalSize || !m.data.equals(Buffer.from(data)))) fail('data differs');
});

// ---- BEP 11 ut_pex -------------------------------------------------------------------------

const pex = loadCorpus('pex');
/** Peer lists of random bytes inside a real dictionary: every byte string is a compact list. */
const pexDict = fc
  .record({ added: fc.uint8Array({ maxLength: 80 }), added6: fc.uint8Array({ maxLength: 80 }), 'added6.f': fc.uint8Array({ maxLength: 6 }), dropped: fc.uint8Array({ maxLength: 40 }), dropped6: fc.uint8Array({ maxLength: 60 }) }, { requiredKeys: [] })
  .map((d) => encode(d));
const pexInputs = tally('BEP 11 ut_pex');

test.prop([fc.oneof({ weight: 3, arbitrary: untrustedBytes(pex, BENCODE_TOKENS) }, { weight: 1, arbitrary: pexDict })], { examples: asExamples(pex) })(
  'decodePex returns bounded peer lists of valid addresses or a reason',
  (payload) => {
    pexInputs();
    const m = decodePex(payload);
    if (typeof m === 'string') return;
    for (const list of [m.added, m.dropped]) {
      if (list.length > MAX_PEX_ENTRIES * 8) fail(`${list.length} peers in one list`);
      for (const p of list) if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535 || p.host === '') fail(`peer ${p.host}:${p.port}`);
    }
  },
);

const ourPex = tally('BEP 11 ut_pex (round trip)');
const peer = fc.record({ host: fc.oneof(fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 1, max: 65535 }) });
test.prop([fc.uniqueArray(peer, { maxLength: 6, selector: (p) => `${p.host}|${p.port}` }), fc.uniqueArray(peer, { maxLength: 6, selector: (p) => `${p.host}|${p.port}` })], {
  numRuns: SECONDARY_RUNS,
})('our ut_pex messages decode back to the same number of peers', (added, dropped) => {
  ourPex();
  const m = decodePex(encodePex(added.map((p) => ({ ...p, flags: 0 })), dropped));
  if (typeof m === 'string') return fail(m);
  // IPv4-mapped IPv6 peers come back as IPv4 and may then repeat an IPv4 one; never more peers than sent.
  if (m.added.length > added.length || m.dropped.length > dropped.length) fail('more peers than were sent');
  if (m.added.length === 0 && added.length > 0) fail('added peers lost');
});
