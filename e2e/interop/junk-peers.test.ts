/**
 * One source's dead addresses must not hold up the peers another source finds.
 *
 *   J  JUNK addresses in the magnet's x.pe, each a socket that accepts and never says a word
 *      (127.3.0.x, one listener each): a dial to one holds one of the torrent's 10 attempts
 *      until the 20 s handshake timeout
 *   K  a tracker (the magnet's tr) that names the seeder S
 *   S  an honest libtorrent seeder that never dials anyone itself
 *   T  `tessera download 'magnet:?xt=urn:btih:H&x.pe=J…&tr=K'`
 *
 * Candidates were dialled in the order they were learnt, so S, from K's reply, waited behind
 * all of J: 100 addresses at 10 per 20 s, 200 s (a full list of 2,000: 67 minutes). Now the
 * sources take turns: S is dialled as soon as an attempt ends (20 s).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../../electron/engine/api.js';
import { encodeCompactPeers4 } from '../../electron/engine/tracker/compact.js';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  freePort,
  requireBuiltCli,
  requireTool,
  startLtSeeder,
  tesseraDownload,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const JUNK = 100;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let junk: PeerAddress[] = [];
let trackerUrl = '';
let junkAccepted = 0;

/** JUNK silent listeners on 127.3.0.1… (one port each address). */
async function startJunk(): Promise<PeerAddress[]> {
  const port = await freePort('127.0.0.1');
  const sockets = new Set<Socket>();
  const listeners: Server[] = [];
  const addresses = Array.from({ length: JUNK }, (_, i) => ({ host: `127.3.0.${i + 1}`, port }));
  for (const address of addresses) {
    const server = createServer((socket) => {
      junkAccepted++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: address.host, port: address.port }, () => resolve()));
    listeners.push(server);
  }
  cleanup.add(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });
  return addresses;
}

/** A tracker on 127.0.0.1 whose every reply names `peer`. */
async function startTracker(peer: PeerAddress): Promise<string> {
  const peers = encodeCompactPeers4([peer]);
  const body = Buffer.concat([Buffer.from(`d8:intervali1800e5:peers${peers.length}:`), peers, Buffer.from('e')]);
  const tracker = createHttpServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => tracker.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  cleanup.add(() => new Promise<void>((resolve) => tracker.close(() => resolve())));
  const address = tracker.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/announce`;
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('junk-peers');
  await writeRandomFile(join(root, 'src', 'payload.bin'), 2 * 1024 * 1024 + 5, 'junk-peers');
  torrent = await createTorrent({ path: join(root, 'src', 'payload.bin'), out: join(root, 'payload.torrent'), pieceLength: 64 * 1024 });
  junk = await startJunk();
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), settings: { seeding_outgoing_connections: false } });
  trackerUrl = await startTracker({ host: seeder.host, port: seeder.port });
});
afterAll(() => cleanup.run());

describe('a magnet whose x.pe names only dead addresses', () => {
  it('does not hold up the seeder its tracker names', async () => {
    const xpe = junk.map((p) => `&x.pe=${p.host}:${p.port}`).join('');
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}${xpe}&tr=${encodeURIComponent(trackerUrl)}`;
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home'), extraArgs: ['--no-dht'], timeoutMs: 90_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'payload.bin'), join(dir, 'payload.bin'));
    // J's addresses were dialled first: the seeder did not simply come before them.
    expect(junkAccepted).toBeGreaterThanOrEqual(5);
  });
});
