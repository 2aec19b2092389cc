/**
 * A magnet whose `x.pe` names
 *
 *   L  a hostile peer (lying-metadata) that advertises the true metadata_size, reached through a
 *      relay that, once L has been asked for metadata, either delays its junk answers by
 *      DELAY_MS or drops everything L sends (a peer that never answers), and
 *   S  an honest libtorrent seeder, reached through a relay that holds each connection until L
 *      has been asked for the first pieces (on as many connections): L holds the first four
 *      pieces of the copy and S is asked for the rest, every time.
 *
 * Junk: the copy that mixes L's junk with S's pieces fails the hash. Tessera used to close every
 * peer that contributed to it: S as well as L, each time, so S's dials failed 5 times (10 s,
 * 20 s, 40 s, 80 s apart) and it was never dialled again; the magnet stalled for good. Now a
 * mixed copy closes nobody and the next copies come from one peer at a time: L's alone fails
 * and L is closed; S delivers.
 *
 * Silence: at each 10 s request timeout L was asked for the same four pieces again, ahead of S,
 * for ever. Now a source whose request timed out is asked only when no other source answers.
 *
 * Slow: L answers each request just within the timeout (SLOW_MS) with junk, the info dictionary
 * being ~35 pieces. Its turn at the copy fetched one peer at a time lasted until its copy was
 * whole and failed the hash, 9 rounds of four pieces (and 43 minutes for a 16 MiB dictionary);
 * now a turn ends after 30 s, and S's turn comes before L has sent a whole copy.
 */
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePrefix } from '../../electron/engine/bencode/index.js';
import {
  assertDownloadOk,
  assertSameTree,
  Cleanup,
  createTorrent,
  HostilePeer,
  requireBuiltCli,
  requireTool,
  startLtSeeder,
  tesseraDownload,
  writeTree,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let infoSize = 0;
const DELAY_MS = 300;
const SLOW_MS = 8_000;
const RELAY_WAIT_MS = 10_000;

interface Relay {
  server: Server;
  port: number;
}

/**
 * A TCP relay to `target` on loopback. Its n-th connection (from 1) starts once `ready(n)`
 * (polled), or after RELAY_WAIT_MS; each chunk from the target waits `delay()` ms, or is
 * dropped.
 */
async function startRelay(target: string, ready: (n: number) => boolean, delay: () => number | 'drop'): Promise<Relay> {
  const at = target.lastIndexOf(':');
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    const n = ++connections;
    const started = Date.now();
    client.pause();
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    const wait = setInterval(() => {
      if (!ready(n) && Date.now() - started < RELAY_WAIT_MS) return;
      clearInterval(wait);
      if (client.destroyed) return;
      const upstream = connect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        const ms = delay();
        if (ms === 'drop') return;
        if (ms === 0) client.write(chunk);
        else setTimeout(() => client.destroyed || client.write(chunk), ms);
      });
    }, 20);
    client.on('close', () => clearInterval(wait));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  cleanup.add(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** The bencoded length of the .torrent's info dictionary (its metadata_size). */
async function infoDictSize(torrentPath: string): Promise<number> {
  const bytes = await readFile(torrentPath);
  const at = bytes.indexOf('4:info') + '4:info'.length;
  return decodePrefix(bytes.subarray(at), { maxDepth: 64, maxSize: bytes.length }).end;
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('magnet-metadata-liar');
  // Long file names make a large info dictionary (over 4 ut_metadata pieces: both peers are asked) of little data.
  const files = Array.from({ length: 400 }, (_, i) => ({ path: `${String(i).padStart(4, '0')}-${'n'.repeat(180)}.bin`, size: 1000 + i }));
  await writeTree(join(root, 'src', 'tree'), files, 'metadata-liar');
  torrent = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'tree.torrent'), pieceLength: 16 * 1024 });
  infoSize = await infoDictSize(torrent.torrentPath);
  // S never dials Tessera itself, as when Tessera is behind a NAT: a closed connection stays closed.
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), settings: { seeding_outgoing_connections: false } });
});
afterAll(() => cleanup.run());

/** L and the two relays; `answer`: what L's answers become once it has been asked. */
async function liarAndRelays(
  answer: 'late junk' | 'nothing' | 'slow junk',
  of: { torrent: TorrentInfo; seeder: LtSeeder; infoSize: number } = { torrent, seeder, infoSize },
): Promise<{ liar: HostilePeer; magnet: string }> {
  const liar = await HostilePeer.listen({ mode: 'lying-metadata', torrent: of.torrent, metadataSize: of.infoSize });
  cleanup.add(() => liar.close());
  const liarAsked = (): number => liar.connections.filter((c) => c.metadataPiecesSent > 0).length;
  const delay = answer === 'nothing' ? 'drop' : answer === 'slow junk' ? SLOW_MS : DELAY_MS;
  const liarRelay = await startRelay(liar.address, () => true, () => (liarAsked() === 0 ? 0 : delay));
  const seedRelay = await startRelay(of.seeder.address, (n) => liarAsked() >= n, () => 0);
  return { liar, magnet: `magnet:?xt=urn:btih:${of.torrent.infoHash}&x.pe=127.0.0.1:${liarRelay.port}&x.pe=127.0.0.1:${seedRelay.port}` };
}

describe('magnet with a peer that advertises the right metadata size and lies', () => {
  it('junk: keeps the honest seeder, drops the liar, and downloads', async () => {
    expect(infoSize).toBeGreaterThan(4 * 16384);
    const { liar, magnet } = await liarAndRelays('late junk');
    const dir = join(root, 'dl-junk');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-junk'), timeoutMs: 60_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
    const lied = liar.connections.filter((c) => c.metadataPiecesSent > 0);
    expect(lied.length, liar.describe()).toBeGreaterThan(0);
    expect(lied.every((c) => c.closedBy === 'remote'), liar.describe()).toBe(true);
  });

  it('silence: asks the honest seeder for the pieces the liar never sends, and downloads', async () => {
    const { liar, magnet } = await liarAndRelays('nothing');
    const dir = join(root, 'dl-silent');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-silent'), timeoutMs: 60_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
    expect(liar.connections.some((c) => c.metadataPiecesSent > 0), liar.describe()).toBe(true);
  });

  it('slow: a liar answering just within the timeout does not keep its turn until its copy is whole', async () => {
    // 2,400 long names: an info dictionary of ~35 ut_metadata pieces.
    const files = Array.from({ length: 2400 }, (_, i) => ({ path: `${String(i).padStart(4, '0')}-${'s'.repeat(180)}.bin`, size: 100 + i }));
    await writeTree(join(root, 'src-slow', 'tree'), files, 'metadata-slow-liar');
    const big = await createTorrent({ path: join(root, 'src-slow', 'tree'), out: join(root, 'slow.torrent'), pieceLength: 16 * 1024 });
    const bigInfoSize = await infoDictSize(big.torrentPath);
    const pieces = Math.ceil(bigInfoSize / 16384);
    expect(pieces).toBeGreaterThanOrEqual(32);
    const bigSeeder = await startLtSeeder(cleanup, { torrents: [big.torrentPath], save: join(root, 'src-slow'), settings: { seeding_outgoing_connections: false } });
    const { liar, magnet } = await liarAndRelays('slow junk', { torrent: big, seeder: bigSeeder, infoSize: bigInfoSize });
    const dir = join(root, 'dl-slow');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-slow'), timeoutMs: 150_000 });
    assertDownloadOk(r, { torrent: big, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src-slow', 'tree'), join(dir, 'tree'));
    // Four pieces of the first copy (shared with S, which failed the hash), then L's turn alone:
    // it ended before L had sent a whole copy of its own.
    const sent = liar.connections.reduce((n, c) => n + c.metadataPiecesSent, 0);
    expect(sent, liar.describe()).toBeGreaterThan(4);
    expect(sent, liar.describe()).toBeLessThan(pieces);
  });
});
