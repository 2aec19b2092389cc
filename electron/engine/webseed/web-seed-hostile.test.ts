/**
 * Web seeds that hold their connections open do not stall a torrent's other web seeds: the
 * torrent completes from a good seed while the hostile ones still hold their requests (they
 * would be dropped by the drip limit after 15-30 s).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForTorrent } from '../../../e2e/support/engine-wait.js';
import { createSession, type Session } from '../index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';

let DATA: Buffer = Buffer.alloc(0);
let hostile: http.Server;
let good: http.Server;
let dir = '';
let session: Session;
/** Responses the hostile server started (headers sent, body never) and which of them our side has closed. */
const held: http.ServerResponse[] = [];
const closedByUs = new Set<http.ServerResponse>();
/** For each request the good server answered: how many hostile requests had been given up by then. */
const givenUpAtGoodRequests: number[] = [];
/** The hostile server sends 1 KiB every 500 ms instead of nothing: above the drip limit, below the slow one. */
let trickle = false;

function rangeOf(req: http.IncomingMessage): { first: number; body: Buffer } {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const first = Number(m?.[1] ?? 0);
  return { first, body: DATA.subarray(first, Number(m?.[2] ?? DATA.length - 1) + 1) };
}

beforeAll(async () => {
  hostile = http.createServer((req, res) => {
    const { first, body } = rangeOf(req);
    // The right headers at once, then nothing: alive as far as the headers go, for 15-30 s.
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${first}-${first + body.length - 1}/${DATA.length}` });
    res.flushHeaders();
    held.push(res);
    res.on('close', () => closedByUs.add(res));
    if (!trickle) return;
    let at = 0;
    const t = setInterval(() => {
      if (at >= body.length || res.destroyed) return clearInterval(t);
      res.write(body.subarray(at, (at += 1024)));
    }, 500);
    res.on('close', () => clearInterval(t));
  });
  good = http.createServer((req, res) => {
    givenUpAtGoodRequests.push(closedByUs.size);
    const { first, body } = rangeOf(req);
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${first}-${first + body.length - 1}/${DATA.length}` });
    res.end(body);
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => good.listen(0, '127.0.0.1', r));
  dir = await mkdtemp(path.join(tmpdir(), 'tessera-webseed-hostile-'));
  session = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, lsd: false, portMapping: false, restore: false });
});
afterAll(async () => {
  await session?.close();
  for (const s of [hostile, good]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(dir, { recursive: true, force: true });
});

async function downloadWithHostileSeedsFirst(data: Buffer, name: string, trickling = false): Promise<void> {
  DATA = data;
  trickle = trickling;
  held.length = 0;
  closedByUs.clear();
  givenUpAtGoodRequests.length = 0;
  const port = (s: http.Server): number => (s.address() as AddressInfo).port;
  // Listed first: each takes its two requests before the good seed is looked at.
  const urls = [`http://127.0.0.1:${port(hostile)}/${name}`, `http://127.0.0.1:${port(hostile)}/${name}?mirror=2`, `http://127.0.0.1:${port(good)}/${name}`];
  const bytes = torrentBytes(v1Info({ name, length: data.length, pieceLength: 16384, pieces: sha1Pieces(data, 16384) }), { 'url-list': urls });
  const t = await session.add({ kind: 'torrent', bytes });
  await waitForTorrent(t, 'the download to complete', () => t.stats().state === 'seeding');
  expect((await readFile(path.join(dir, name))).equals(data)).toBe(true);
  // Every request the good seed made, it made while the hostile ones were still held: it
  // never waited for them to be dropped.
  expect(givenUpAtGoodRequests.length).toBeGreaterThan(0);
  expect(givenUpAtGoodRequests.every((n) => n === 0)).toBe(true);
}

describe('web seeds that hold their connections open', () => {
  it('do not take the request slots a good web seed listed after them needs', async () => {
    // Large enough that the hostile seeds' four requests leave pieces for the good one.
    await downloadWithHostileSeedsFirst(fileData(2_000_000, 29), 'a.bin');
    expect(held.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('let the blocks they hold go to a good seed once silent, even when they hold both endgame requests of each', async () => {
    // Four pieces: the first hostile seed asks for all of them, the second for each again
    // (endgame), and the picker allows no third request for a block.
    await downloadWithHostileSeedsFirst(fileData(4 * 16384, 31), 'b.bin');
    expect(held.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('let the blocks they hold go when they trickle (2 KiB/s, above the drip limit): a good seed finishes, endgame included', async () => {
    // At 2 KiB/s each would take 32 s for these 64 KiB, holding both endgame requests meanwhile:
    // the good seed was asked nothing until they had delivered it all.
    await downloadWithHostileSeedsFirst(fileData(4 * 16384, 37), 'c.bin', true);
    expect(held.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
