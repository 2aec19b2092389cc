/**
 * Fuzz target: magnet URIs (pasted, dropped, handed over by the OS or a web page) →
 * Magnet or MagnetError, never anything else; and what formatMagnet writes, parseMagnet
 * reads back to the same fields.
 */
import { afterAll, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { mutated } from '../../../scripts/fuzz/arbitraries.js';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { formatMagnet, type Magnet, MagnetError, type MagnetInput, parseMagnet } from './magnet.js';

const HEX = '0123456789abcdef0123456789abcdef01234567';
const seeds = [
  `magnet:?xt=urn:btih:${HEX}&dn=A+%26+B&tr=udp%3A%2F%2Ft.example%3A6969&tr=http://t2.example/a?x=1&ws=https://ws.example/f&x.pe=10.0.0.1:6881&x.pe=[::1]:1&so=0,2,4-6`,
  'magnet:?xt=urn:btih:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU&xt.1=urn:btmh:1220abcd&dn=%E2%9C%93&xl=10&kt=a+b',
  'MAGNET:?XT=urn:btih:0123456789ABCDEF0123456789abcdef01234567#fragment',
  `magnet:?xt=urn:btih:${HEX}&so=0-9999&x.pe=host.example:65535&tr.2=wss://t.example`,
].map((s) => Buffer.from(s, 'utf8'));
const TOKENS = ['%', '%2', '%ff', '%C3%A9', '&', '=', '&so=', '0-2147483647', '&x.pe=', '[', ']:', ':0', '&tr=', 'xt=urn:btih:', '+', '#', '\u0000', '\ud800', '\u{1f600}']
  .map((s) => Buffer.from(s, 'utf8'));

const text = fc.oneof(
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map((s) => `magnet:?${s}`) },
  { weight: 5, arbitrary: mutated(seeds, TOKENS).map((b) => b.toString('utf8')) },
);

const seen = tally('magnet (parseMagnet)');
let accepted = 0;
afterAll(() => expect(accepted, 'magnets accepted').toBeGreaterThan(0));

test.prop([text], { examples: seeds.map((s): [string] => [s.toString('utf8')]) })('parseMagnet returns a Magnet or throws MagnetError with a one-line reason', (uri) => {
  seen();
  let m: Magnet;
  try {
    m = parseMagnet(uri);
  } catch (e) {
    if (!(e instanceof MagnetError)) throw e;
    if (/[\r\n]/.test(e.message)) throw new Error(`multi-line reason: ${JSON.stringify(e.message)}`);
    return;
  }
  accepted++;
  if (m.infoHash.length !== 20 || m.infoHashHex !== m.infoHash.toString('hex')) throw new Error('bad info-hash');
  for (const p of m.peers) if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`bad peer ${p.host}:${p.port}`);
  const so = m.selectOnly ?? [];
  for (let i = 1; i < so.length; i++) if ((so[i] as number) <= (so[i - 1] as number)) throw new Error('so not sorted and unique');
});

const host = fc.oneof(fc.ipV4(), fc.ipV6().map((h) => h.toLowerCase()), fc.domain().map((d) => d.toLowerCase()));
const generated: fc.Arbitrary<MagnetInput & { infoHash: Uint8Array }> = fc.record({
  infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  name: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), { nil: null }),
  trackers: fc.uniqueArray(fc.webUrl({ withQueryParameters: true }), { maxLength: 3 }),
  webSeeds: fc.uniqueArray(fc.webUrl(), { maxLength: 2 }),
  peers: fc.uniqueArray(fc.record({ host, port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 3, selector: (p) => `${p.host}|${p.port}` }),
  selectOnly: fc.option(fc.uniqueArray(fc.nat(5000), { minLength: 1, maxLength: 8 }), { nil: null }),
});

const roundTrips = tally('magnet (formatMagnet round trip)');

test.prop([generated], { numRuns: SECONDARY_RUNS })('formatMagnet output parses back to the same fields', (input) => {
  roundTrips();
  const m = parseMagnet(formatMagnet(input));
  expect(m.infoHash.equals(Buffer.from(input.infoHash))).toBe(true);
  expect(m.name).toBe(input.name ?? null);
  expect(m.trackers).toEqual(input.trackers);
  expect(m.webSeeds).toEqual(input.webSeeds);
  expect(m.peers).toEqual(input.peers);
  expect(m.selectOnly).toEqual(input.selectOnly ? [...input.selectOnly].sort((a, b) => a - b) : null);
});
