import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { encodeCompactPeers4, encodeCompactPeers6, MAX_PEERS_PER_LIST } from './compact.js';
import { buildAnnounceUrl, buildScrapeUrl, httpAnnounce, MAX_TRACKER_ID_BYTES, httpScrape, parseAnnounceResponse, parseScrapeResponse, scrapeUrlFor, urlEncodeBytes } from './http.js';
import { TrackerError, type AnnounceParams } from './types.js';

const params: AnnounceParams = {
  infoHash: Buffer.from('00ff7e2d2e5f41617a20253f26232b0102030405', 'hex'),
  peerId: Buffer.from('-TS0001-\u00001234567890a', 'latin1'),
  port: 6881,
  uploaded: 10,
  downloaded: 20,
  left: 30,
  event: 'started',
  numwant: 50,
  key: 0xabc,
};

function failure(fn: () => unknown): TrackerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TrackerError);
    expect((e as Error).message).not.toContain('\n');
    return e as TrackerError;
  }
  throw new Error('expected a TrackerError');
}

describe('announce URL', () => {
  it('percent-encodes info_hash and peer_id byte-wise, keeps unreserved bytes', () => {
    expect(urlEncodeBytes(Buffer.from([0x00, 0xff, 0x7e, 0x2d, 0x2e, 0x5f, 0x41, 0x61, 0x7a, 0x20, 0x25, 0x3f, 0x26, 0x23, 0x2b]))).toBe(
      '%00%FF~-._Aaz%20%25%3F%26%23%2B',
    );
    const url = buildAnnounceUrl('http://t.example/announce', params);
    const q = url.split('?')[1] ?? '';
    expect(q.split('&')).toEqual([
      'info_hash=%00%FF~-._Aaz%20%25%3F%26%23%2B%01%02%03%04%05',
      'peer_id=-TS0001-%001234567890a',
      'port=6881',
      'uploaded=10',
      'downloaded=20',
      'left=30',
      'compact=1',
      'no_peer_id=1',
      'key=00000ABC',
      'event=started',
      'numwant=50',
    ]);
  });

  it('keeps an existing query (passkey), drops a fragment, adds trackerid, omits event=none', () => {
    const url = buildAnnounceUrl('https://t.example/a?passkey=xyz#frag', { ...params, event: 'none', trackerId: 'id 1' });
    expect(url.startsWith('https://t.example/a?passkey=xyz&info_hash=')).toBe(true);
    expect(url).not.toContain('event=');
    expect(url).not.toContain('#');
    expect(url.endsWith('&trackerid=id%201')).toBe(true);
  });

  it('derives scrape URLs (BEP 48 convention)', () => {
    expect(scrapeUrlFor('http://t.example/announce')).toBe('http://t.example/scrape');
    expect(scrapeUrlFor('http://t.example/x/announce.php?k=1')).toBe('http://t.example/x/scrape.php?k=1');
    expect(scrapeUrlFor('http://t.example/a')).toBeNull();
    expect(scrapeUrlFor('http://t.example/announce/x')).toBeNull();
    expect(buildScrapeUrl('http://t/scrape', [Buffer.alloc(20, 0x41), Buffer.alloc(20, 0)])).toBe(
      `http://t/scrape?info_hash=${'A'.repeat(20)}&info_hash=${'%00'.repeat(20)}`,
    );
  });
});

describe('parseAnnounceResponse', () => {
  it('compact IPv4 peers (BEP 23) with interval, min interval, counts, tracker id', () => {
    const body = encode({
      interval: 1800,
      'min interval': 900,
      complete: 5,
      incomplete: 7,
      'tracker id': 'abc',
      peers: encodeCompactPeers4([
        { host: '10.0.0.1', port: 6881 },
        { host: '127.0.0.1', port: 51413 },
      ]),
    });
    expect(parseAnnounceResponse(body)).toEqual({
      interval: 1800,
      minInterval: 900,
      complete: 5,
      incomplete: 7,
      trackerId: 'abc',
      warning: null,
      peers: [
        { host: '10.0.0.1', port: 6881 },
        { host: '127.0.0.1', port: 51413 },
      ],
    });
  });

  it('ignores a tracker id too long to send back in every announce URL (1 MiB from a hostile tracker)', () => {
    const body = encode({ interval: 1800, peers: Buffer.alloc(0), 'tracker id': Buffer.alloc(1024 * 1024 - 100, 0x41) });
    const result = parseAnnounceResponse(body);
    expect(result.trackerId).toBeNull();
    expect(result.warning).toMatch(/ignored a tracker id of 1048476 bytes/);
    expect(parseAnnounceResponse(encode({ interval: 1800, 'tracker id': 'x'.repeat(MAX_TRACKER_ID_BYTES) })).trackerId).toHaveLength(MAX_TRACKER_ID_BYTES);
  });

  it('dictionary peers (BEP 3), including IPv6 and host names; bad entries noted, not fatal', () => {
    const body = encode({
      interval: 60,
      peers: [
        { ip: '10.0.0.2', port: 1, 'peer id': Buffer.alloc(20) },
        { ip: '2001:DB8::7', port: 2 },
        { ip: 'peer.example.org', port: 3 },
        { ip: '10.0.0.3', port: 0 },
        { ip: '10.0.0.4', port: 70000 },
        { ip: 'bad host!', port: 4 },
        { port: 5 },
        'not a dict',
      ],
    });
    const r = parseAnnounceResponse(body);
    expect(r.peers).toEqual([
      { host: '10.0.0.2', port: 1 },
      { host: '2001:db8::7', port: 2 },
      { host: 'peer.example.org', port: 3 },
    ]);
    expect(r.warning).toBe('ignored 5 malformed peer entries');
    expect(r.minInterval).toBeNull();
    expect(r.complete).toBeNull();
  });

  it('reads at most MAX_PEERS_PER_LIST peers from peers, peers6 and a dictionary list, and says how many it left', () => {
    const v4 = Array.from({ length: MAX_PEERS_PER_LIST + 7 }, (_, i) => ({ host: `10.1.${i >> 8}.${i & 255}`, port: 1 }));
    const v6 = Array.from({ length: MAX_PEERS_PER_LIST + 2 }, (_, i) => ({ host: `2001:db8::${(i + 1).toString(16)}`, port: 2 }));
    const compact = parseAnnounceResponse(encode({ interval: 60, peers: encodeCompactPeers4(v4), peers6: encodeCompactPeers6(v6) }));
    expect(compact.peers).toEqual([...v4.slice(0, MAX_PEERS_PER_LIST), ...v6.slice(0, MAX_PEERS_PER_LIST)]);
    expect(compact.warning).toBe(`ignored 7 more entries in peers (at most ${MAX_PEERS_PER_LIST} are read); ignored 2 more entries in peers6 (at most ${MAX_PEERS_PER_LIST} are read)`);
    const dicts = parseAnnounceResponse(encode({ interval: 60, peers: v4.map((p) => ({ ip: p.host, port: p.port })) }));
    expect(dicts.peers).toEqual(v4.slice(0, MAX_PEERS_PER_LIST));
    expect(dicts.warning).toBe(`ignored 7 more entries in peers (at most ${MAX_PEERS_PER_LIST} are read)`);
  });

  it('peers6 (BEP 7) next to peers; trailing partial entries noted', () => {
    const body = encode({
      interval: 120,
      peers: Buffer.concat([encodeCompactPeers4([{ host: '1.2.3.4', port: 5 }]), Buffer.from([9, 9])]),
      peers6: encodeCompactPeers6([
        { host: '2001:db8::1', port: 6881 },
        { host: '::1', port: 6882 },
      ]),
    });
    const r = parseAnnounceResponse(body);
    expect(r.peers).toEqual([
      { host: '1.2.3.4', port: 5 },
      { host: '2001:db8::1', port: 6881 },
      { host: '::1', port: 6882 },
    ]);
    expect(r.warning).toBe('ignored 2 trailing bytes in peers');
  });

  it('failure reason → TrackerError(failure); warning message kept', () => {
    const e = failure(() => parseAnnounceResponse(encode({ 'failure reason': 'unregistered torrent\nsecond line' })));
    expect(e.kind).toBe('failure');
    expect(e.message).toBe('tracker: unregistered torrent second line');
    const r = parseAnnounceResponse(encode({ interval: 10, peers: Buffer.alloc(0), 'warning message': 'slow down' }));
    expect(r.warning).toBe('slow down');
    expect(r.peers).toEqual([]);
  });

  it('defaults interval to 1800 when absent; ignores bytes after the dictionary', () => {
    const r = parseAnnounceResponse(Buffer.concat([encode({ peers: Buffer.alloc(0) }), Buffer.from('\n')]));
    expect(r.interval).toBe(1800);
  });

  it('garbage → TrackerError(protocol) with a one-line reason', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [Buffer.alloc(0), /empty announce reply/],
      [Buffer.from('<html>\n<body>502 Bad Gateway</body></html>'), /not bencode.*<html> <body>502/],
      [Buffer.from('d8:intervali60e'), /not bencode/],
      [encode([1, 2]), /not a dictionary/],
      [encode({ interval: 'soon' }), /"interval" is not an integer/],
      [encode({ interval: -5 }), /"interval" is negative/],
      [encode({ interval: 60, 'min interval': Buffer.from('x') }), /"min interval" is not an integer/],
      [encode({ interval: 60, peers: 5 }), /"peers" is neither/],
      [encode({ interval: 60, peers6: { a: 1 } }), /"peers6" is neither/],
      [encode({ interval: 60, complete: [] }), /"complete" is not an integer/],
      [encode({ interval: 60, 'tracker id': 3 }), /"tracker id" is not a string/],
      [Buffer.from(`${'l'.repeat(100)}${'e'.repeat(100)}`), /not bencode.*nesting/],
    ];
    for (const [body, re] of cases) {
      const e = failure(() => parseAnnounceResponse(body));
      expect(e.kind).toBe('protocol');
      expect(e.message).toMatch(re);
    }
  });
});

describe('parseScrapeResponse', () => {
  it('reads files keyed by raw info-hash', () => {
    const h = Buffer.alloc(20, 0xee);
    const files = new Map<string, { complete: number; downloaded: number; incomplete: number }>([[h.toString('latin1'), { complete: 1, downloaded: 2, incomplete: 3 }]]);
    const r = parseScrapeResponse(encode({ files }));
    expect(r.get('ee'.repeat(20))).toEqual({ complete: 1, downloaded: 2, incomplete: 3 });
    expect(failure(() => parseScrapeResponse(encode({ nope: 1 }))).message).toMatch(/"files"/);
  });
});

// ---- against an in-process HTTP tracker on 127.0.0.1 ----

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base = '';
const routes = new Map<string, Handler>();
let lastQuery = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const [path, query] = (req.url ?? '').split('?');
    lastQuery = query ?? '';
    const h = routes.get(path ?? '');
    if (h) h(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = (body: Uint8Array, status = 200): Handler => (_req, res) => {
    res.statusCode = status;
    res.end(body);
  };
  routes.set('/announce', send(encode({ interval: 900, complete: 1, incomplete: 0, peers: encodeCompactPeers4([{ host: '127.0.0.1', port: 7000 }]) })));
  routes.set('/scrape', send(encode({ files: new Map([[Buffer.alloc(20, 1).toString('latin1'), { complete: 4, downloaded: 5, incomplete: 6 }]]) })));
  routes.set('/announce/refuse', send(encode({ 'failure reason': 'passkey invalid' }), 403));
  routes.set('/announce/down', send(Buffer.from('<h1>Service Unavailable</h1>'), 503));
  routes.set('/announce/html', send(Buffer.from('<h1>hello</h1>')));
  routes.set('/announce/redirect', (_req, res) => {
    res.statusCode = 302;
    res.setHeader('Location', '/announce');
    res.end();
  });
  routes.set('/announce/loop', (_req, res) => {
    res.statusCode = 302;
    res.setHeader('Location', '/announce/loop');
    res.end();
  });
  routes.set('/announce/huge', (_req, res) => {
    res.setHeader('Content-Length', String(10 * 1024 * 1024));
    res.write(Buffer.alloc(1024));
  });
  routes.set('/announce/stream', (_req, res) => {
    // No Content-Length: the cap must hit while reading.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let n = 0;
    const pump = (): void => {
      while (n++ < 64 && res.write(chunk));
      if (n < 64) res.once('drain', pump);
      else res.end();
    };
    pump();
  });
  routes.set('/announce/slow', () => {
    /* never answers */
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function rejection(p: Promise<unknown>): Promise<TrackerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TrackerError);
    return e as TrackerError;
  }
  throw new Error('expected rejection');
}

describe('httpAnnounce SSRF mitigation (loopback only)', () => {
  /** A local service a tracker must not be able to reach: it records every request. */
  async function victim(): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end(encode({ interval: 60, peers: Buffer.alloc(0) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as AddressInfo).port,
      seen,
      close: async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('refuses a tracker redirect to a loopback path that is not /announce; nothing reaches the victim', async () => {
    const v = await victim();
    try {
      routes.set('/announce/to-victim', (_req, res) => {
        res.statusCode = 302;
        res.setHeader('Location', `http://127.0.0.1:${v.port}/api/torrents/delete?all=1`);
        res.end();
      });
      const refused = await rejection(httpAnnounce(`${base}/announce/to-victim`, params));
      expect([refused.kind, refused.message]).toEqual(['unsupported', expect.stringMatching(/\/api\/torrents\/delete on loopback 127\.0\.0\.1 is not a tracker path/)]);
      expect(v.seen).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it('refuses a first URL on loopback that is not /announce, also through a name that resolves to loopback', async () => {
    const v = await victim();
    const lookup = ((_host: string, options: { all?: boolean }, callback: (err: Error | null, address: unknown, family?: number) => void) => {
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as unknown as LookupFunction;
    try {
      expect((await rejection(httpAnnounce(`http://127.0.0.1:${v.port}/api/x`, params))).kind).toBe('unsupported');
      expect((await rejection(httpAnnounce(`http://[::ffff:127.0.0.1]:${v.port}/api/x`, params))).kind).toBe('unsupported');
      expect((await rejection(httpAnnounce(`http://tracker.test:${v.port}/api/x`, params, { lookup }))).kind).toBe('unsupported');
      expect(v.seen).toEqual([]);
      // The same service on an /announce path is a local tracker: allowed (our tests, a LAN tracker).
      expect((await httpAnnounce(`http://tracker.test:${v.port}/announce`, params, { lookup })).interval).toBe(60);
      expect(v.seen.map((u) => u.split('?')[0])).toEqual(['/announce']);
    } finally {
      await v.close();
    }
  });
});

describe('httpAnnounce to an IPv6 tracker', () => {
  it('reaches a tracker on [::1] and one whose name resolves to ::1, and reads its peers6', async () => {
    const peers6 = [{ host: '::1', port: 7001 }, { host: '2001:db8::2', port: 7002 }];
    let from = '';
    const v6 = createServer((req, res) => {
      from = req.socket.remoteAddress ?? '';
      res.end(encode({ interval: 900, peers: Buffer.alloc(0), peers6: encodeCompactPeers6(peers6) }));
    });
    await new Promise<void>((r) => v6.listen(0, '::1', r));
    const port = (v6.address() as AddressInfo).port;
    try {
      expect((await httpAnnounce(`http://[::1]:${port}/announce`, params)).peers).toEqual(peers6);
      expect(from).toBe('::1');
      from = '';
      // Node asks for every address (`all`) when it races the families (autoSelectFamily).
      const lookup = ((host: string, options: { all?: boolean }, callback: (err: Error | null, address: unknown, family?: number) => void) => {
        if (host !== 'tracker6.test') callback(new Error(`unknown host ${host}`), '', 0);
        else if (options.all) callback(null, [{ address: '::1', family: 6 }]);
        else callback(null, '::1', 6);
      }) as unknown as LookupFunction;
      expect((await httpAnnounce(`http://tracker6.test:${port}/announce`, params, { lookup })).peers).toEqual(peers6);
      expect(from).toBe('::1');
    } finally {
      v6.closeAllConnections();
      await new Promise((r) => v6.close(r));
    }
  });
});

describe('httpAnnounce against a local tracker', () => {
  it('announces and parses the reply; the query reaches the tracker byte-exact', async () => {
    const r = await httpAnnounce(`${base}/announce`, params);
    expect(r).toMatchObject({ interval: 900, complete: 1, incomplete: 0, peers: [{ host: '127.0.0.1', port: 7000 }] });
    const infoHash = /(?:^|&)info_hash=([^&]*)/.exec(lastQuery)?.[1] ?? '';
    const decoded = Buffer.from(unescape(infoHash), 'latin1');
    expect(decoded.equals(Buffer.from(params.infoHash))).toBe(true);
  });

  it('follows a redirect, but not forever', async () => {
    expect((await httpAnnounce(`${base}/announce/redirect`, params)).interval).toBe(900);
    expect((await rejection(httpAnnounce(`${base}/announce/loop`, params))).message).toMatch(/too many redirects/);
  });

  it('prefers a failure reason sent with an error status; otherwise reports the status', async () => {
    const refused = await rejection(httpAnnounce(`${base}/announce/refuse`, params));
    expect([refused.kind, refused.message]).toEqual(['failure', 'tracker: passkey invalid']);
    const down = await rejection(httpAnnounce(`${base}/announce/down`, params));
    expect([down.kind, down.message]).toEqual(['network', 'HTTP 503 Service Unavailable']);
    expect((await rejection(httpAnnounce(`${base}/announce/html`, params))).kind).toBe('protocol');
  });

  it('caps the body (declared and streamed) and times out', async () => {
    expect((await rejection(httpAnnounce(`${base}/announce/huge`, params))).message).toMatch(/too large/);
    expect((await rejection(httpAnnounce(`${base}/announce/stream`, params, { maxBodyBytes: 100_000 }))).message).toMatch(/larger than 100000/);
    // /slow never answers: only the 300 ms timeout can end this call.
    const slow = await rejection(httpAnnounce(`${base}/announce/slow`, params, { timeoutMs: 300 }));
    expect(slow.kind).toBe('timeout');
  });

  it('aborts, refuses unknown schemes, reports connection errors', async () => {
    const ac = new AbortController();
    const p = httpAnnounce(`${base}/announce/slow`, params, { signal: ac.signal });
    ac.abort();
    expect((await rejection(p)).kind).toBe('aborted');
    expect((await rejection(httpAnnounce('ftp://x/announce', params))).kind).toBe('unsupported');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await rejection(httpAnnounce(`http://127.0.0.1:${port}/announce`, params));
    expect(refused.kind).toBe('network');
    expect(refused.message).toMatch(/ECONNREFUSED/);
    // Named once (Node's message has the code already).
    expect(refused.message.match(/ECONNREFUSED/g)).toHaveLength(1);
  });

  it('scrapes', async () => {
    const r = await httpScrape(`${base}/announce`, [Buffer.alloc(20, 1)]);
    expect(r.get('01'.repeat(20))).toEqual({ complete: 4, downloaded: 5, incomplete: 6 });
    expect(lastQuery).toBe(`info_hash=${'%01'.repeat(20)}`);
  });
});
