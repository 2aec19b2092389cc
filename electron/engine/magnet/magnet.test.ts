import { describe, expect, it } from 'vitest';
import { MagnetError, formatMagnet, formatSelectOnly, parseMagnet, parsePeerAddress, parseSelectOnly } from './magnet.js';

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
// The same 20 bytes in RFC 4648 base32.
const B32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK';

function reason(uri: string): string {
  try {
    parseMagnet(uri);
  } catch (e) {
    expect(e).toBeInstanceOf(MagnetError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error(`expected ${uri} to be rejected`);
}

describe('parseMagnet', () => {
  it('reads a 40-hex info-hash (any case) and a 32-base32 one to the same bytes', () => {
    const a = parseMagnet(`magnet:?xt=urn:btih:${HEX}`);
    const b = parseMagnet(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`);
    const c = parseMagnet(`magnet:?xt=urn:btih:${B32}`);
    const d = parseMagnet(`magnet:?xt=urn:btih:${B32.toLowerCase()}`);
    for (const m of [a, b, c, d]) {
      expect(m.infoHashHex).toBe(HEX);
      expect(m.infoHash.equals(Buffer.from(HEX, 'hex'))).toBe(true);
    }
    expect(Buffer.from(B32, 'ascii').length).toBe(32);
  });

  it('decodes base32 bit-exactly (all-ones and a known vector)', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${'7'.repeat(32)}`).infoHashHex).toBe('ff'.repeat(20));
    expect(parseMagnet(`magnet:?xt=urn:btih:${'A'.repeat(32)}`).infoHashHex).toBe('00'.repeat(20));
    // "MZXW6YTBOI======" is base32("foobar"); padded to 20 bytes with zero bytes it begins the same.
    expect(parseMagnet(`magnet:?xt=urn:btih:MZXW6YTBOI${'A'.repeat(22)}`).infoHash.subarray(0, 6).toString()).toBe('foobar');
  });

  it('reads dn, repeated tr, ws, x.pe and so with percent-decoding', () => {
    const uri =
      `magnet:?xt=urn:btih:${HEX}&dn=Big+Buck%20Bunny%20%E2%9C%93` +
      '&tr=udp%3A%2F%2Ftracker.example.org%3A6969%2Fannounce' +
      '&tr=http://t2.example.org/announce?passkey=a%26b' +
      '&tr.1=https%3A%2F%2Ft3.example.org%2Fannounce' +
      '&tr=udp%3A%2F%2Ftracker.example.org%3A6969%2Fannounce' + // duplicate
      '&ws=https%3A%2F%2Fseed.example.org%2Ffiles%2F' +
      '&x.pe=10.0.0.1:6881&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A51413&x.pe=Peer.Example.org:7000&x.pe=10.0.0.1:6881' +
      '&so=0,2,4-6&xl=12345&unknown=1';
    const m = parseMagnet(uri);
    expect(m.name).toBe('Big Buck Bunny ✓');
    expect(m.trackers).toEqual([
      'udp://tracker.example.org:6969/announce',
      'http://t2.example.org/announce?passkey=a&b',
      'https://t3.example.org/announce',
    ]);
    expect(m.webSeeds).toEqual(['https://seed.example.org/files/']);
    expect(m.peers).toEqual([
      { host: '10.0.0.1', port: 6881 },
      { host: '2001:db8::1', port: 51413 },
      { host: 'peer.example.org', port: 7000 },
    ]);
    expect(m.selectOnly).toEqual([0, 2, 4, 5, 6]);
  });

  it("keeps a raw '#' in the value it is in, as libtorrent does (no fragment)", () => {
    const tracker = 'udp://t.example:1337/announce';
    const csharp = parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=C#+Programming&tr=${tracker}`);
    expect(csharp).toMatchObject({ infoHashHex: HEX, name: 'C# Programming', trackers: [tracker] });
    const nameFirst = parseMagnet(`magnet:?dn=Issue+#5&xt=urn:btih:${HEX}&tr=${tracker}`);
    expect(nameFirst).toMatchObject({ infoHashHex: HEX, name: 'Issue #5', trackers: [tracker] });
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&tr=http://a.example/x#frag&dn=n`)).toMatchObject({ name: 'n', trackers: ['http://a.example/x#frag'] });
    // libtorrent: "invalid info-hash" — the '#…' belongs to the hash.
    expect(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}#fragment`)).toThrow(MagnetError);
  });

  it('defaults: no name, no trackers, no so', () => {
    const m = parseMagnet(`MAGNET:?xt=urn:btih:${HEX}`);
    expect(m).toMatchObject({ name: null, trackers: [], peers: [], webSeeds: [], selectOnly: null });
  });

  it('uses btih from a hybrid (btih + btmh) magnet, and keeps the SHA-256 beside it', () => {
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&xt=urn:btmh:1220${'ab'.repeat(32)}`);
    expect(m.infoHashHex).toBe(HEX);
    expect(m.infoHashV2?.toString('hex')).toBe('ab'.repeat(32));
  });

  it('a v2-only magnet (btmh alone) is reached by the first 20 bytes of its SHA-256 (BEP 52)', () => {
    const v2 = `${'12'.repeat(20)}${'cd'.repeat(12)}`;
    const m = parseMagnet(`magnet:?xt=urn:btmh:1220${v2.toUpperCase()}&x.pe=127.0.0.1:6881`);
    expect(m.infoHashV2?.toString('hex')).toBe(v2);
    expect(m.infoHashHex).toBe('12'.repeat(20));
    expect(m.peers).toHaveLength(1);
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}`).infoHashV2).toBeNull();
  });

  it('rejects malformed magnets with a one-line reason', () => {
    expect(reason('http://example.org/?xt=urn:btih:' + HEX)).toMatch(/magnet:/);
    expect(reason('magnet:')).toMatch(/no parameters/);
    expect(reason('magnet:?dn=foo')).toMatch(/missing xt=urn:btih/);
    expect(reason(`magnet:?xt=urn:btih:${HEX.slice(1)}`)).toMatch(/40 hex or 32 base32.*got 39/);
    expect(reason(`magnet:?xt=urn:btih:${HEX.slice(0, 39)}g`)).toMatch(/non-hex/);
    expect(reason(`magnet:?xt=urn:btih:${B32.slice(0, 31)}1`)).toMatch(/non-base32/);
    expect(reason(`magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`)).toMatch(/more than one/);
    expect(reason(`magnet:?xt=urn:btmh:1114${'ab'.repeat(20)}`)).toMatch(/SHA-256 multihash/);
    expect(reason(`magnet:?xt=urn:btmh:1220${'ab'.repeat(31)}`)).toMatch(/SHA-256 multihash/);
    expect(reason(`magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}&xt=urn:btmh:1220${'cd'.repeat(32)}`)).toMatch(/more than one different btmh/);
    expect(reason(`magnet:?xt=urn:btih:${HEX}&dn=%zz`)).toMatch(/percent-encoding in dn/);
    expect(reason(`magnet:?xt=urn:btih:${HEX}&tr=${'a'.repeat(300_000)}`)).toMatch(/longer than/);
  });

  it('skips a bad tr, ws, x.pe or so item and keeps the rest of the magnet, saying why (as libtorrent skips it)', () => {
    const ignoredFor = (extra: string): string[] => {
      const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&tr=udp://ok.example:1/announce&${extra}`);
      expect(m.infoHashHex).toBe(HEX);
      expect(m.trackers[0]).toBe('udp://ok.example:1/announce');
      return m.ignored;
    };
    expect(ignoredFor('tr=not%20a%20url')).toEqual([expect.stringMatching(/tr is not a URL/)]);
    expect(ignoredFor('tr=%zz')).toEqual([expect.stringMatching(/percent-encoding in tr/)]);
    expect(ignoredFor('ws=ftp://x/')).toEqual([expect.stringMatching(/ws must be http: or https:/)]);
    expect(ignoredFor('x.pe=10.0.0.1')).toEqual([expect.stringMatching(/host:port/)]);
    expect(ignoredFor('x.pe=10.0.0.256:1')).toEqual([expect.stringMatching(/bad IPv4/)]);
    expect(ignoredFor('x.pe=10.0.0.1:0')).toEqual([expect.stringMatching(/port out of range/)]);
    expect(ignoredFor('x.pe=10.0.0.1:70000')).toEqual([expect.stringMatching(/port out of range/)]);
    expect(ignoredFor('x.pe=::1:80')).toEqual([expect.stringMatching(/brackets/)]);
    expect(ignoredFor('x.pe=[zz::1]:80')).toEqual([expect.stringMatching(/bad IPv6/)]);
    expect(ignoredFor('x.pe=bad_host:80')).toEqual([expect.stringMatching(/bad host name/)]);
    expect(ignoredFor('so=5-2')).toEqual([expect.stringMatching(/backwards/)]);
    expect(ignoredFor('so=0-4294967295')).toEqual([expect.stringMatching(/too large/)]);
    expect(ignoredFor('so=0-2000000')).toEqual([expect.stringMatching(/more than/)]);
    // A bad item of an so list goes; the good ones stay.
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=1,x,3&x.pe=10.0.0.1:7&x.pe=nope`);
    expect(m.selectOnly).toEqual([1, 3]);
    expect(m.peers).toEqual([{ host: '10.0.0.1', port: 7 }]);
    expect(m.ignored).toEqual([expect.stringMatching(/bad so item "x"/), expect.stringMatching(/host:port/)]);
    // Thousands of bad items: a few reasons kept, the magnet still parses.
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}${'&tr=bad'.repeat(5000)}`).ignored.length).toBeLessThanOrEqual(16);
    // Every item of an so bad: no selection, as if absent.
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=x`).selectOnly).toBeNull();
  });

  it('bounds the work of so: repeated ranges and repeated so parameters count (found while writing its fuzz target)', () => {
    // Each range alone is allowed; together they name more than 1,000,000 indices. Before,
    // repeats cost time without growing the set (a 256 KiB magnet of them: hours of CPU) and
    // separate so parameters grew the selection without bound.
    // Past the budget the range is skipped (said in `ignored`), and what came before stays.
    for (const so of ['so=0-400000,0-700000', 'so=0-400000&so=0-700000', 'so=0-400000&so=400001-1100000']) {
      const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&${so}`);
      expect(m.ignored).toEqual([expect.stringMatching(/more than 1000000/)]);
      expect(m.selectOnly).toHaveLength(400001);
    }
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=3,1&so=1-2&so=0`).selectOnly).toEqual([0, 1, 2, 3]);
  });

  it('x.pe / so helpers', () => {
    expect(parsePeerAddress('[::ffff:127.0.0.1]:1')).toEqual({ host: '::ffff:127.0.0.1', port: 1 });
    expect(parseSelectOnly('3,1,1-2')).toEqual([1, 2, 3]);
    expect(formatSelectOnly([6, 0, 2, 4, 5, 2])).toBe('0,2,4-6');
    expect(formatSelectOnly([])).toBe('');
  });
});

describe('formatMagnet', () => {
  it('round-trips through parseMagnet', () => {
    const input = {
      infoHash: Buffer.from(HEX, 'hex'),
      name: 'A & B = C + 100% #1 ✓',
      trackers: ['udp://t.example.org:6969/announce', 'http://t2.example.org/a?x=1&y=2'],
      peers: [
        { host: '127.0.0.1', port: 6881 },
        { host: '2001:db8::1', port: 1 },
      ],
      webSeeds: ['https://ws.example.org/a b/'],
      selectOnly: [0, 2, 4, 5, 6],
    };
    const uri = formatMagnet(input);
    expect(uri.startsWith(`magnet:?xt=urn:btih:${HEX}&dn=`)).toBe(true);
    expect(uri).toContain('so=0,2,4-6');
    const m = parseMagnet(uri);
    expect(m.infoHashHex).toBe(HEX);
    expect(m.name).toBe(input.name);
    expect(m.trackers).toEqual(input.trackers);
    expect(m.peers).toEqual(input.peers);
    expect(m.webSeeds).toEqual(['https://ws.example.org/a b/']);
    expect(m.selectOnly).toEqual(input.selectOnly);
  });

  it('accepts a hex string and rejects a bad hash', () => {
    expect(formatMagnet({ infoHash: HEX.toUpperCase() })).toBe(`magnet:?xt=urn:btih:${HEX}`);
    expect(() => formatMagnet({ infoHash: 'abc' })).toThrow(MagnetError);
  });
});
