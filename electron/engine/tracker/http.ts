/**
 * HTTP(S) tracker client (BEP 3 announce, BEP 23 compact peers, BEP 7 peers6, BEP 48 scrape).
 * Uses node:http / node:https only. Replies are size-capped and time-limited; every problem
 * becomes a TrackerError, never an uncaught exception.
 */
import http from 'node:http';
import https from 'node:https';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';
import type { PeerAddress } from '../api.js';
import { BencodeError, type BDict, decodePrefix, getBytes, isBytes, isDict, isInt, isList, type BValue } from '../bencode/index.js';
import { decodeCompactPeers, ignoredPeersNote, MAX_PEERS_PER_LIST } from './compact.js';
import { addressScope, guardedLookup, literalAddress, SsrfRefusal, trackerAddressCheck, type AddressScope } from '../util/ssrf.js';
import { TrackerError, printable, type AnnounceParams, type AnnounceResult, type ScrapeResult } from './types.js';

export interface HttpRequestOptions {
  /** Whole-request deadline (connect + reply). Default 30 s. */
  timeoutMs?: number;
  /** Largest reply body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Redirects followed (http/https only). Default 3. */
  maxRedirects?: number;
  userAgent?: string;
  signal?: AbortSignal;
  /** Name resolution (tests inject their own). Default: the OS resolver, either family. */
  lookup?: LookupFunction;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_USER_AGENT = 'Tessera/0.1';

/** Percent-encodes raw bytes (RFC 3986 unreserved characters stay as they are). */
export function urlEncodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e) {
      out += String.fromCharCode(b);
    } else {
      out += `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
    }
  }
  return out;
}

function appendQuery(base: string, query: string): string {
  const hashAt = base.indexOf('#');
  const url = hashAt >= 0 ? base.slice(0, hashAt) : base;
  if (!url.includes('?')) return `${url}?${query}`;
  return url.endsWith('?') || url.endsWith('&') ? `${url}${query}` : `${url}&${query}`;
}

/** The announce URL with BEP 3 parameters appended (keeping any query the tracker URL already has, e.g. a passkey). */
export function buildAnnounceUrl(announceUrl: string, p: AnnounceParams): string {
  const q = [
    `info_hash=${urlEncodeBytes(p.infoHash)}`,
    `peer_id=${urlEncodeBytes(p.peerId)}`,
    `port=${p.port}`,
    `uploaded=${Math.max(0, Math.floor(p.uploaded))}`,
    `downloaded=${Math.max(0, Math.floor(p.downloaded))}`,
    `left=${Math.max(0, Math.floor(p.left))}`,
    'compact=1',
    'no_peer_id=1',
    `key=${(p.key >>> 0).toString(16).toUpperCase().padStart(8, '0')}`,
  ];
  if (p.event !== 'none') q.push(`event=${p.event}`);
  if (p.numwant >= 0) q.push(`numwant=${Math.floor(p.numwant)}`);
  if (p.trackerId) q.push(`trackerid=${urlEncodeBytes(Buffer.from(p.trackerId, 'latin1'))}`);
  return appendQuery(announceUrl, q.join('&'));
}

/** BEP 48 convention: ".../announce[suffix]" → ".../scrape[suffix]"; null when the tracker has no scrape URL. */
export function scrapeUrlFor(announceUrl: string): string | null {
  const qAt = announceUrl.indexOf('?');
  const path = qAt >= 0 ? announceUrl.slice(0, qAt) : announceUrl;
  const slash = path.lastIndexOf('/');
  if (slash < 0 || !path.slice(slash + 1).startsWith('announce')) return null;
  return `${path.slice(0, slash + 1)}scrape${announceUrl.slice(slash + 1 + 'announce'.length)}`;
}

export function buildScrapeUrl(scrapeUrl: string, infoHashes: readonly Uint8Array[]): string {
  return appendQuery(scrapeUrl, infoHashes.map((h) => `info_hash=${urlEncodeBytes(h)}`).join('&'));
}

// ---- reply parsing (pure) ----

/**
 * Longest `tracker id` kept. It is stored per tracker and sent back, percent-encoded, in every
 * later announce URL: a 1 MiB id (the body limit) cost 1 MiB per tracker for good and a 3 MiB
 * URL built on the event loop (~0.4 s) per announce. Real trackers send a few dozen bytes.
 */
export const MAX_TRACKER_ID_BYTES = 256;

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

function decodeReply(body: Uint8Array, what: string): BDict {
  if (body.length === 0) throw new TrackerError('protocol', `empty ${what} reply`);
  let value: BValue;
  try {
    // Trackers sometimes add a newline after the dictionary: bytes after the value are ignored.
    value = decodePrefix(body, { maxDepth: 16, maxSize: Math.max(body.length, 1) }).value;
  } catch (e) {
    const why = e instanceof BencodeError ? e.message : String(e);
    const head = printable(Buffer.from(body.subarray(0, 40)).toString('latin1'), 40);
    throw new TrackerError('protocol', `${what} reply is not bencode (${why}): "${head}"`);
  }
  if (!isDict(value)) throw new TrackerError('protocol', `${what} reply is not a dictionary`);
  return value;
}

function optionalInt(d: BDict, key: string, what: string): number | null {
  const v = d.get(key);
  if (v === undefined) return null;
  if (!isInt(v)) throw new TrackerError('protocol', `${what}: "${key}" is not an integer`);
  const n = Number(v);
  if (n < 0) throw new TrackerError('protocol', `${what}: "${key}" is negative (${n})`);
  return n;
}

function optionalText(d: BDict, key: string): string | null {
  const v = d.get(key);
  if (v === undefined) return null;
  return isBytes(v) ? printable(v.toString('utf8')) : `(${key} of the wrong type)`;
}

function dictPeers(list: BValue[], notes: string[]): PeerAddress[] {
  const peers: PeerAddress[] = [];
  let bad = 0;
  let read = 0;
  for (; read < list.length && peers.length < MAX_PEERS_PER_LIST; read++) {
    const item = list[read]!;
    if (!isDict(item)) {
      bad++;
      continue;
    }
    const ip = getBytes(item, 'ip')?.toString('utf8');
    const port = item.get('port');
    if (ip === undefined || !isInt(port) || Number(port) < 1 || Number(port) > 65535) {
      bad++;
      continue;
    }
    let host = ip.trim();
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (isIPv6(host)) host = host.toLowerCase();
    else if (!isIPv4(host) && !(HOSTNAME.test(host) && !/^[\d.]+$/.test(host))) {
      bad++;
      continue;
    }
    peers.push({ host, port: Number(port) });
  }
  if (bad > 0) notes.push(`ignored ${bad} malformed peer entr${bad === 1 ? 'y' : 'ies'}`);
  if (read < list.length) notes.push(ignoredPeersNote(list.length - read, 'peers'));
  return peers;
}

function peerField(d: BDict, key: 'peers' | 'peers6', notes: string[]): PeerAddress[] {
  const v = d.get(key);
  if (v === undefined) return [];
  if (isBytes(v)) {
    const { peers, trailing, skipped } = decodeCompactPeers(v, key === 'peers' ? 4 : 6);
    if (trailing) notes.push(`ignored ${trailing} trailing bytes in ${key}`);
    if (skipped) notes.push(ignoredPeersNote(skipped, key));
    return peers;
  }
  if (isList(v)) return dictPeers(v, notes);
  throw new TrackerError('protocol', `announce reply: "${key}" is neither a string nor a list`);
}

/**
 * Parses an announce reply body. A `failure reason` becomes TrackerError('failure');
 * anything malformed becomes TrackerError('protocol'). `interval` defaults to 1800 s if absent.
 */
export function parseAnnounceResponse(body: Uint8Array): AnnounceResult {
  const d = decodeReply(body, 'announce');
  const failure = d.get('failure reason');
  if (failure !== undefined) {
    const reason = isBytes(failure) ? printable(failure.toString('utf8')) : '(non-string failure reason)';
    throw new TrackerError('failure', `tracker: ${reason || '(empty failure reason)'}`);
  }
  const what = 'announce reply';
  const interval = optionalInt(d, 'interval', what);
  const minInterval = optionalInt(d, 'min interval', what);
  const complete = optionalInt(d, 'complete', what);
  const incomplete = optionalInt(d, 'incomplete', what);
  const trackerIdRaw = d.get('tracker id');
  if (trackerIdRaw !== undefined && !isBytes(trackerIdRaw)) throw new TrackerError('protocol', `${what}: "tracker id" is not a string`);
  const notes: string[] = [];
  let trackerId = trackerIdRaw && trackerIdRaw.length > 0 ? trackerIdRaw.toString('latin1') : null;
  if (trackerId !== null && trackerId.length > MAX_TRACKER_ID_BYTES) {
    notes.push(`ignored a tracker id of ${trackerId.length} bytes (limit ${MAX_TRACKER_ID_BYTES})`);
    trackerId = null;
  }
  const warning = optionalText(d, 'warning message');
  if (warning) notes.push(warning);
  const peers = peerField(d, 'peers', notes);
  const seen = new Set(peers.map((p) => `${p.host}|${p.port}`));
  for (const p of peerField(d, 'peers6', notes)) {
    const k = `${p.host}|${p.port}`;
    if (!seen.has(k)) {
      seen.add(k);
      peers.push(p);
    }
  }
  return {
    interval: interval ?? 1800,
    minInterval,
    peers,
    complete,
    incomplete,
    warning: notes.length ? notes.join('; ') : null,
    trackerId,
  };
}

/** Parses a scrape reply: results keyed by 40-hex info-hash. */
export function parseScrapeResponse(body: Uint8Array): Map<string, ScrapeResult> {
  const d = decodeReply(body, 'scrape');
  const failure = d.get('failure reason');
  if (failure !== undefined) {
    throw new TrackerError('failure', `tracker: ${isBytes(failure) ? printable(failure.toString('utf8')) : '(non-string failure reason)'}`);
  }
  const files = d.get('files');
  if (!isDict(files)) throw new TrackerError('protocol', 'scrape reply: "files" is missing or not a dictionary');
  const out = new Map<string, ScrapeResult>();
  for (const [key, v] of files) {
    const hash = Buffer.from(key, 'latin1');
    if (hash.length !== 20 || !isDict(v)) continue;
    out.set(hash.toString('hex'), {
      complete: optionalInt(v, 'complete', 'scrape reply') ?? 0,
      downloaded: optionalInt(v, 'downloaded', 'scrape reply') ?? 0,
      incomplete: optionalInt(v, 'incomplete', 'scrape reply') ?? 0,
    });
  }
  return out;
}

// ---- transport ----

interface HttpReply {
  status: number;
  statusText: string;
  body: Buffer;
}

/** What a request is for: a scrape may also reach /scrape on loopback (see ssrf.ts). */
export type TrackerRequestPurpose = 'announce' | 'scrape';

/**
 * GET with a deadline, a body cap and a few redirects, refusing requests to loopback and
 * redirects into the LAN that are not tracker paths (ssrf.ts). Rejects with TrackerError only.
 */
export function httpGet(url: string, opts: HttpRequestOptions = {}, purpose: TrackerRequestPurpose = 'announce'): Promise<HttpReply> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRedirects = opts.maxRedirects ?? 3;
  const deadline = Date.now() + timeoutMs;

  // `from`: the scope of the server that redirected us to `target` (null for the first URL).
  const once = (target: string, redirectsLeft: number, from: AddressScope | null): Promise<HttpReply> =>
    new Promise<HttpReply>((resolve, reject) => {
      let parsed: URL;
      try {
        parsed = new URL(target);
      } catch {
        reject(new TrackerError('unsupported', `bad tracker URL "${printable(target, 100)}"`));
        return;
      }
      const mod = parsed.protocol === 'http:' ? http : parsed.protocol === 'https:' ? https : null;
      if (!mod) {
        reject(new TrackerError('unsupported', `unsupported tracker protocol "${parsed.protocol}"`));
        return;
      }
      if (opts.signal?.aborted) {
        reject(new TrackerError('aborted', 'announce cancelled'));
        return;
      }
      const check = trackerAddressCheck(parsed, from, purpose === 'scrape');
      const literal = literalAddress(parsed);
      const refusal = literal === null ? null : check(literal);
      if (refusal) {
        reject(new TrackerError('unsupported', refusal.message));
        return;
      }
      let settled = false;
      const h: { timer?: NodeJS.Timeout; req?: http.ClientRequest } = {};
      const finish = (err: TrackerError | null, reply?: HttpReply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(h.timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) {
          h.req?.destroy();
          reject(err);
        } else if (reply) {
          resolve(reply);
        }
      };
      const onAbort = (): void => finish(new TrackerError('aborted', 'announce cancelled'));
      const req = mod.get(
        parsed,
        { agent: false, lookup: guardedLookup(check, opts.lookup), headers: { 'User-Agent': opts.userAgent ?? DEFAULT_USER_AGENT, 'Accept-Encoding': 'identity', Connection: 'close' } },
        (res) => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (status >= 300 && status < 400 && location) {
            res.resume();
            if (redirectsLeft <= 0) {
              finish(new TrackerError('network', `too many redirects (last: HTTP ${status})`));
              return;
            }
            let next: string;
            try {
              next = new URL(location, parsed).toString();
            } catch {
              finish(new TrackerError('network', `bad redirect location "${printable(location, 100)}"`));
              return;
            }
            settled = true;
            clearTimeout(h.timer);
            opts.signal?.removeEventListener('abort', onAbort);
            once(next, redirectsLeft - 1, addressScope(res.socket.remoteAddress ?? '')).then(resolve, reject);
            return;
          }
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBody) {
            res.resume();
            finish(new TrackerError('protocol', `reply too large (${declared} bytes, limit ${maxBody})`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBody) {
              finish(new TrackerError('protocol', `reply larger than ${maxBody} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => finish(null, { status, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks) }));
          res.on('error', (e) => finish(new TrackerError('network', `reply interrupted: ${e.message}`)));
          res.on('aborted', () => finish(new TrackerError('network', 'reply interrupted')));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof SsrfRefusal) finish(new TrackerError('unsupported', e.message));
        // Node's messages mostly name the code already ('connect ECONNREFUSED 127.0.0.1:1'): once is enough.
        else finish(new TrackerError('network', e.code && !e.message.includes(e.code) ? `${e.code} ${printable(e.message, 120)}` : printable(e.message, 160)));
      });
      const left = Math.max(0, deadline - Date.now());
      h.req = req;
      h.timer = setTimeout(() => finish(new TrackerError('timeout', `no reply within ${Math.round(timeoutMs / 100) / 10} s`)), left);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });

  return once(url, maxRedirects, null);
}

function checkStatus(reply: HttpReply, parse: () => unknown): void {
  if (reply.status === 200) return;
  // Some trackers send `failure reason` with an error status: prefer their words.
  try {
    parse();
  } catch (e) {
    if (e instanceof TrackerError && e.kind === 'failure') throw e;
  }
  throw new TrackerError('network', `HTTP ${reply.status}${reply.statusText ? ` ${printable(reply.statusText, 60)}` : ''}`);
}

export async function httpAnnounce(announceUrl: string, params: AnnounceParams, opts: HttpRequestOptions = {}): Promise<AnnounceResult> {
  const reply = await httpGet(buildAnnounceUrl(announceUrl, params), opts);
  checkStatus(reply, () => parseAnnounceResponse(reply.body));
  return parseAnnounceResponse(reply.body);
}

export async function httpScrape(announceUrl: string, infoHashes: readonly Uint8Array[], opts: HttpRequestOptions = {}): Promise<Map<string, ScrapeResult>> {
  const scrape = scrapeUrlFor(announceUrl);
  if (!scrape) throw new TrackerError('unsupported', 'tracker has no scrape URL (announce URL does not end in /announce)');
  const reply = await httpGet(buildScrapeUrl(scrape, infoHashes), opts, 'scrape');
  checkStatus(reply, () => parseScrapeResponse(reply.body));
  return parseScrapeResponse(reply.body);
}
