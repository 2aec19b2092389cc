/**
 * Issue 10: the first metadata size must not win forever. A magnet whose `x.pe` names
 *
 *   L  a hostile peer (lying-metadata) that advertises a metadata_size of its own and answers
 *      every ut_metadata request with junk of that size, and
 *   S  an honest libtorrent seeder, reached through a relay that holds the connection until L
 *      has sent a whole copy of junk — so L's size is the first Tessera hears of, and its copy
 *      fails the hash before S even answers the handshake.
 *
 * Before the fix Tessera kept L's size, ignored S's and fetched nothing (nothing in 45 s).
 * Now the metadata and then the content must arrive from S, and Tessera must have dropped L.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  HostilePeer,
  requireBuiltCli,
  requireTool,
  startLtSeeder,
  tesseraDownload,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let liar: HostilePeer;
let relay: Server;
let relayPort = 0;
const LIE = 40_000; // three ut_metadata pieces; the real info dict is far smaller
const RELAY_WAIT_MS = 10_000;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('magnet-lying-metadata');
  await writeRandomFile(join(root, 'src', 'payload.bin'), 3 * 1024 * 1024 + 123, 'lying-metadata');
  torrent = await createTorrent({ path: join(root, 'src', 'payload.bin'), out: join(root, 'payload.torrent'), pieceLength: 64 * 1024 });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src') });
  liar = await HostilePeer.listen({ mode: 'lying-metadata', torrent, metadataSize: LIE });
  const [seedHost, seedPort] = [seeder.address.slice(0, seeder.address.lastIndexOf(':')), Number(seeder.address.slice(seeder.address.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  relay = createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    const started = Date.now();
    const wait = setInterval(() => {
      const junkSent = liar.connections.some((c) => c.metadataPiecesSent >= Math.ceil(LIE / 16384));
      if (!junkSent && Date.now() - started < RELAY_WAIT_MS) return;
      clearInterval(wait);
      if (client.destroyed) return;
      const upstream = connect({ host: seedHost, port: seedPort });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    }, 20);
    client.on('close', () => clearInterval(wait));
  });
  await new Promise<void>((resolve) => relay.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  const address = relay.address();
  relayPort = typeof address === 'object' && address ? address.port : 0;
  cleanup.add(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    await liar.close();
  });
});
afterAll(() => cleanup.run());

describe('magnet with a peer lying about the metadata size', () => {
  it('fetches the metadata from the honest seeder after the liar’s copy fails the hash', async () => {
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}&x.pe=${liar.address}&x.pe=127.0.0.1:${relayPort}`;
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home'), timeoutMs: 60_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'payload.bin'), join(dir, 'payload.bin'));
    // The liar was asked, sent a whole copy of junk first, and Tessera then closed it.
    const lied = liar.connections.find((c) => c.metadataPiecesSent >= Math.ceil(LIE / 16384));
    expect(lied, liar.describe()).toBeDefined();
    expect(lied!.closedBy, liar.describe()).toBe('remote');
  });
});
