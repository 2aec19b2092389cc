/**
 * Fuzz target: KRPC datagrams (BEP 5), which come from anyone on the internet. decodeMessage
 * returns a message or a reason and never throws; what it accepts has the sizes it
 * promises (20-byte ids, bounded tokens and transaction ids, valid ports); our own queries,
 * responses and errors decode back. Seeds: libtorrent's replies and our queries.
 */
import { fc, test } from '@fast-check/vitest';
import { BENCODE_TOKENS, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { encode } from '../bencode/index.js';
import { decodeMessage, encodeError, encodeQuery, encodeResponse, type KrpcMessage } from './krpc.js';

const fail = (why: string): never => {
  throw new Error(why);
};
const corpus = loadCorpus('krpc');

/** Message-shaped dictionaries: the right keys, values of any type. */
const anyValue = fc.oneof(fc.integer(), fc.uint8Array({ maxLength: 40 }), fc.constant([]), fc.constant({}));
const id20 = fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), anyValue);
const shaped = fc
  .record(
    {
      t: fc.oneof(fc.uint8Array({ maxLength: 40 }), anyValue),
      y: fc.oneof(fc.constantFrom('q', 'r', 'e'), anyValue),
      q: fc.oneof(fc.constantFrom('ping', 'find_node', 'get_peers', 'announce_peer', 'sample_infohashes'), anyValue),
      a: fc.record(
        { id: id20, target: id20, info_hash: id20, port: fc.oneof(fc.integer({ min: -1, max: 70000 }), anyValue), token: fc.oneof(fc.uint8Array({ maxLength: 80 }), anyValue), implied_port: anyValue, want: fc.array(fc.oneof(fc.constantFrom('n4', 'n6'), anyValue), { maxLength: 3 }) },
        { requiredKeys: [] },
      ),
      r: fc.record(
        { id: id20, nodes: fc.oneof(fc.uint8Array({ maxLength: 60 }), anyValue), nodes6: fc.oneof(fc.uint8Array({ maxLength: 80 }), anyValue), values: fc.array(fc.oneof(fc.uint8Array({ maxLength: 20 }), anyValue), { maxLength: 4 }), token: anyValue },
        { requiredKeys: [] },
      ),
      e: fc.array(anyValue, { maxLength: 3 }),
      ro: anyValue,
      ip: fc.uint8Array({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  )
  .map((d) => encode(d));

function check(m: KrpcMessage): void {
  if (m.t.length > 32) fail(`transaction id of ${m.t.length} bytes`);
  if (m.type === 'query') {
    if (m.id.length !== 20) fail('query id is not 20 bytes');
    if (m.method === 'find_node' && m.target.length !== 20) fail('target');
    if (m.method === 'get_peers' && m.infoHash.length !== 20) fail('info_hash');
    if (m.method === 'announce_peer' && (m.token.length > 64 || (!m.impliedPort && !(m.port >= 1 && m.port <= 65535)))) fail('announce_peer token or port');
  } else if (m.type === 'response') {
    if (m.id.length !== 20) fail('response id is not 20 bytes');
    if (m.values.length > 512) fail('too many values');
    for (const n of [...m.nodes, ...m.nodes6]) if (n.id.length !== 20 || n.port < 1 || n.port > 65535) fail('bad node');
    for (const p of m.values) if (p.port < 1 || p.port > 65535) fail('bad value');
    if (m.token !== null && m.token.length > 64) fail('token too long');
  } else if (m.message.length > 200) {
    fail('error text not cut');
  }
}

const inputs = tally('KRPC (decodeMessage)');

test.prop([fc.oneof({ weight: 3, arbitrary: untrustedBytes(corpus, BENCODE_TOKENS) }, { weight: 2, arbitrary: shaped })], { examples: corpus.map((c): [Buffer] => [c]) })(
  'decodeMessage returns a well-sized message or a reason, never a throw',
  (packet) => {
    inputs();
    const r = decodeMessage(packet);
    if (r.ok) check(r.message);
    else if (typeof r.reason !== 'string') fail('no reason');
  },
);

const roundTrips = tally('KRPC (round trip)');
const bytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 });
const t = fc.uint8Array({ minLength: 1, maxLength: 8 });
const node = (family: 4 | 6) => fc.record({ id: bytes20, host: family === 4 ? fc.ipV4() : fc.ipV6(), port: fc.integer({ min: 1, max: 65535 }) });

test.prop(
  [
    fc.oneof(
      fc.record({ kind: fc.constant('ping' as const), t, id: bytes20 }),
      fc.record({ kind: fc.constant('get_peers' as const), t, id: bytes20, hash: bytes20 }),
      fc.record({ kind: fc.constant('announce' as const), t, id: bytes20, hash: bytes20, port: fc.integer({ min: 1, max: 65535 }), token: fc.uint8Array({ maxLength: 64 }) }),
      fc.record({ kind: fc.constant('response' as const), t, id: bytes20, nodes: fc.array(node(4), { maxLength: 4 }), nodes6: fc.array(node(6), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('error' as const), t, code: fc.integer({ min: 200, max: 299 }), text: fc.string({ maxLength: 30 }) }),
    ),
  ],
  { numRuns: SECONDARY_RUNS },
)('our KRPC messages decode back', (g) => {
  roundTrips();
  let bytes: Uint8Array;
  switch (g.kind) {
    case 'ping':
      bytes = encodeQuery(g.t, g.id, { method: 'ping' });
      break;
    case 'get_peers':
      bytes = encodeQuery(g.t, g.id, { method: 'get_peers', infoHash: g.hash });
      break;
    case 'announce':
      bytes = encodeQuery(g.t, g.id, { method: 'announce_peer', infoHash: g.hash, port: g.port, token: g.token });
      break;
    case 'response':
      bytes = encodeResponse(g.t, { id: g.id, nodes: g.nodes, nodes6: g.nodes6 });
      break;
    case 'error':
      bytes = encodeError(g.t, g.code, g.text);
      break;
  }
  const r = decodeMessage(bytes);
  if (!r.ok) return fail(r.reason);
  if (!Buffer.from(r.message.t).equals(Buffer.from(g.t))) fail('transaction id differs');
  const m = r.message;
  if (g.kind === 'response' && (m.type !== 'response' || m.nodes.length !== g.nodes.length || m.nodes6.length !== g.nodes6.length)) fail('nodes differ');
  if (g.kind === 'error' && (m.type !== 'error' || m.code !== g.code)) fail('error differs');
  if (g.kind === 'announce' && (m.type !== 'query' || m.method !== 'announce_peer' || m.port !== g.port)) fail('announce differs');
});
