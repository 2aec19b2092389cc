/**
 * BEP 15 UDP tracker packets: pure encoders and decoders for both sides (the client uses
 * the request encoders and response decoder; tests' fake trackers use the others).
 * BEP 41 URL data is appended to announce requests when the tracker URL has a path or query.
 */
import type { PeerAddress } from '../api.js';
import { decodeCompactPeers, encodeCompactPeers4, encodeCompactPeers6 } from './compact.js';
import type { AnnounceEvent, AnnounceParams, ScrapeResult } from './types.js';

export const PROTOCOL_ID = 0x41727101980n;
export const ACTION_CONNECT = 0;
export const ACTION_ANNOUNCE = 1;
export const ACTION_SCRAPE = 2;
export const ACTION_ERROR = 3;
/** BEP 15 allows at most this many info-hashes per scrape request. */
export const MAX_SCRAPE_HASHES = 74;

const EVENT_CODE: Record<AnnounceEvent, number> = { none: 0, completed: 1, started: 2, stopped: 3 };
const EVENT_NAME: readonly AnnounceEvent[] = ['none', 'completed', 'started', 'stopped'];

function u64(n: number): bigint {
  return BigInt(Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(Number.isFinite(n) ? n : 0))));
}

function copy20(dst: Buffer, at: number, src: Uint8Array, what: string): void {
  if (src.length !== 20) throw new RangeError(`${what} must be 20 bytes`);
  dst.set(src, at);
}

export function encodeConnectRequest(transactionId: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(PROTOCOL_ID, 0);
  b.writeUInt32BE(ACTION_CONNECT, 8);
  b.writeUInt32BE(transactionId >>> 0, 12);
  return b;
}

/** BEP 41 URLData options for `pathAndQuery` (empty Buffer when there is nothing to send). */
function urlDataOptions(pathAndQuery: string): Buffer {
  if (pathAndQuery === '' || pathAndQuery === '/') return Buffer.alloc(0);
  const data = Buffer.from(pathAndQuery, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.subarray(i, i + 255);
    parts.push(Buffer.from([0x2, chunk.length]), chunk);
  }
  parts.push(Buffer.from([0x0]));
  return Buffer.concat(parts);
}

export function encodeAnnounceRequest(
  connectionId: bigint,
  transactionId: number,
  p: AnnounceParams,
  pathAndQuery = '',
): Buffer {
  const b = Buffer.alloc(98);
  b.writeBigUInt64BE(BigInt.asUintN(64, connectionId), 0);
  b.writeUInt32BE(ACTION_ANNOUNCE, 8);
  b.writeUInt32BE(transactionId >>> 0, 12);
  copy20(b, 16, p.infoHash, 'infoHash');
  copy20(b, 36, p.peerId, 'peerId');
  b.writeBigUInt64BE(u64(p.downloaded), 56);
  b.writeBigUInt64BE(u64(p.left), 64);
  b.writeBigUInt64BE(u64(p.uploaded), 72);
  b.writeUInt32BE(EVENT_CODE[p.event], 80);
  b.writeUInt32BE(0, 84); // ip: default (the packet's source)
  b.writeUInt32BE(p.key >>> 0, 88);
  b.writeInt32BE(Math.max(-1, Math.min(0x7fffffff, Math.trunc(p.numwant))), 92);
  b.writeUInt16BE(p.port & 0xffff, 96);
  const opts = urlDataOptions(pathAndQuery);
  return opts.length ? Buffer.concat([b, opts]) : b;
}

export function encodeScrapeRequest(connectionId: bigint, transactionId: number, infoHashes: readonly Uint8Array[]): Buffer {
  if (infoHashes.length === 0 || infoHashes.length > MAX_SCRAPE_HASHES) {
    throw new RangeError(`scrape takes 1..${MAX_SCRAPE_HASHES} info-hashes`);
  }
  const b = Buffer.alloc(16 + 20 * infoHashes.length);
  b.writeBigUInt64BE(BigInt.asUintN(64, connectionId), 0);
  b.writeUInt32BE(ACTION_SCRAPE, 8);
  b.writeUInt32BE(transactionId >>> 0, 12);
  infoHashes.forEach((h, i) => copy20(b, 16 + 20 * i, h, 'infoHash'));
  return b;
}

export type UdpResponse =
  | { action: 'connect'; transactionId: number; connectionId: bigint }
  | {
      action: 'announce';
      transactionId: number;
      interval: number;
      leechers: number;
      seeders: number;
      peers: PeerAddress[];
      /** Bytes after the last whole peer entry (ignored). */
      trailing: number;
      /** Peer entries not read, beyond MAX_PEERS_PER_LIST. */
      skipped: number;
    }
  | { action: 'scrape'; transactionId: number; results: ScrapeResult[] }
  | { action: 'error'; transactionId: number; message: string }
  /** Not a usable response; `transactionId` is null when the packet is too short to carry one. */
  | { action: 'invalid'; transactionId: number | null; reason: string };

/**
 * Decodes a tracker → client packet. `family` is the address family of the tracker
 * (BEP 15: an IPv6 tracker answers announces with 18-byte peers). Never throws.
 */
export function decodeResponse(buf: Uint8Array, family: 4 | 6 = 4): UdpResponse {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) return { action: 'invalid', transactionId: null, reason: `truncated packet (${b.length} bytes)` };
  const action = b.readUInt32BE(0);
  const transactionId = b.readUInt32BE(4);
  switch (action) {
    case ACTION_CONNECT:
      if (b.length < 16) return { action: 'invalid', transactionId, reason: `truncated connect response (${b.length} bytes)` };
      return { action: 'connect', transactionId, connectionId: b.readBigUInt64BE(8) };
    case ACTION_ANNOUNCE: {
      if (b.length < 20) return { action: 'invalid', transactionId, reason: `truncated announce response (${b.length} bytes)` };
      const { peers, trailing, skipped } = decodeCompactPeers(b.subarray(20), family);
      return {
        action: 'announce',
        transactionId,
        interval: b.readUInt32BE(8),
        leechers: b.readUInt32BE(12),
        seeders: b.readUInt32BE(16),
        peers,
        trailing,
        skipped,
      };
    }
    case ACTION_SCRAPE: {
      const results: ScrapeResult[] = [];
      for (let o = 8; o + 12 <= b.length; o += 12) {
        results.push({ complete: b.readUInt32BE(o), downloaded: b.readUInt32BE(o + 4), incomplete: b.readUInt32BE(o + 8) });
      }
      if ((b.length - 8) % 12 !== 0) return { action: 'invalid', transactionId, reason: `truncated scrape response (${b.length} bytes)` };
      return { action: 'scrape', transactionId, results };
    }
    case ACTION_ERROR:
      return { action: 'error', transactionId, message: b.subarray(8).toString('utf8') };
    default:
      return { action: 'invalid', transactionId, reason: `unknown action ${action}` };
  }
}

// ---- tracker side (fake trackers in tests) ----

export type UdpRequest =
  | { action: 'connect'; transactionId: number }
  | {
      action: 'announce';
      connectionId: bigint;
      transactionId: number;
      infoHash: Buffer;
      peerId: Buffer;
      downloaded: bigint;
      left: bigint;
      uploaded: bigint;
      event: AnnounceEvent;
      key: number;
      numwant: number;
      port: number;
      /** BEP 41 URL data, concatenated; '' when none. */
      urlData: string;
    }
  | { action: 'scrape'; connectionId: bigint; transactionId: number; infoHashes: Buffer[] }
  | { action: 'invalid'; reason: string };

export function decodeRequest(buf: Uint8Array): UdpRequest {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 16) return { action: 'invalid', reason: 'too short' };
  const connectionId = b.readBigUInt64BE(0);
  const action = b.readUInt32BE(8);
  const transactionId = b.readUInt32BE(12);
  if (action === ACTION_CONNECT) {
    if (connectionId !== PROTOCOL_ID) return { action: 'invalid', reason: 'bad protocol id' };
    return { action: 'connect', transactionId };
  }
  if (action === ACTION_ANNOUNCE) {
    if (b.length < 98) return { action: 'invalid', reason: 'short announce' };
    let urlData = '';
    for (let o = 98; o < b.length; ) {
      const type = b[o];
      if (type === 0x0) break;
      if (type === 0x1) {
        o++;
        continue;
      }
      const len = b[o + 1] ?? 0;
      if (type === 0x2) urlData += b.subarray(o + 2, o + 2 + len).toString('utf8');
      o += 2 + len;
    }
    return {
      action: 'announce',
      connectionId,
      transactionId,
      infoHash: Buffer.from(b.subarray(16, 36)),
      peerId: Buffer.from(b.subarray(36, 56)),
      downloaded: b.readBigUInt64BE(56),
      left: b.readBigUInt64BE(64),
      uploaded: b.readBigUInt64BE(72),
      event: EVENT_NAME[b.readUInt32BE(80)] ?? 'none',
      key: b.readUInt32BE(88),
      numwant: b.readInt32BE(92),
      port: b.readUInt16BE(96),
      urlData,
    };
  }
  if (action === ACTION_SCRAPE) {
    const infoHashes: Buffer[] = [];
    for (let o = 16; o + 20 <= b.length; o += 20) infoHashes.push(Buffer.from(b.subarray(o, o + 20)));
    return { action: 'scrape', connectionId, transactionId, infoHashes };
  }
  return { action: 'invalid', reason: `unknown action ${action}` };
}

export function encodeConnectResponse(transactionId: number, connectionId: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(ACTION_CONNECT, 0);
  b.writeUInt32BE(transactionId >>> 0, 4);
  b.writeBigUInt64BE(BigInt.asUintN(64, connectionId), 8);
  return b;
}

export function encodeAnnounceResponse(
  transactionId: number,
  r: { interval: number; leechers: number; seeders: number; peers: readonly PeerAddress[] },
  family: 4 | 6 = 4,
): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32BE(ACTION_ANNOUNCE, 0);
  head.writeUInt32BE(transactionId >>> 0, 4);
  head.writeUInt32BE(r.interval >>> 0, 8);
  head.writeUInt32BE(r.leechers >>> 0, 12);
  head.writeUInt32BE(r.seeders >>> 0, 16);
  return Buffer.concat([head, family === 4 ? encodeCompactPeers4(r.peers) : encodeCompactPeers6(r.peers)]);
}

export function encodeScrapeResponse(transactionId: number, results: readonly ScrapeResult[]): Buffer {
  const b = Buffer.alloc(8 + 12 * results.length);
  b.writeUInt32BE(ACTION_SCRAPE, 0);
  b.writeUInt32BE(transactionId >>> 0, 4);
  results.forEach((r, i) => {
    b.writeUInt32BE(r.complete >>> 0, 8 + 12 * i);
    b.writeUInt32BE(r.downloaded >>> 0, 12 + 12 * i);
    b.writeUInt32BE(r.incomplete >>> 0, 16 + 12 * i);
  });
  return b;
}

export function encodeErrorResponse(transactionId: number, message: string): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(ACTION_ERROR, 0);
  head.writeUInt32BE(transactionId >>> 0, 4);
  return Buffer.concat([head, Buffer.from(message, 'utf8')]);
}
