/**
 * A swarm of hostile connections, not one: what 48 strangers together can make a `tessera seed`
 * hold (scripts/hostile-swarm.ts measures each flood at length). Each connection completes the
 * handshake, reads nothing, and
 *  - 16 ask for blocks while choked, without end (each earns a reject),
 *  - 16 send BEP 52 hash requests without end (each earns hashes or a reject),
 *  - 16 announce a 1 MiB extended message and trickle it.
 * Before the session-wide bounds the first kind alone grew the seed by ~480 MiB and held its
 * event loop for seconds. Now every one of them is closed by the seed, its resident memory
 * grows by less than 64 MiB meanwhile, and a fresh peer's handshake is still answered.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup, createTorrent, requireBuiltCli, startTesseraSeed, writeRandomFile } from '../support/index.js';
import { waitUntil } from '../support/test-utils.js';

const SIZE = 16 * 1024 * 1024;
const PIECE = 1024 * 1024;
const PER_KIND = 16;
const MAX_RSS_GROWTH = 64 * 1024 * 1024;
/** The session's send total (128 MiB) and read cache (32 MiB): what any number of peers may make the seed hold. */
const MAX_REJECT_FLOOD_GROWTH = 160 * 1024 * 1024;

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

function handshake(infoHash: Buffer, n: number): Buffer {
  const reserved = Buffer.from([0, 0, 0, 0, 0, 0x10, 0, 0x05]); // BEP 10, BEP 6, DHT
  const pstr = Buffer.from('BitTorrent protocol', 'latin1');
  return Buffer.concat([Buffer.from([pstr.length]), pstr, reserved, infoHash, Buffer.from(`-HS0001-${String(n).padStart(12, '0')}`, 'latin1')]);
}

function frame(id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = id;
  return Buffer.concat([head, payload]);
}

/** 4096 copies of one message: what a flooder writes each round. */
function flood(message: Buffer): Buffer {
  return Buffer.concat(Array.from({ length: 4096 }, () => message));
}

async function rss(pid: number): Promise<number> {
  const kib = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kib) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

describe('a swarm of hostile peers', () => {
  it('is closed by the seed within a session-wide memory bound, and the seed still answers', async () => {
    requireBuiltCli();
    const root = await cleanup.tempDir('hostile-swarm');
    await writeRandomFile(join(root, 'src', 'data.bin'), SIZE, 'hostile-swarm');
    const t = await createTorrent({ path: join(root, 'src', 'data.bin'), out: join(root, 'data.torrent'), pieceLength: PIECE, hybrid: true });
    const seed = await startTesseraSeed(cleanup, { torrent: join(root, 'data.torrent'), dir: join(root, 'src'), stateDir: join(root, 'state'), extraArgs: ['--no-lsd', '--no-port-mapping', '--no-utp'] });
    const pid = seed.proc.child.pid ?? 0;
    const infoHash = Buffer.from(t.infoHash, 'hex');
    const bytes = await readFile(join(root, 'data.torrent'));
    const at = bytes.indexOf('11:pieces root32:');
    expect(at).toBeGreaterThan(0);
    const pieceRoot = bytes.subarray(at + 17, at + 17 + 32);

    const request = Buffer.alloc(12);
    request.writeUInt32BE(16384, 8);
    const hashRequest = Buffer.alloc(48);
    pieceRoot.copy(hashRequest);
    hashRequest.writeUInt32BE(6, 32); // the piece layer of 1 MiB pieces
    hashRequest.writeUInt32BE(2, 40);
    const kinds: Array<{ name: string; round: Buffer | null; opening: Buffer }> = [
      { name: 'request flood', round: flood(frame(6, request)), opening: Buffer.alloc(0) },
      { name: 'hash request flood', round: flood(frame(21, hashRequest)), opening: Buffer.alloc(0) },
      // A 1 MiB extended message, of which 60 KiB arrive.
      { name: 'partial message', round: null, opening: Buffer.concat([Buffer.from([0, 0x10, 0, 0, 20]), Buffer.alloc(60 * 1024)]) },
    ];

    const before = await rss(pid);
    const sockets: Array<{ kind: string; socket: Socket; closed: boolean }> = [];
    let n = 0;
    for (const kind of kinds) {
      for (let i = 0; i < PER_KIND; i++) {
        const socket = connect({ host: '127.0.0.1', port: seed.port, localAddress: `127.0.0.${2 + (n % 100)}` });
        const entry = { kind: kind.name, socket, closed: false };
        sockets.push(entry);
        const id = n++;
        socket.on('error', () => undefined);
        socket.on('close', () => (entry.closed = true));
        socket.on('connect', () => {
          socket.write(Buffer.concat([handshake(infoHash, id), kind.opening]));
          // The partial message's sender reads (and drops) what it gets, so it sees the seed close it.
          if (!kind.round) return void socket.resume();
          socket.pause(); // reads nothing the seed sends; it sees the close when a write fails
          const round = kind.round;
          const timer = setInterval(() => {
            if (socket.destroyed) return clearInterval(timer);
            if (socket.writableLength < 1024 * 1024) socket.write(round);
          }, 10);
        });
      }
    }
    cleanup.add(() => sockets.forEach((s) => s.socket.destroy()));

    let peak = before;
    const story = (): string => `open: ${sockets.filter((s) => !s.closed).map((s) => s.kind).join(', ')}\n${seed.proc.describe()}`;
    await waitUntil('the seed closed every hostile connection', async () => {
      peak = Math.max(peak, await rss(pid));
      // Fails at once rather than waiting for closes that may never come.
      if (peak - before >= MAX_RSS_GROWTH) throw new Error(`the seed grew by ${((peak - before) / 2 ** 20).toFixed(1)} MiB\n${story()}`);
      return sockets.every((s) => s.closed);
    }, { alive: () => seed.proc.exitInfo === null, pollMs: 50 });
    peak = Math.max(peak, await rss(pid));
    console.log(`hostile swarm: ${sockets.length} connections, seed RSS ${(before / 2 ** 20).toFixed(1)} MiB before, ${(peak / 2 ** 20).toFixed(1)} MiB at peak`);
    expect(peak - before, story()).toBeLessThan(MAX_RSS_GROWTH);

    // The seed still answers a newcomer's handshake.
    const answered = await new Promise<boolean>((resolve) => {
      const probe = connect({ host: '127.0.0.1', port: seed.port });
      let got = 0;
      probe.on('error', () => resolve(false));
      probe.on('close', () => resolve(got >= 68));
      probe.on('connect', () => probe.write(handshake(infoHash, 999)));
      probe.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= 68) probe.destroy();
      });
    });
    expect(answered).toBe(true);
    expect(seed.proc.exitInfo).toBeNull();
  });

  it('interested peers that flood valid requests past our reqq and read nothing hold the seed to its send bound', async () => {
    // Unchoked (ten fit in the upload slots), their requests are valid: beyond reqq each earns a
    // 17-byte reject. Written one by one, each reject cost ~300 bytes of heap that the bound did
    // not see: 10 such peers for 5 s grew the seed by 264 MiB. The bound is the session's send
    // total (128 MiB) plus its read cache (32 MiB); gathered, the rejects stay far under it.
    requireBuiltCli();
    const root = await cleanup.tempDir('reject-flood');
    await writeRandomFile(join(root, 'src', 'data.bin'), SIZE, 'reject-flood');
    const t = await createTorrent({ path: join(root, 'src', 'data.bin'), out: join(root, 'data.torrent'), pieceLength: PIECE });
    const seed = await startTesseraSeed(cleanup, { torrent: join(root, 'data.torrent'), dir: join(root, 'src'), stateDir: join(root, 'state'), extraArgs: ['--no-lsd', '--no-port-mapping', '--no-utp'] });
    const pid = seed.proc.child.pid ?? 0;
    const infoHash = Buffer.from(t.infoHash, 'hex');
    const blocks = SIZE / 16384;
    const round = Buffer.concat(
      Array.from({ length: 4096 }, (_, k) => {
        const payload = Buffer.alloc(12);
        payload.writeUInt32BE(Math.floor((k % blocks) / (PIECE / 16384)), 0);
        payload.writeUInt32BE((k % (PIECE / 16384)) * 16384, 4);
        payload.writeUInt32BE(16384, 8);
        return frame(6, payload);
      }),
    );
    const before = await rss(pid);
    const sockets: Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const socket = connect({ host: '127.0.0.1', port: seed.port, localAddress: `127.0.1.${2 + i}` });
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('connect', () => {
        socket.write(Buffer.concat([handshake(infoHash, 500 + i), frame(2, Buffer.alloc(0))]));
        socket.pause();
        const timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          if (socket.writableLength < 4 * 1024 * 1024) socket.write(round);
        }, 20);
      });
    }
    cleanup.add(() => sockets.forEach((s) => s.destroy()));
    let peak = before;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      peak = Math.max(peak, await rss(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`reject flood: seed RSS ${(before / 2 ** 20).toFixed(1)} MiB before, ${(peak / 2 ** 20).toFixed(1)} MiB at peak`);
    expect(peak - before, seed.proc.describe()).toBeLessThan(MAX_REJECT_FLOOD_GROWTH);
    expect(seed.proc.exitInfo).toBeNull();
  });
});
