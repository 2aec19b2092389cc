/**
 * Fuzz targets: tracker replies. HTTP announce and scrape bodies → a result or a
 * TrackerError of kind 'failure' or 'protocol', never anything else; BEP 15 UDP packets →
 * a decoded response (possibly 'invalid'), never a throw. Accepted peers always have a
 * port in 1..65535. Seeds: replies captured from opentracker plus constructed ones.
 */
import { fc, test } from '@fast-check/vitest';
import { BENCODE_TOKENS, BINARY_TOKENS, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import type { PeerAddress } from '../api.js';
import { encode } from '../bencode/index.js';
import { encodeCompactPeers6, parseIPv6 } from './compact.js';
import { parseAnnounceResponse, parseScrapeResponse } from './http.js';
import { TrackerError } from './types.js';
import {
  decodeRequest,
  decodeResponse,
  encodeAnnounceResponse,
  encodeConnectResponse,
  encodeErrorResponse,
  encodeScrapeResponse,
  type UdpResponse,
} from './udp-codec.js';

const fail = (why: string): never => {
  throw new Error(why);
};

function checkPeers(peers: readonly PeerAddress[]): void {
  for (const p of peers) if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535 || p.host === '') fail(`peer ${p.host}:${p.port}`);
}

function expectTrackerError(e: unknown): void {
  if (!(e instanceof TrackerError) || (e.kind !== 'failure' && e.kind !== 'protocol')) throw e;
  if (/[\r\n]/.test(e.message)) fail(`multi-line message ${JSON.stringify(e.message)}`);
}

// ---- HTTP ------------------------------------------------------------------------------------

const http = loadCorpus('http-tracker');
/** Announce dictionaries with every field of any type. */
const anyField = fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.uint8Array({ maxLength: 40 }), fc.constant([]), fc.constant({}));
const peerDict = fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.string({ maxLength: 10 })), port: fc.oneof(fc.integer({ min: -1, max: 70000 }), anyField) }, { requiredKeys: [] });
const announceDict = fc
  .record(
    {
      interval: anyField,
      'min interval': anyField,
      complete: anyField,
      incomplete: anyField,
      'tracker id': anyField,
      'warning message': anyField,
      'failure reason': anyField,
      peers: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.oneof(peerDict, anyField), { maxLength: 5 }), anyField),
      peers6: fc.oneof(fc.uint8Array({ maxLength: 80 }), anyField),
    },
    { requiredKeys: [] },
  )
  .map((d) => encode(d));
const httpInputs = tally('HTTP tracker replies (announce + scrape)');

test.prop([fc.oneof({ weight: 3, arbitrary: untrustedBytes(http, BENCODE_TOKENS) }, { weight: 1, arbitrary: announceDict })], { examples: http.map((b): [Buffer] => [b]) })(
  'announce and scrape bodies parse to a result or a TrackerError (failure / protocol)',
  (body) => {
    httpInputs();
    try {
      const r = parseAnnounceResponse(body);
      checkPeers(r.peers);
      if (!(r.interval >= 0)) fail(`interval ${r.interval}`);
    } catch (e) {
      expectTrackerError(e);
    }
    try {
      for (const [hash, s] of parseScrapeResponse(body)) {
        if (!/^[0-9a-f]{40}$/.test(hash)) fail(`scrape key ${hash}`);
        if (!(s.complete >= 0 && s.downloaded >= 0 && s.incomplete >= 0)) fail('negative scrape counts');
      }
    } catch (e) {
      expectTrackerError(e);
    }
  },
);

// ---- UDP -------------------------------------------------------------------------------------

const udp = loadCorpus('udp-tracker');
const udpInputs = tally('UDP tracker packets (decodeResponse + decodeRequest)');

function checkResponse(r: UdpResponse, length: number): void {
  if (r.action === 'announce') {
    checkPeers(r.peers);
    if (r.trailing < 0 || r.trailing >= 18) fail(`trailing ${r.trailing}`);
  }
  if (r.action === 'scrape' && r.results.length * 12 + 8 !== length) fail('scrape results do not fill the packet');
}

test.prop([untrustedBytes(udp, BINARY_TOKENS, 120), fc.constantFrom(4 as const, 6 as const)], { examples: udp.map((b): [Buffer, 4 | 6] => [b, 4]) })(
  'decodeResponse and decodeRequest never throw',
  (packet, family) => {
    udpInputs();
    checkResponse(decodeResponse(packet, family), packet.length);
    decodeRequest(packet); // the fake trackers' side: must not throw either
  },
);

const udpRoundTrips = tally('UDP tracker packets (round trip)');
const v4peer = fc.record({ host: fc.ipV4(), port: fc.integer({ min: 1, max: 65535 }) });
/** IPv6 peers as an IPv6 tracker sends them (18 bytes each); IPv4-mapped ones are reported as IPv4, so left out here. */
const v6peer = fc
  .record({ host: fc.ipV6(), port: fc.integer({ min: 1, max: 65535 }) })
  .filter((p) => !(parseIPv6(p.host)?.subarray(0, 12).equals(Buffer.from('00000000000000000000ffff', 'hex')) ?? true));
const scrape = fc.record({ complete: fc.nat(), downloaded: fc.nat(), incomplete: fc.nat() }).map((s) => ({ complete: s.complete >>> 0, downloaded: s.downloaded >>> 0, incomplete: s.incomplete >>> 0 }));

test.prop(
  [
    fc.oneof(
      fc.tuple(fc.constant('connect' as const), fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      fc.tuple(fc.constant('announce' as const), fc.nat(), fc.uniqueArray(v4peer, { maxLength: 8, selector: (p) => `${p.host}|${p.port}` })),
      fc.tuple(fc.constant('announce6' as const), fc.nat(), fc.uniqueArray(v6peer, { maxLength: 8, selector: (p) => `${parseIPv6(p.host)?.toString('hex') ?? ''}|${p.port}` })),
      fc.tuple(fc.constant('scrape' as const), fc.nat(), fc.array(scrape, { maxLength: 5 })),
      fc.tuple(fc.constant('error' as const), fc.nat(), fc.string({ maxLength: 40 })),
    ),
  ],
  { numRuns: SECONDARY_RUNS },
)('what the fake trackers encode, the client decodes', ([kind, tid, body]) => {
  udpRoundTrips();
  const t = tid >>> 0;
  let r: UdpResponse;
  switch (kind) {
    case 'connect':
      r = decodeResponse(encodeConnectResponse(t, body));
      if (r.action !== 'connect' || r.connectionId !== body) fail('connect differs');
      break;
    case 'announce':
      r = decodeResponse(encodeAnnounceResponse(t, { interval: 1800, leechers: 1, seeders: 2, peers: body }));
      if (r.action !== 'announce' || r.peers.length !== body.length) fail('announce differs');
      break;
    case 'announce6':
      r = decodeResponse(encodeAnnounceResponse(t, { interval: 1800, leechers: 1, seeders: 2, peers: body }, 6), 6);
      if (r.action !== 'announce' || !encodeCompactPeers6(r.peers).equals(encodeCompactPeers6(body)) || r.peers.length !== body.length) fail('IPv6 announce differs');
      break;
    case 'scrape':
      r = decodeResponse(encodeScrapeResponse(t, body));
      if (r.action !== 'scrape' || JSON.stringify(r.results) !== JSON.stringify(body)) fail('scrape differs');
      break;
    case 'error':
      r = decodeResponse(encodeErrorResponse(t, body));
      if (r.action !== 'error' || r.message !== body.replace(/[\ud800-\udfff]/g, '\ufffd')) fail('error differs');
      break;
  }
  if (r.transactionId !== t) fail('transaction id differs');
});
