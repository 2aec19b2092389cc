/**
 * A small HTTP server with Range support over a folder, for web seed tests that need a server
 * to misbehave on purpose (every Nth request answered 503). Serves only below its root, on
 * 127.0.0.1. nginx (e2e/support/nginx.ts) is the real server; this one is the flaky one.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import type { Cleanup } from './cleanup.js';

export interface RangeServerOptions {
  root: string;
  /** Every Nth request (1-based count) gets a 503 (0 or absent: never). */
  failEvery?: number;
  /** Every body sent has one byte in every KiB flipped (right length, wrong data). */
  corrupt?: boolean;
  /**
   * BEP 17: requests with `info_hash`, `piece` and `ranges` are answered from this single file
   * (relative to root) with pieces of `pieceLength`; a wrong info_hash gets 404.
   */
  httpSeed?: { file: string; pieceLength: number; infoHash: string };
}

export interface RangeServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** Requests received, and how many of them were failed on purpose. */
  readonly requests: number;
  readonly failed: number;
  /** Bytes of file data sent. */
  readonly bytesSent: number;
  /** The path of every request, in order. */
  readonly paths: readonly string[];
}

export async function startRangeServer(cleanup: Cleanup, options: RangeServerOptions): Promise<RangeServer> {
  const root = resolve(options.root);
  const counts = { requests: 0, failed: 0, bytesSent: 0 };
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    counts.requests++;
    paths.push((req.url ?? '').split('?')[0]!);
    if (options.failEvery && counts.requests % options.failEvery === 0) {
      counts.failed++;
      res.writeHead(503, { 'retry-after': '0' });
      return void res.end();
    }
    void serve(req, res);
  });
  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (options.httpSeed && (req.url ?? '').includes('?')) return serveHttpSeed(req, res, options.httpSeed);
    const path = resolve(join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    if (!path.startsWith(root + sep)) return void res.writeHead(403).end();
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1,
    );
    if (size < 0) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const first = m ? Number(m[1]) : 0;
    const last = m ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (first > last) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    res.writeHead(m ? 206 : 200, { 'content-length': last - first + 1, ...(m ? { 'content-range': `bytes ${first}-${last}/${size}` } : {}) });
    counts.bytesSent += last - first + 1;
    if (!options.corrupt) return void createReadStream(path, { start: first, end: last }).pipe(res);
    const body = Buffer.alloc(last - first + 1);
    const file = await open(path, 'r');
    await file.read(body, 0, body.length, first).finally(() => file.close());
    for (let i = 0; i < body.length; i += 1024) body[i] = body[i]! ^ 0xff;
    res.end(body);
  }
  async function serveHttpSeed(req: http.IncomingMessage, res: http.ServerResponse, seed: NonNullable<RangeServerOptions['httpSeed']>): Promise<void> {
    const query = (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1);
    const fields = new Map<string, string>();
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    // info_hash is raw bytes percent-encoded: compare as bytes, not as text.
    const hash = percentDecode(fields.get('info_hash') ?? '').toString('hex');
    const ranges = /^(\d+)-(\d+)$/.exec(fields.get('ranges') ?? '');
    const piece = Number(fields.get('piece'));
    if (hash !== seed.infoHash || !ranges || !Number.isInteger(piece)) return void res.writeHead(404).end();
    const first = piece * seed.pieceLength + Number(ranges[1]);
    const body = Buffer.alloc(Number(ranges[2]) - Number(ranges[1]) + 1);
    const file = await open(join(root, seed.file), 'r');
    const { bytesRead } = await file.read(body, 0, body.length, first).finally(() => file.close());
    if (bytesRead !== body.length) return void res.writeHead(416).end();
    counts.bytesSent += body.length;
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    get requests() {
      return counts.requests;
    },
    get failed() {
      return counts.failed;
    },
    get bytesSent() {
      return counts.bytesSent;
    },
    paths,
  };
}

/** Percent-decoding to raw bytes (decodeURIComponent insists on UTF-8). */
function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}
