import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSeedError } from './errors.js';
import { checkHeaders, fetchRange, type FetchLimits } from './http-fetch.js';

const BODY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff));

/** One path per behaviour under test; ranges honoured where the path says so. */
/** The query strings of the requests that carried one, as the server saw them. */
const queriesSeen: string[] = [];
/** '/pause' holds its body until the test calls this. */
let sendPausedBody: (() => void) | null = null;
/** 64 MiB of zeros in ~64 KiB. */
const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024));
/** Bytes '/endless' wrote before the client went away. */
let endlessWritten = 0;

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const [path, query] = (req.url ?? '').split('?');
  if (query !== undefined) queriesSeen.push(query);
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const slice = range ? BODY.subarray(Number(range[1]), Number(range[2]) + 1) : BODY;
  const partial = (body: Buffer, first = Number(range?.[1] ?? 0)): void => {
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${first}-${first + body.length - 1}/${BODY.length}` });
    res.end(body);
  };
  switch (path) {
    case '/good':
      return partial(slice);
    case '/ignores-range':
      res.writeHead(200, { 'content-length': BODY.length });
      return void res.end(BODY);
    case '/short':
      // Declares the right length, then closes early.
      res.writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      res.write(slice.subarray(0, slice.length >> 1));
      return void setTimeout(() => res.destroy(), 20);
    case '/long':
      // No length declared (chunked) and more bytes than asked.
      res.writeHead(206, { 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      return void res.end(Buffer.concat([slice, Buffer.alloc(100)]));
    case '/wrong-range':
      return partial(slice, Number(range?.[1] ?? 0) + 1);
    case '/busy':
      res.writeHead(503, { 'retry-after': '42' });
      return void res.end();
    case '/missing':
      res.writeHead(404);
      return void res.end('not here');
    case '/loop-a':
      res.writeHead(302, { location: '/loop-b' });
      return void res.end();
    case '/loop-b':
      res.writeHead(302, { location: '/loop-a' });
      return void res.end();
    case '/to-ftp':
      res.writeHead(301, { location: 'ftp://127.0.0.1/x' });
      return void res.end();
    case '/hop':
      res.writeHead(307, { location: '/good' });
      return void res.end();
    case '/hop-with-query':
      // SSRF: a redirect carrying a query string to a loopback address (an IP literal)…
      res.writeHead(302, { location: '/good?action=delete' });
      return void res.end();
    case '/hop-to-localhost-with-query':
      // …and to a name that resolves to loopback.
      res.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/good?action=delete` });
      return void res.end();
    case '/drip': {
      res.writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      let at = 0;
      const t = setInterval(() => (at < slice.length && !res.destroyed ? res.write(slice.subarray(at, ++at)) : clearInterval(t)), 50);
      res.on('close', () => clearInterval(t));
      return;
    }
    case '/trickle': {
      // 20 bytes every 20 ms: alive, above the drip limit, and slower than the slow limit.
      res.writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      let at = 0;
      const t = setInterval(() => {
        if (at >= slice.length || res.destroyed) return clearInterval(t);
        res.write(slice.subarray(at, (at += 20)));
      }, 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    case '/pause': {
      // Headers at once, the body only when the test says (after the client reported silence).
      res.writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      res.flushHeaders();
      sendPausedBody = () => res.end(slice);
      return;
    }
    case '/huge-header':
      // 1 MiB of headers: the parser's 16 KiB limit ends it, nothing is buffered beyond.
      res.writeHead(206, { 'x-filler': 'a'.repeat(1024 * 1024) });
      return void res.end(slice);
    case '/gzip-bomb':
      // Never decompressed: we ask for identity and refuse other encodings.
      res.writeHead(206, { 'content-encoding': 'gzip', 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      return void res.end(GZIP_BOMB);
    case '/endless': {
      // Chunked, and it never ends.
      res.writeHead(206, { 'content-range': `bytes ${range?.[1]}-${range?.[2]}/${BODY.length}` });
      const more = (): void => {
        while (!res.destroyed && res.write(Buffer.alloc(16 * 1024))) endlessWritten += 16 * 1024;
        if (!res.destroyed) res.once('drain', more);
      };
      return more();
    }
    case '/bep17':
      res.writeHead(200, { 'content-length': 100 });
      return void res.end(BODY.subarray(0, 100));
    case '/bep17-busy':
      res.writeHead(503);
      return void res.end('30');
    default:
      res.writeHead(500);
      res.end();
  }
}

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const LIMITS: FetchLimits = { totalTimeoutMs: 60_000, windowMs: 300, minBytesPerWindow: 1000, maxRedirects: 3, silenceMs: 60_000, slowBytes: 1 };

interface FetchExtra {
  rangeInUrl?: boolean;
  resourceLength?: number | null;
  limits?: FetchLimits;
  url?: string;
  onSilence?: (silent: boolean) => void;
}

async function fetchBytes(path: string, start: number, length: number, extra: FetchExtra = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  try {
    await fetchRange(
      { url: extra.url ?? base + path, start, length, rangeInUrl: extra.rangeInUrl ?? false, resourceLength: extra.resourceLength === undefined ? BODY.length : extra.resourceLength },
      (c) => chunks.push(Buffer.from(c)),
      { agents, limits: extra.limits ?? LIMITS, signal: new AbortController().signal, userAgent: 'test', ...(extra.onSilence ? { onSilence: extra.onSilence } : {}) },
    );
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<WebSeedError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebSeedError);
  return err as WebSeedError;
}

describe('fetchRange', () => {
  it('streams exactly the range asked for', async () => {
    expect((await fetchBytes('/good', 100, 1000)).equals(BODY.subarray(100, 1100))).toBe(true);
  });

  it('follows a redirect to the same range', async () => {
    expect((await fetchBytes('/hop', 10, 20)).equals(BODY.subarray(10, 30))).toBe(true);
  });

  it('refuses a redirect to a loopback address with a query string (SSRF), by IP or by name; nothing is sent', async () => {
    const before = queriesSeen.length;
    for (const hop of ['/hop-with-query', '/hop-to-localhost-with-query']) {
      const refused = await failure(fetchBytes(hop, 10, 20));
      expect([refused.kind, refused.message]).toEqual(['redirect', expect.stringMatching(/local address .* with a query string/)]);
    }
    expect(queriesSeen.slice(before)).toEqual([]);
  });

  it('still fetches a first URL with a query string on loopback, and follows a redirect there without one', async () => {
    expect((await fetchBytes('/good?token=abc', 10, 20)).equals(BODY.subarray(10, 30))).toBe(true);
    expect((await fetchBytes('/hop', 10, 20)).equals(BODY.subarray(10, 30))).toBe(true);
  });

  it('accepts a 200 only when the range was the whole file', async () => {
    expect((await fetchBytes('/ignores-range', 0, BODY.length)).equals(BODY)).toBe(true);
    expect((await failure(fetchBytes('/ignores-range', 0, 100))).kind).toBe('wrong-length');
  });

  it('fails a body shorter or longer than asked, or for another range', async () => {
    expect((await failure(fetchBytes('/short', 0, 2000))).kind).toBe('wrong-length');
    expect((await failure(fetchBytes('/long', 0, 2000))).kind).toBe('wrong-length');
    expect((await failure(fetchBytes('/wrong-range', 0, 2000))).kind).toBe('wrong-length');
  });

  it('reports 503 with its Retry-After, and 404', async () => {
    const busy = await failure(fetchBytes('/busy', 0, 10));
    expect([busy.kind, busy.retryAfterMs]).toEqual(['unavailable', 42_000]);
    expect((await failure(fetchBytes('/missing', 0, 10))).kind).toBe('http-status');
  });

  it('stops at a redirect loop and at a redirect to something other than http/https', async () => {
    const loop = await failure(fetchBytes('/loop-a', 0, 10));
    expect(loop.kind).toBe('redirect');
    expect(loop.message).toMatch(/loop/);
    expect((await failure(fetchBytes('/to-ftp', 0, 10))).kind).toBe('redirect');
  });

  it('gives up on a server that drips', async () => {
    expect((await failure(fetchBytes('/drip', 0, 2000))).kind).toBe('drip');
  });

  it('reports a server gone silent, and its bytes when they come after all (the request goes on)', async () => {
    const reports: boolean[] = [];
    const onSilence = (silent: boolean): void => {
      reports.push(silent);
      if (silent) sendPausedBody?.();
    };
    const got = await fetchBytes('/pause', 0, 1000, { limits: { ...LIMITS, windowMs: 60_000, silenceMs: 50 }, onSilence });
    expect(got.equals(BODY.subarray(0, 1000))).toBe(true);
    expect(reports).toEqual([true, false]);
  });

  it('reports a server that trickles slower than the slow limit as silent, and takes its bytes all the same', async () => {
    const reports: boolean[] = [];
    // ~1,000 bytes a second: 250 a window of 250 ms, under the 400 due; the drip limit (200 per 300 ms) is met.
    const limits = { ...LIMITS, minBytesPerWindow: 200, silenceMs: 250, slowBytes: 400 };
    const got = await fetchBytes('/trickle', 0, 1500, { limits, onSilence: (silent) => reports.push(silent) });
    expect(got.equals(BODY.subarray(0, 1500))).toBe(true);
    expect(reports[0]).toBe(true);
    // A fast server is never reported.
    const fast: boolean[] = [];
    await fetchBytes('/good', 0, 1500, { limits, onSilence: (silent) => fast.push(silent) });
    expect(fast).toEqual([]);
  });

  it('a hostile server costs bounded memory: a huge header, a gzip bomb, an endless body', async () => {
    expect((await failure(fetchBytes('/huge-header', 0, 100))).kind).toBe('network');
    expect((await failure(fetchBytes('/gzip-bomb', 0, 100))).kind).toBe('wrong-length');
    const chunks: Buffer[] = [];
    const agents = { http: new http.Agent(), https: new https.Agent() };
    const endless = await failure(
      fetchRange({ url: `${base}/endless`, start: 0, length: 100_000, rangeInUrl: false, resourceLength: BODY.length }, (c) => chunks.push(c), {
        agents,
        limits: LIMITS,
        signal: new AbortController().signal,
        userAgent: 't',
      }),
    );
    agents.http.destroy();
    expect(endless.kind).toBe('wrong-length');
    // Nothing past the range reached the sink, and the connection was closed soon after it.
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(100_000);
    expect(endlessWritten).toBeLessThan(100 * 1024 * 1024);
  });

  it('fails on a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await failure(fetchBytes('', 0, 10, { url: `http://127.0.0.1:${port}/x` }))).kind).toBe('network');
  });

  it('BEP 17: takes a 200 of the right length, and the seconds in a 503 body', async () => {
    expect((await fetchBytes('/bep17', 0, 100, { rangeInUrl: true, resourceLength: null })).equals(BODY.subarray(0, 100))).toBe(true);
    const busy = await failure(fetchBytes('/bep17-busy', 0, 100, { rangeInUrl: true, resourceLength: null }));
    expect([busy.kind, busy.retryAfterMs]).toEqual(['unavailable', 30_000]);
  });

  it('stops when aborted', async () => {
    const stopper = new AbortController();
    stopper.abort();
    const agents = { http: new http.Agent(), https: new https.Agent() };
    const err = await failure(
      fetchRange({ url: `${base}/drip`, start: 0, length: 100, rangeInUrl: false, resourceLength: BODY.length }, () => undefined, { agents, limits: LIMITS, signal: stopper.signal, userAgent: 't' }),
    );
    expect(err.kind).toBe('aborted');
  });
});

describe('checkHeaders', () => {
  const ask = { start: 10, length: 20, rangeInUrl: false, resourceLength: 100 };
  it('accepts a 206 for exactly the asked range', () => {
    expect(checkHeaders(ask, 206, { 'content-length': '20', 'content-range': 'bytes 10-29/100' })).toBeNull();
    expect(checkHeaders(ask, 206, { 'content-range': 'bytes 10-29/*' })).toBeNull();
  });
  it('refuses other lengths, ranges, file sizes and encodings', () => {
    expect(checkHeaders(ask, 206, { 'content-length': '21', 'content-range': 'bytes 10-29/100' })?.kind).toBe('wrong-length');
    expect(checkHeaders(ask, 206, { 'content-range': 'bytes 10-30/100' })?.kind).toBe('wrong-length');
    expect(checkHeaders(ask, 206, { 'content-range': 'bytes 10-29/101' })?.kind).toBe('wrong-length');
    expect(checkHeaders(ask, 206, {})?.kind).toBe('wrong-length');
    expect(checkHeaders(ask, 206, { 'content-range': 'bytes 10-29/100', 'content-encoding': 'gzip' })?.kind).toBe('wrong-length');
    expect(checkHeaders(ask, 500, {})?.kind).toBe('http-status');
  });
});
