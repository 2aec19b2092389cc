/**
 * What peers that request blocks and read nothing make a session seeding many torrents hold:
 * the upload read caches (pieces cached, held by queued blocks, spare buffers) were per torrent
 * before storage/read-cache-shares.ts, ~48 MiB each. Run:
 *
 *   npx tsx scripts/seeding-torrents-memory.ts [torrents] [peersPerTorrent] [seconds]
 *
 * A child process runs one session seeding `torrents` torrents of 32 MiB (1 MiB pieces); each
 * gets `peersPerTorrent` connections that, once unchoked, ask for 500 blocks spread over every
 * piece and read nothing more. Prints the child's resident memory before, at its peak, and 15 s
 * after the peers left (the caches of idle torrents give their memory back).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { interested } from '../electron/engine/wire/encode.js';
import { encodeHandshake } from '../electron/engine/wire/handshake.js';
import { requestOnceUnchoked } from './non-reading-peer.js';
import { Cleanup, createTorrent, writeRandomFile } from '../e2e/support/index.js';

const SIZE = 32 * 1024 * 1024;
const PIECE = 1024 * 1024;
const PIECES = SIZE / PIECE;

async function child(root: string, count: number): Promise<void> {
  const { createSession } = await import('../electron/engine/index.js');
  const session = await createSession({ downloadDir: join(root, 'data'), port: 0, dht: false, lsd: false, portMapping: false, utp: false, restore: false });
  const torrents = [];
  for (let i = 0; i < count; i++) torrents.push(await session.add({ kind: 'torrent', bytes: await readFile(join(root, `t${i}.torrent`)) }));
  while (torrents.some((t) => t.stats().state !== 'seeding')) await new Promise((r) => setTimeout(r, 200));
  process.stdout.write(`${JSON.stringify({ port: session.port })}\n`);
}

/** Our handshake as the engine writes it (BEP 6 fast extension, BEP 10, DHT), under a peer id of its own. */
function handshake(infoHash: Buffer, n: number): Buffer {
  return encodeHandshake(infoHash, Buffer.from(`-MM0001-${String(n).padStart(12, '0')}`, 'latin1'));
}

/** Interested; once unchoked, 500 requests over every piece, then it never reads again. */
function nonReader(port: number, infoHash: Buffer, n: number): Socket {
  const sock = connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (n % 200)}` });
  sock.on('error', () => undefined);
  sock.on('connect', () => sock.write(Buffer.concat([handshake(infoHash, n), interested()])));
  requestOnceUnchoked(sock, PIECES);
  return sock;
}

async function rss(pid: number): Promise<number> {
  const kib = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20);
  const perTorrent = Number(process.argv[3] ?? 4);
  const seconds = Number(process.argv[4] ?? 20);
  const cleanup = new Cleanup();
  try {
    const root = await cleanup.tempDir('seeding-memory');
    const hashes: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const file = join(root, 'data', `f${i}.bin`);
      await writeRandomFile(file, SIZE, `seeding-memory-${i}`);
      hashes.push(Buffer.from((await createTorrent({ path: file, out: join(root, `t${i}.torrent`), pieceLength: PIECE })).infoHash, 'hex'));
    }
    const proc = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--child', root, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.add(() => void proc.kill());
    const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout }).once('line', resolve));
    const { port } = JSON.parse(line) as { port: number };
    const pid = proc.pid ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    const before = await rss(pid);
    const sockets: Socket[] = [];
    for (let i = 0; i < count; i++) for (let k = 0; k < perTorrent; k++) sockets.push(nonReader(port, hashes[i]!, i * perTorrent + k));
    let peak = before;
    for (const end = Date.now() + seconds * 1000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) peak = Math.max(peak, await rss(pid));
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 15_000));
    const after = await rss(pid);
    const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
    console.log(JSON.stringify({ torrents: count, peersPerTorrent: perTorrent, seconds, rssBefore: mib(before), rssPeak: mib(peak), growth: mib(peak - before), rssAfter15s: mib(after) }));
  } finally {
    await cleanup.run();
  }
}

if (process.argv[2] === '--child') void child(process.argv[3]!, Number(process.argv[4]));
else void main();
