/**
 * A session with a torrent whose only source is its web seed: it completes, and the web seed
 * is a row of the peer list (URL, "Web seed", its rate) that the contract accepts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerView as peerViewValidator } from '../../../shared/contract/types.js';
import { waitForTorrent } from '../../../e2e/support/engine-wait.js';
import { createSession, type Session } from '../index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import { peerView } from '../service/views.js';
import { STAGED_PIECE_ABOVE } from '../picker/piece-download.js';

const DATA = fileData(300_000, 13);
/** Pieces above STAGED_PIECE_ABOVE: the web seed's blocks are written one by one, the piece hashed read back. */
const BIG_PIECE = STAGED_PIECE_ABOVE + 16384;
const BIG_DATA = fileData(BIG_PIECE + 70_000, 17);
let server: http.Server;
let url = '';
let dir = '';
let session: Session;
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    // The first request is refused (503): the seed backs off and comes back.
    if (requests === 1) return void res.writeHead(503, { 'retry-after': '0' }).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const data = req.url === '/a.bin' ? DATA : req.url === '/big.bin' ? BIG_DATA : null;
    if (!data || !m) return void res.writeHead(404).end();
    const body = data.subarray(Number(m[1]), Number(m[2]) + 1);
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${m[1]}-${m[2]}/${data.length}` });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.bin`;
  dir = await mkdtemp(path.join(tmpdir(), 'tessera-webseed-'));
  session = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, lsd: false, portMapping: false, restore: false });
});
afterAll(async () => {
  await session?.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('a torrent whose only source is a web seed', () => {
  it('completes, with the web seed in the peer list', async () => {
    const bytes = torrentBytes(v1Info({ name: 'a.bin', length: DATA.length, pieceLength: 16384, pieces: sha1Pieces(DATA, 16384) }), { 'url-list': url });
    const t = await session.add({ kind: 'torrent', bytes });
    let seen: ReturnType<typeof t.peers>[number] | undefined;
    await waitForTorrent(t, 'web seed bytes', () => {
      const row = t.peers().find((p) => p.client === 'Web seed');
      if (row && row.downloaded > 0 && !seen) seen = row;
      return seen !== undefined;
    });
    expect(seen!.address).toBe(url);
    // Read by the poll right after the bytes were counted, well within the meter's 5 s window.
    expect(seen!.downloadRate).toBeGreaterThan(0);
    expect(peerViewValidator(peerView(seen!), 'peer')).toMatchObject({ address: url, client: 'Web seed' });
    await waitForTorrent(t, 'the download to complete', () => t.stats().state === 'seeding');
    expect((await readFile(path.join(dir, 'a.bin'))).equals(DATA)).toBe(true);
    expect(requests).toBeGreaterThan(1);
  });

  it('completes a torrent of pieces too big to hold (staged block by block), byte-identical', async () => {
    const bigUrl = url.replace('/a.bin', '/big.bin');
    const bytes = torrentBytes(v1Info({ name: 'big.bin', length: BIG_DATA.length, pieceLength: BIG_PIECE, pieces: sha1Pieces(BIG_DATA, BIG_PIECE) }), { 'url-list': bigUrl });
    const t = await session.add({ kind: 'torrent', bytes });
    await waitForTorrent(t, 'the download to complete', () => t.stats().state === 'seeding');
    expect(t.stats().hashFailures ?? 0).toBe(0);
    expect((await readFile(path.join(dir, 'big.bin'))).equals(BIG_DATA)).toBe(true);
  });
});
