/**
 * One source's dead addresses must not hold up the peers another source finds.
 *
 *   J  JUNK addresses in the magnet's x.pe, each a socket that accepts and never says a word
 *      (127.3.0.x, one listener each): a dial to one holds one of the torrent's 10 attempts
 *      until the handshake timeout (10 s; 20 s before)
 *   D  or JUNK addresses that drop every SYN (127.4.0.x, listeners whose accept queue is full):
 *      a dial to one holds its attempt until the connect timeout (5 s; 10 s before)
 *   K  a tracker (the magnet's tr) that names the seeder S
 *   S  an honest libtorrent seeder that never dials anyone itself
 *   T  `tessera download 'magnet:?xt=urn:btih:H&x.pe=J…&tr=K'`
 *
 * Candidates were dialled in the order they were learnt, so S, from K's reply, waited behind
 * all of J: 100 addresses at 10 per 20 s, 200 s (a full list of 2,000: 67 minutes). Then the
 * sources took turns, but only among the attempts that ended together: D's dials time out one
 * by one, each gave its slot to the next x.pe address, and S waited behind every one of D and
 * their retries (over 4 minutes). Now the turns carry on from one dial to the next: S is
 * dialled as soon as an attempt ends.
 */
import { spawn } from 'node:child_process';
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
  PYTHON,
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
let dropping: PeerAddress[] = [];
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

/**
 * JUNK addresses on 127.4.0.1… (one port) that drop every SYN: each a listener with a backlog
 * of 0 whose queue two connections fill, and that never accepts (Linux drops a SYN to a full
 * accept queue). Node accepts everything it listens on, so a few lines of Python hold them.
 */
async function startDropping(): Promise<PeerAddress[]> {
  const port = await freePort('127.0.0.1');
  const addresses = Array.from({ length: JUNK }, (_, i) => ({ host: `127.4.0.${i + 1}`, port }));
  const script = [
    'import socket, sys',
    'keep = []',
    'for host in sys.argv[2:]:',
    '    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    '    s.bind((host, int(sys.argv[1]))); s.listen(0); keep.append(s)',
    '    for _ in range(2):',
    '        c = socket.socket(); c.setblocking(False); keep.append(c)',
    '        try: c.connect((host, int(sys.argv[1])))',
    '        except BlockingIOError: pass',
    "print('READY', flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn(PYTHON, ['-c', script, String(port), ...addresses.map((a) => a.host)], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanup.add(() => {
    child.stdin.end();
    child.kill();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SYN-dropping listeners exited (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
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
  dropping = await startDropping();
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

  it('does not hold up the seeder its tracker names when they drop every SYN, and their dials time out one by one', async () => {
    const xpe = dropping.map((p) => `&x.pe=${p.host}:${p.port}`).join('');
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}${xpe}&tr=${encodeURIComponent(trackerUrl)}`;
    const dir = join(root, 'dl-dropping');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-dropping'), extraArgs: ['--no-dht', '--verbose'], timeoutMs: 240_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'payload.bin'), join(dir, 'payload.bin'));
    // Dials that timed out before the download was over: the first ten at least (D came first);
    // not every one of D, as when S waited behind them all.
    const timedOut = r.stderr.split('\n').filter((line) => /127\.4\.0\.\d+:\d+: connect timeout/.test(line)).length;
    expect(timedOut).toBeGreaterThanOrEqual(5);
    expect(timedOut).toBeLessThan(JUNK / 2);
  });
});
