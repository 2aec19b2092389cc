import http from 'node:http';
import https from 'node:https';
import { guardedLookup, literalAddress, SsrfRefusal, webSeedRedirectCheck, type AddressCheck } from '../util/ssrf.js';
import { parseRetryAfter } from './backoff.js';
import { WebSeedError } from './errors.js';

/** Bounds on one request: a stranger's server must not hold us, or our memory, for long. */
export interface FetchLimits {
  /** The whole request, redirects included. */
  totalTimeoutMs: number;
  /** Every window this long must bring at least `minBytesPerWindow` (headers count as progress). */
  windowMs: number;
  minBytesPerWindow: number;
  maxRedirects: number;
  /** No byte at all for this long (headers or body): `onSilence(true)` (the request goes on). */
  silenceMs: number;
  /**
   * A body window of `silenceMs` bringing fewer bytes than this (while more are due) counts as
   * silence too: a server trickling just above the drip limit holds the blocks it was asked for,
   * in endgame both requests the picker allows for each, against every faster source.
   */
  slowBytes: number;
}

export const DEFAULT_LIMITS: FetchLimits = {
  totalTimeoutMs: 120_000,
  windowMs: 15_000,
  // 1 KiB/s averaged over 15 s: slower than that is a server that drips, not a slow link.
  minBytesPerWindow: 15 * 1024,
  maxRedirects: 5,
  silenceMs: 5_000,
  // One block in 5 s (3.2 KiB/s): slower, a server delivers less than anyone else would.
  slowBytes: 16 * 1024,
};

export interface RangeRequest {
  url: string;
  /** BEP 19: bytes [start, start + length) of the file, asked with a Range header. */
  start: number;
  length: number;
  /** BEP 17: the URL names the range; the answer is a 200 with exactly `length` bytes. */
  rangeInUrl: boolean;
  /** The file's size (BEP 19): a 200 is accepted only for a request that covers the whole file. */
  resourceLength: number | null;
}

export interface FetchContext {
  agents: { http: http.Agent; https: https.Agent };
  limits: FetchLimits;
  signal: AbortSignal;
  userAgent: string;
  /** Download rate limits: after `bytes`, how long to pause reading (0 = go on). */
  throttle?: (bytes: number) => number;
  /** The server went silent for `silenceMs` (true), or sent bytes again after that (false). */
  onSilence?: (silent: boolean) => void;
}

/** The body bytes of a 503 from a BEP 17 seed say how many seconds to wait; read at most this many. */
const MAX_ERROR_BODY = 64;

/**
 * Fetches one byte range and hands the body to `sink` chunk by chunk, in order, as it arrives
 * (never buffered here). Resolves once exactly `length` bytes came; rejects with a
 * WebSeedError otherwise. Redirects are followed up to the limit, http/https only, no loops,
 * and not to a loopback or LAN address with a query string (SSRF mitigation, see ssrf.ts).
 */
export async function fetchRange(request: RangeRequest, sink: (chunk: Buffer) => void, ctx: FetchContext): Promise<void> {
  const deadline = Date.now() + ctx.limits.totalTimeoutMs;
  const seen = new Set<string>();
  let url = request.url;
  let guard: AddressCheck | null = null;
  for (let redirects = 0; ; redirects++) {
    seen.add(url);
    const next = await fetchOnce({ ...request, url }, sink, ctx, deadline, guard);
    if (next === null) return;
    if (redirects >= ctx.limits.maxRedirects) throw new WebSeedError('redirect', `more than ${ctx.limits.maxRedirects} redirects from ${request.url}`);
    let target: URL;
    try {
      target = new URL(next, url);
    } catch {
      throw new WebSeedError('redirect', `redirect to an invalid URL: ${next.slice(0, 200)}`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new WebSeedError('redirect', `redirect to ${target.protocol} (only http and https)`);
    target.hash = '';
    if (seen.has(target.href)) throw new WebSeedError('redirect', `redirect loop at ${target.href}`);
    url = target.href;
    guard = target.search === '' ? null : webSeedRedirectCheck(target);
  }
}

/**
 * How to connect: through the shared agents, or, when the target's address must pass `guard`,
 * on a fresh connection whose name lookup is checked (a pooled socket would skip the lookup).
 */
function connectOptions(secure: boolean, ctx: FetchContext, guard: AddressCheck | null): http.RequestOptions {
  if (!guard) return { agent: secure ? ctx.agents.https : ctx.agents.http };
  return { agent: false, lookup: guardedLookup(guard) };
}

/** One HTTP exchange: resolves null when the body was delivered, or the Location of a redirect. */
function fetchOnce(request: RangeRequest, sink: (chunk: Buffer) => void, ctx: FetchContext, deadline: number, guard: AddressCheck | null): Promise<string | null> {
  return new Promise<string | null>((resolve, reject) => {
    const { limits } = ctx;
    const url = new URL(request.url);
    const literal = literalAddress(url);
    const refusal = guard && literal !== null ? guard(literal) : null;
    if (refusal) return reject(new WebSeedError('redirect', refusal.message));
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { 'user-agent': ctx.userAgent, 'accept-encoding': 'identity' };
    if (!request.rangeInUrl) headers.range = `bytes=${request.start}-${request.start + request.length - 1}`;
    let settled = false;
    let progress = 0;
    let received = 0;
    let throttledUntil = 0;
    let silent = false;
    let pausedByUs = false;
    const silenceTimer = setTimeout(() => {
      // Held back by our own rate limit: not the server's silence (the timer restarts on resume).
      if (pausedByUs) return;
      silent = true;
      ctx.onSilence?.(true);
    }, limits.silenceMs);
    const heard = (): void => {
      if (silent) {
        silent = false;
        ctx.onSilence?.(false);
      }
      silenceTimer.refresh();
    };
    // Body bytes of the current slow-check window (see FetchLimits.slowBytes).
    let windowBody = 0;
    let slowTimer: NodeJS.Timeout | null = null;
    const checkSlow = (): void => {
      const due = request.length - received;
      // Windows in which we held the response back ourselves (rate limits) do not count.
      const heldBack = pausedByUs || Date.now() < throttledUntil + limits.silenceMs;
      const slow = !heldBack && !silent && windowBody < limits.slowBytes && due > limits.slowBytes;
      windowBody = 0;
      if (!slow) return;
      // Reported as silence: the blocks go to others until bytes come again.
      silent = true;
      ctx.onSilence?.(true);
    };
    const finish = (error: WebSeedError | null, location: string | null = null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(silenceTimer);
      if (slowTimer) clearInterval(slowTimer);
      clearInterval(dripTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(location);
    };
    const onAbort = (): void => finish(new WebSeedError('aborted', 'stopped'));
    const totalTimer = setTimeout(() => finish(new WebSeedError('timeout', `no complete answer within ${Math.round(limits.totalTimeoutMs / 1000)} s`)), Math.max(0, deadline - Date.now()));
    const dripTimer = setInterval(() => {
      // Windows in which we held the response back ourselves (rate limits) do not count.
      if (Date.now() < throttledUntil + limits.windowMs) {
        progress = 0;
        return;
      }
      if (progress < limits.minBytesPerWindow) finish(new WebSeedError('drip', `less than ${limits.minBytesPerWindow} bytes in ${limits.windowMs} ms`));
      progress = 0;
    }, limits.windowMs);
    const req = (secure ? https : http).request(url, { method: 'GET', headers, ...connectOptions(secure, ctx, guard) }, (res) => {
      progress += limits.minBytesPerWindow; // the headers arrived: the server is alive
      heard();
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        const location = res.headers.location;
        res.destroy();
        if (!location) return finish(new WebSeedError('http-status', `HTTP ${status} without a Location`));
        return finish(null, location);
      }
      if (status === 503 || status === 429) return readRetryBody(res, request.rangeInUrl, (retry) => finish(new WebSeedError('unavailable', `HTTP ${status}`, retry)));
      const problem = checkHeaders(request, status, res.headers);
      if (problem) {
        res.destroy();
        return finish(new WebSeedError(problem.kind, problem.message));
      }
      slowTimer = setInterval(checkSlow, limits.silenceMs);
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        progress += chunk.length;
        windowBody += chunk.length;
        if (received > request.length) return finish(new WebSeedError('wrong-length', `more than the ${request.length} bytes asked for`));
        heard();
        sink(chunk);
        const wait = ctx.throttle?.(chunk.length) ?? 0;
        if (wait > 0) {
          res.pause();
          pausedByUs = true;
          throttledUntil = Date.now() + wait;
          setTimeout(() => {
            if (settled) return;
            pausedByUs = false;
            silenceTimer.refresh();
            res.resume();
          }, wait).unref();
        }
      });
      res.on('end', () => {
        if (received === request.length) finish(null);
        else finish(new WebSeedError('wrong-length', `${received} bytes instead of ${request.length}`));
      });
      res.on('aborted', () => finish(new WebSeedError('wrong-length', `connection closed after ${received} of ${request.length} bytes`)));
      res.on('error', (err) => finish(new WebSeedError('network', err.message)));
    });
    req.on('error', (err) => finish(new WebSeedError(err instanceof SsrfRefusal ? 'redirect' : 'network', err.message)));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort);
    req.end();
  });
}

/** What a status and its headers say about the body to come: null when it is what we asked for. */
export function checkHeaders(
  request: Pick<RangeRequest, 'start' | 'length' | 'rangeInUrl' | 'resourceLength'>,
  status: number,
  headers: http.IncomingHttpHeaders,
): { kind: 'http-status' | 'wrong-length'; message: string } | null {
  const encoding = headers['content-encoding'];
  if (encoding && encoding !== 'identity') return { kind: 'wrong-length', message: `Content-Encoding ${encoding.slice(0, 40)} (asked for identity)` };
  const declared = headers['content-length'] === undefined ? null : Number(headers['content-length']);
  if (declared !== null && declared !== request.length) return { kind: 'wrong-length', message: `Content-Length ${declared} instead of ${request.length}` };
  if (status === 206 && !request.rangeInUrl) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec((headers['content-range'] ?? '').trim());
    if (!range) return { kind: 'wrong-length', message: `206 without a usable Content-Range (${(headers['content-range'] ?? '').slice(0, 60)})` };
    const first = Number(range[1]);
    const last = Number(range[2]);
    if (first !== request.start || last !== request.start + request.length - 1) {
      return { kind: 'wrong-length', message: `Content-Range ${first}-${last} instead of ${request.start}-${request.start + request.length - 1}` };
    }
    if (range[3] !== '*' && request.resourceLength !== null && Number(range[3]) !== request.resourceLength) {
      return { kind: 'wrong-length', message: `the file is ${range[3]} bytes on the server, ${request.resourceLength} in the torrent` };
    }
    return null;
  }
  if (status === 200) {
    if (request.rangeInUrl) return null;
    // A server that ignores Range sends the whole file: fine only when that is what we asked.
    if (request.start === 0 && request.resourceLength === request.length) return null;
    return { kind: 'wrong-length', message: 'the server ignored the Range header (200 with the whole file)' };
  }
  return { kind: 'http-status', message: `HTTP ${status}` };
}

/** A 503's Retry-After header, or (BEP 17) the seconds its short body holds. */
function readRetryBody(res: http.IncomingMessage, bodySaysSeconds: boolean, done: (retryAfterMs: number | null) => void): void {
  const fromHeader = parseRetryAfter(firstHeader(res.headers['retry-after']), Date.now());
  if (!bodySaysSeconds) {
    res.destroy();
    return done(fromHeader);
  }
  let body = '';
  let finished = false;
  const end = (): void => {
    if (finished) return;
    finished = true;
    res.destroy();
    const seconds = /^\s*(\d{1,7})\s*$/.exec(body);
    done(fromHeader ?? (seconds ? Number(seconds[1]) * 1000 : null));
  };
  res.on('data', (chunk: Buffer) => {
    body += chunk.toString('latin1');
    if (body.length > MAX_ERROR_BODY) end();
  });
  res.on('end', end);
  res.on('error', end);
  res.on('close', end);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
