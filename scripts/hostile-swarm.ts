/**
 * Many hostile connections against one `tessera seed`: what a swarm of strangers (not one) can
 * make the process hold. Run after `npm run build`:
 *
 *   npx tsx scripts/hostile-swarm.ts [mode] [connections] [seconds]
 *
 * Modes (each connection does the same):
 *   rejects  fast extension; asks for blocks while choked (each request earns a reject) and reads nothing
 *   partial  announces a message of 1 MiB, sends all of it but its last byte, and stops
 *   blocks   interested; once unchoked asks for 500 blocks over every piece (its reqq) and reads nothing
 *   hashes   BEP 52 hash requests for the piece layer (a hybrid torrent) and reads nothing
 *   silent   connects and never sends a handshake
 *
 * Prints the seed's resident memory before, at its peak and after, and how long the seed took to
 * answer a fresh peer's handshake meanwhile (a stand-in for its event-loop delay).
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { extended, interested, requestBatch } from '../electron/engine/wire/encode.js';
import { encodeHandshake, HANDSHAKE_LENGTH } from '../electron/engine/wire/handshake.js';
import { encodeHashRequest } from '../electron/engine/wire/hash-messages.js';
import { requestOnceUnchoked } from './non-reading-peer.js';
import { Cleanup, createTorrent, startTesseraSeed, writeRandomFile, type TorrentInfo } from '../e2e/support/index.js';

type Mode = 'rejects' | 'partial' | 'blocks' | 'hashes' | 'silent';
const MODES: readonly Mode[] = ['rejects', 'partial', 'blocks', 'hashes', 'silent'];

const mode = (process.argv[2] ?? 'rejects') as Mode;
const connections = Number(process.argv[3] ?? 50);
const seconds = Number(process.argv[4] ?? 10);
if (!MODES.includes(mode)) throw new Error(`mode must be one of ${MODES.join(', ')}`);

const SIZE = 64 * 1024 * 1024;
const PIECE = 1024 * 1024;
const BLOCK = 16 * 1024;

/** Our handshake as the engine writes it (BEP 10, BEP 6 and DHT bits set), under a peer id of its own. */
function handshake(infoHash: Buffer, i: number): Buffer {
  return encodeHandshake(infoHash, Buffer.from(`-HS0001-${String(i).padStart(12, '0')}`, 'latin1'));
}

/** A BEP 52 request for 2 hashes of the piece layer (layer 6 for 1 MiB pieces), no proof layers. */
function hashRequest(root: Buffer, index: number): Buffer {
  return encodeHashRequest({ root, baseLayer: 6, index, length: 2, proofLayers: 0 });
}

async function rss(pid: number): Promise<number> {
  const kib = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}

/** Milliseconds from a fresh connection's handshake to the seed's answer (null: none within 10 s). */
function probe(port: number, infoHash: Buffer): Promise<number | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.250' });
    let got = 0;
    const done = (v: number | null): void => {
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), 10_000);
    s.on('error', () => done(null));
    s.on('close', () => done(null));
    s.on('connect', () => s.write(handshake(infoHash, 999_999)));
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= HANDSHAKE_LENGTH) {
        clearTimeout(timer);
        done(performance.now() - started);
      }
    });
  });
}

function attack(sock: Socket, i: number, t: TorrentInfo, infoHash: Buffer, root: Buffer | null): () => void {
  const timers: NodeJS.Timeout[] = [];
  sock.write(handshake(infoHash, i));
  if (mode === 'silent') return () => undefined;
  sock.pause();
  if (mode === 'partial') {
    // The attack is the truncation: a well-formed 1 MiB extended message, all of it but its last byte.
    sock.write(extended(0, Buffer.alloc(1024 * 1024 - 2)).subarray(0, -1));
    return () => undefined;
  }
  sock.write(interested());
  if (mode === 'blocks') {
    requestOnceUnchoked(sock, t.pieces);
    return () => undefined;
  }
  let next = 0;
  const blocks = (t.pieceLength / BLOCK) * t.pieces;
  const batch = (): void => {
    if (sock.destroyed || sock.writableLength > 4 * 1024 * 1024) return;
    if (mode === 'hashes' && root) {
      sock.write(Buffer.concat(Array.from({ length: 4096 }, () => hashRequest(root, (next++ * 2) % t.pieces))));
      return;
    }
    sock.write(
      requestBatch(
        Array.from({ length: 4096 }, () => {
          const n = next++;
          return [Math.floor((n % blocks) / (t.pieceLength / BLOCK)), (n % (t.pieceLength / BLOCK)) * BLOCK, BLOCK] as const;
        }),
      ),
    );
  };
  timers.push(setInterval(batch, 20));
  return () => timers.forEach(clearInterval);
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const root = await cleanup.tempDir('hostile-swarm');
    await writeRandomFile(join(root, 'src', 'data.bin'), SIZE, 'hostile-swarm');
    const t = await createTorrent({ path: join(root, 'src', 'data.bin'), out: join(root, 'data.torrent'), pieceLength: PIECE, hybrid: mode === 'hashes' });
    const seed = await startTesseraSeed(cleanup, { torrent: join(root, 'data.torrent'), dir: join(root, 'src'), stateDir: join(root, 'state'), extraArgs: ['--no-lsd', '--no-port-mapping', '--no-utp'] });
    const pid = seed.proc.child.pid ?? 0;
    const infoHash = Buffer.from(t.infoHash, 'hex');
    const v2root = mode === 'hashes' ? await pieceRoot(join(root, 'data.torrent')) : null;
    await new Promise((r) => setTimeout(r, 1000));
    const before = await rss(pid);
    const baseline = await probe(seed.port, infoHash);

    const sockets: Socket[] = [];
    const stops: Array<() => void> = [];
    let closedBySeed = 0;
    let stopping = false;
    for (let i = 0; i < connections; i++) {
      const s = connect({ host: '127.0.0.1', port: seed.port, localAddress: `127.0.0.${2 + (i % 200)}` });
      s.on('error', () => undefined);
      s.on('close', () => stopping || closedBySeed++);
      s.on('connect', () => stops.push(attack(s, i, t, infoHash, v2root)));
      sockets.push(s);
    }
    let peak = before;
    const probes: number[] = [];
    let failedProbes = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      peak = Math.max(peak, await rss(pid));
      const ms = await probe(seed.port, infoHash);
      if (ms === null) failedProbes++;
      else probes.push(ms);
      await new Promise((r) => setTimeout(r, 200));
    }
    peak = Math.max(peak, await rss(pid));
    stopping = true;
    stops.forEach((s) => s());
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 2000));
    const after = await rss(pid);
    probes.sort((a, b) => a - b);
    const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
    console.log(
      JSON.stringify({
        mode,
        connections,
        seconds,
        rssBefore: mib(before),
        rssPeak: mib(peak),
        rssAfter: mib(after),
        growth: mib(peak - before),
        closedBySeed,
        handshakeMs: { baseline: baseline?.toFixed(1), median: probes[Math.floor(probes.length / 2)]?.toFixed(1), max: probes.at(-1)?.toFixed(1), failed: failedProbes },
        seedAlive: seed.proc.exitInfo === null,
      }),
    );
    if (process.env.SWARM_VERBOSE) console.log(seed.proc.describe().slice(-3000));
  } finally {
    await cleanup.run();
  }
}

/** The first file's pieces root (BEP 52) from a hybrid .torrent, found by its key in the raw bytes. */
async function pieceRoot(torrentPath: string): Promise<Buffer> {
  const bytes = await readFile(torrentPath);
  const at = bytes.indexOf('11:pieces root32:');
  if (at < 0) throw new Error('no pieces root');
  return bytes.subarray(at + 17, at + 17 + 32);
}

void main();
