import { describe, expect, it } from 'vitest';
import { decodeCompactPeers, encodeCompactPeers4, encodeCompactPeers6, formatIPv6, MAX_PEERS_PER_LIST, parseIPv6 } from './compact.js';
import {
  PROTOCOL_ID,
  decodeRequest,
  decodeResponse,
  encodeAnnounceRequest,
  encodeAnnounceResponse,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeErrorResponse,
  encodeScrapeRequest,
  encodeScrapeResponse,
} from './udp-codec.js';
import type { AnnounceParams } from './types.js';

const params: AnnounceParams = {
  infoHash: Buffer.alloc(20, 0xab),
  peerId: Buffer.from('-TS0001-abcdefghijkl'),
  port: 51413,
  uploaded: 2 ** 40 + 5,
  downloaded: 123,
  left: 7,
  event: 'started',
  numwant: 50,
  key: 0xdeadbeef,
};

describe('compact peers', () => {
  it('decodes IPv4 (6 bytes) and IPv6 (18 bytes) entries, ignoring port 0, duplicates and a partial tail', () => {
    const v4 = Buffer.from([127, 0, 0, 1, 0x1a, 0xe1, 10, 1, 2, 3, 0, 0, 127, 0, 0, 1, 0x1a, 0xe1, 1, 2, 3]);
    expect(decodeCompactPeers(v4, 4)).toEqual({ peers: [{ host: '127.0.0.1', port: 6881 }], trailing: 3, skipped: 0 });
    const v6 = encodeCompactPeers6([
      { host: '2001:db8::1', port: 1 },
      { host: '::ffff:10.0.0.1', port: 2 },
      { host: '::', port: 3 },
    ]);
    expect(v6.length).toBe(54);
    expect(decodeCompactPeers(v6, 6).peers).toEqual([
      { host: '2001:db8::1', port: 1 },
      { host: '10.0.0.1', port: 2 },
      { host: '::', port: 3 },
    ]);
  });

  it('reads at most MAX_PEERS_PER_LIST peers of a list and counts the entries left unread (a 1 MiB list holds 174,000)', () => {
    const many = Array.from({ length: 2 * MAX_PEERS_PER_LIST }, (_, i) => ({ host: `10.0.${i >> 8}.${i & 255}`, port: 6881 }));
    const withDuplicate = encodeCompactPeers4([many[0]!, ...many]);
    const r = decodeCompactPeers(withDuplicate, 4);
    expect(r.peers).toEqual(many.slice(0, MAX_PEERS_PER_LIST));
    expect(r.skipped).toBe(MAX_PEERS_PER_LIST);
    expect(decodeCompactPeers(withDuplicate, 4, 3)).toMatchObject({ peers: many.slice(0, 3), skipped: 2 * MAX_PEERS_PER_LIST + 1 - 4 });
    const reply = decodeResponse(encodeAnnounceResponse(9, { interval: 60, leechers: 0, seeders: 0, peers: many }));
    expect(reply).toMatchObject({ action: 'announce', peers: many.slice(0, MAX_PEERS_PER_LIST), skipped: MAX_PEERS_PER_LIST });
  });

  it('formats IPv6 the RFC 5952 way', () => {
    const f = (s: string): string => formatIPv6(parseIPv6(s) ?? Buffer.alloc(16, 0xff));
    expect(f('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(f('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // a single 0 group is not compressed
    expect(f('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3'); // the longest run wins
    expect(f('::1')).toBe('::1');
    expect(f('fe80::')).toBe('fe80::');
    expect(f('::')).toBe('::');
    expect(f('::ffff:1.2.3.4')).toBe('::ffff:1.2.3.4');
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('12345::')).toBeNull();
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeNull();
  });

  it('encodes what it decodes', () => {
    const peers = [
      { host: '1.2.3.4', port: 65535 },
      { host: '255.255.255.255', port: 1 },
    ];
    expect(decodeCompactPeers(encodeCompactPeers4(peers), 4).peers).toEqual(peers);
  });
});

describe('UDP tracker codec (BEP 15)', () => {
  it('connect request: protocol id, action 0, transaction id', () => {
    const b = encodeConnectRequest(0x01020304);
    expect(b.toString('hex')).toBe('0000041727101980' + '00000000' + '01020304');
    expect(decodeRequest(b)).toEqual({ action: 'connect', transactionId: 0x01020304 });
  });

  it('announce request: 98 bytes, fields at BEP 15 offsets', () => {
    const b = encodeAnnounceRequest(0x1122334455667788n, 42, params);
    expect(b.length).toBe(98);
    expect(b.readBigUInt64BE(0)).toBe(0x1122334455667788n);
    expect(b.readUInt32BE(8)).toBe(1);
    expect(b.readUInt32BE(12)).toBe(42);
    expect(b.subarray(16, 36).equals(Buffer.from(params.infoHash))).toBe(true);
    expect(b.subarray(36, 56).toString()).toBe('-TS0001-abcdefghijkl');
    expect(b.readBigUInt64BE(56)).toBe(123n); // downloaded
    expect(b.readBigUInt64BE(64)).toBe(7n); // left
    expect(b.readBigUInt64BE(72)).toBe(2n ** 40n + 5n); // uploaded
    expect(b.readUInt32BE(80)).toBe(2); // started
    expect(b.readUInt32BE(84)).toBe(0); // ip
    expect(b.readUInt32BE(88)).toBe(0xdeadbeef);
    expect(b.readInt32BE(92)).toBe(50);
    expect(b.readUInt16BE(96)).toBe(51413);
    const events = (['none', 'completed', 'started', 'stopped'] as const).map((event) =>
      encodeAnnounceRequest(1n, 1, { ...params, event }).readUInt32BE(80),
    );
    expect(events).toEqual([0, 1, 2, 3]);
    expect(encodeAnnounceRequest(1n, 1, { ...params, numwant: -1 }).readInt32BE(92)).toBe(-1);
    const r = decodeRequest(b);
    expect(r).toMatchObject({ action: 'announce', connectionId: 0x1122334455667788n, transactionId: 42, event: 'started', port: 51413, urlData: '' });
  });

  it('announce request carries BEP 41 URL data for a path with a query', () => {
    const path = `/announce?passkey=${'x'.repeat(300)}`;
    const b = encodeAnnounceRequest(1n, 1, params, path);
    expect(b[98]).toBe(2);
    expect(b[99]).toBe(255);
    expect(b[b.length - 1]).toBe(0);
    const r = decodeRequest(b);
    expect(r.action === 'announce' && r.urlData).toBe(path);
    expect(encodeAnnounceRequest(1n, 1, params, '/').length).toBe(98);
  });

  it('scrape request / response', () => {
    const hashes = [Buffer.alloc(20, 1), Buffer.alloc(20, 2)];
    const req = encodeScrapeRequest(9n, 7, hashes);
    expect(req.length).toBe(56);
    expect(decodeRequest(req)).toMatchObject({ action: 'scrape', connectionId: 9n, transactionId: 7, infoHashes: hashes });
    expect(() => encodeScrapeRequest(9n, 7, [])).toThrow(RangeError);
    const res = encodeScrapeResponse(7, [{ complete: 1, downloaded: 2, incomplete: 3 }]);
    expect(decodeResponse(res)).toEqual({ action: 'scrape', transactionId: 7, results: [{ complete: 1, downloaded: 2, incomplete: 3 }] });
    expect(decodeResponse(res.subarray(0, 15))).toMatchObject({ action: 'invalid', transactionId: 7 });
  });

  it('decodes connect, announce (v4 and v6 peers), error', () => {
    expect(decodeResponse(encodeConnectResponse(5, 0xfeedn))).toEqual({ action: 'connect', transactionId: 5, connectionId: 0xfeedn });
    const peers = [{ host: '127.0.0.1', port: 6881 }];
    expect(decodeResponse(encodeAnnounceResponse(6, { interval: 1800, leechers: 2, seeders: 3, peers }))).toEqual({
      action: 'announce',
      transactionId: 6,
      interval: 1800,
      leechers: 2,
      seeders: 3,
      peers,
      trailing: 0,
      skipped: 0,
    });
    const peers6 = [{ host: '2001:db8::5', port: 6882 }];
    const r6 = decodeResponse(encodeAnnounceResponse(6, { interval: 60, leechers: 0, seeders: 1, peers: peers6 }, 6), 6);
    expect(r6).toMatchObject({ action: 'announce', peers: peers6, trailing: 0 });
    expect(decodeResponse(encodeErrorResponse(8, 'torrent not registered'))).toEqual({ action: 'error', transactionId: 8, message: 'torrent not registered' });
  });

  it('reports truncated and unknown packets as invalid without throwing', () => {
    expect(decodeResponse(Buffer.alloc(0))).toMatchObject({ action: 'invalid', transactionId: null });
    expect(decodeResponse(Buffer.from([0, 0, 0, 1, 0, 0]))).toMatchObject({ action: 'invalid', transactionId: null });
    expect(decodeResponse(encodeConnectResponse(5, 1n).subarray(0, 12))).toMatchObject({ action: 'invalid', transactionId: 5, reason: expect.stringMatching(/truncated connect/) });
    const ann = encodeAnnounceResponse(6, { interval: 1, leechers: 0, seeders: 0, peers: [] });
    expect(decodeResponse(ann.subarray(0, 19))).toMatchObject({ action: 'invalid', transactionId: 6, reason: expect.stringMatching(/truncated announce/) });
    const odd = Buffer.concat([ann, Buffer.from([127, 0, 0, 1, 0x1a])]);
    expect(decodeResponse(odd)).toMatchObject({ action: 'announce', peers: [], trailing: 5 });
    const unknown = Buffer.alloc(8);
    unknown.writeUInt32BE(9, 0);
    expect(decodeResponse(unknown)).toMatchObject({ action: 'invalid', reason: 'unknown action 9' });
    expect(decodeRequest(Buffer.alloc(3))).toEqual({ action: 'invalid', reason: 'too short' });
    expect(PROTOCOL_ID).toBe(0x41727101980n);
  });
});
