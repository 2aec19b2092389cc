/**
 * Issue 10, item 4: a stranger's connection flood must not take every file descriptor.
 *
 * The built web host runs with its open-file limit lowered to 1024 (prlimit), seeding a torrent.
 * A flood of 1,100 silent TCP connections to its BitTorrent port (each reopened when dropped)
 * and a slowloris of 300 connections on its web port (request headers sent a line at a time,
 * reopened when dropped) run while we check that the UI's HTTP endpoint and WebSocket API still
 * answer, a libtorrent leecher still connects and downloads everything, and resume data is still
 * saved. The figures (HTTP latency, file descriptors in use, connections dropped) are printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bytesToBase64, createWebSocketClient, type TesseraEvent, type WebSocketConstructor } from '../../shared/contract/index.js';
import { Cleanup } from '../support/cleanup.js';
import { writeRandomFile } from '../support/data.js';
import { runLtLeecher } from '../support/libtorrent.js';
import { ManagedProcess } from '../support/process.js';
import { createTorrent } from '../support/torrent.js';
import { REPO_ROOT } from '../support/tools.js';

const HOST_MAIN = join(REPO_ROOT, 'dist', 'electron', 'host', 'main.js');
const FD_LIMIT = 1024;
const SIZE = 8 * 1024 * 1024;
const SILENT = 1100;
const SLOW = 300;

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/**
 * Keeps `count` connections open to 127.0.0.1:port from the given source addresses, opening a
 * new one whenever one is closed (after `reopenMs`, as a flooding script would).
 */
class Flood {
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  opened = 0;
  dropped = 0;

  constructor(
    private readonly port: number,
    private readonly sources: string[],
    private readonly onConnect: (socket: Socket) => void,
    private readonly reopenMs = 1000,
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.open(this.sources[i % this.sources.length] ?? '127.0.0.1');
  }

  private open(source: string): void {
    if (this.stopped) return;
    const socket = connect({ host: '127.0.0.1', port: this.port, localAddress: source });
    this.sockets.add(socket);
    socket.on('connect', () => {
      this.opened++;
      this.onConnect(socket);
    });
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.dropped++;
      if (!this.stopped) setTimeout(() => this.open(source), this.reopenMs).unref();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
  }
}

function fdsInUse(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** GET / from 127.0.0.1 on a fresh connection: status and milliseconds. */
function timedGet(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end();
  });
}

describe('connection flood with the open-file limit at 1024', () => {
  it('keeps the UI, a real peer and resume saving working', async () => {
    const root = await cleanup.tempDir('flood');
    const data = join(root, 'data');
    const payload = join(data, 'flood.bin');
    await writeRandomFile(payload, SIZE, 'connection-flood');
    const torrent = await createTorrent({ path: payload, out: join(root, 'flood.torrent'), pieceLength: 256 * 1024 });
    const stateDir = join(root, 'state');

    const host = new ManagedProcess(
      'prlimit',
      [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, HOST_MAIN, '--port', '0', '--dir', stateDir, '--download-dir', data, '--listen-port', '0', '--listen-host', '127.0.0.1'],
      { env: { ...process.env, NO_COLOR: '1', TESSERA_DHT_BOOTSTRAP: '' }, label: 'tessera-web' },
    );
    cleanup.add(() => host.stop());
    const urlLine = await host.waitForLine(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/, 30_000);
    const btLine = await host.waitForLine(/BitTorrent listening port: \d+/, 30_000);
    const url = new URL(/http:\/\/\S+/.exec(urlLine)?.[0] ?? '');
    const webPort = Number(url.port);
    const btPort = Number(/port: (\d+)/.exec(btLine)?.[1]);
    const pid = host.child.pid ?? 0;
    expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(new RegExp(`Max open files\\s+${FD_LIMIT}\\s+${FD_LIMIT}`));
    const fdsBefore = fdsInUse(pid);

    // The torrent, its data already in the download folder: checked, then seeding.
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${webPort}/ws?token=${url.searchParams.get('token')}`, WebSocket: WebSocket as unknown as WebSocketConstructor });
    cleanup.add(() => client.close());
    let state = '';
    let connected = false;
    client.subscribe((e: TesseraEvent) => {
      if (e.type === 'snapshot') connected = true;
      if (e.type === 'snapshot' || e.type === 'summaries') state = e.torrents.find((t) => t.infoHash === torrent.infoHash)?.state ?? state;
      if (e.type === 'torrentAdded' && e.torrent.infoHash === torrent.infoHash) state = e.torrent.state;
      // After the snapshot the service sends only what changed.
      if (e.type === 'summaryChanges') state = e.torrents.find((t) => t.infoHash === torrent.infoHash)?.state ?? state;
    });
    await expect.poll(() => connected, { timeout: 30_000 }).toBe(true);
    await client.addTorrentFile({ fileName: 'flood.torrent', data: bytesToBase64(await readFile(torrent.torrentPath)) });
    await expect.poll(() => state, { timeout: 60_000 }).toBe('seeding');

    // The flood: silent connections to the BitTorrent port, a slowloris on the web port.
    const silent = new Flood(btPort, ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'], () => undefined);
    const slow = new Flood(webPort, ['127.0.0.6', '127.0.0.7'], (socket) => {
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${webPort}\r\n`);
      const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 2000);
      socket.on('close', () => clearInterval(drip));
    });
    cleanup.add(() => {
      silent.stop();
      slow.stop();
    });
    silent.start(SILENT);
    slow.start(SLOW);
    // Every connection of both floods has been made, and the host has been dropping them.
    await expect.poll(() => silent.opened, { timeout: 120_000 }).toBeGreaterThanOrEqual(SILENT);
    await expect.poll(() => slow.opened, { timeout: 120_000 }).toBeGreaterThanOrEqual(SLOW);
    await expect.poll(() => silent.dropped, { timeout: 60_000 }).toBeGreaterThanOrEqual(SILENT - 64);
    await expect.poll(() => slow.dropped, { timeout: 60_000 }).toBeGreaterThanOrEqual(SLOW - 128);

    // Under the flood: the UI's HTTP endpoint and the API answer.
    const fdsUnderFlood = fdsInUse(pid);
    const gets = [];
    for (let i = 0; i < 5; i++) gets.push(await timedGet(webPort));
    expect(gets.map((g) => g.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await client.getSettings()).downloadDir).toBe(data);

    // A real peer connects through the flood and downloads everything.
    const leech = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: join(root, 'leech'), host: '127.0.0.9', peers: [`127.0.0.1:${btPort}`], timeoutSeconds: 180, progressInterval: 0 });
    expect(leech.bytes).toBe(SIZE);
    expect(leech.hashFailures).toBe(0);

    // Resume data is still saved (pausing writes the record), and settings too.
    const resumeFile = join(stateDir, 'torrents', `${torrent.infoHash}.resume`);
    const before = await stat(resumeFile).then((s) => s.mtimeMs, () => 0);
    await client.pause({ infoHash: torrent.infoHash });
    await expect.poll(async () => (await readFile(resumeFile).catch(() => Buffer.alloc(0))).includes('6:pausedi1e'), { timeout: 30_000 }).toBe(true);
    expect((await stat(resumeFile)).mtimeMs).toBeGreaterThanOrEqual(before);
    await client.setSettings({ maxPeersPerTorrent: 33 });
    expect(JSON.parse(await readFile(join(stateDir, 'settings.json'), 'utf8'))).toMatchObject({ maxPeersPerTorrent: 33 });

    const fdsAtEnd = fdsInUse(pid);
    expect(host.stderr).not.toMatch(/EMFILE|saving resume data failed/);
    expect(fdsUnderFlood).toBeLessThan(FD_LIMIT * 0.75);

    const latencies = gets.map((g) => g.ms.toFixed(1)).join(', ');
    process.stderr.write(
      `connection flood figures: fd limit ${FD_LIMIT}; fds in use before ${fdsBefore}, under flood ${fdsUnderFlood}, at end ${fdsAtEnd}; ` +
        `silent connections opened ${silent.opened}, dropped ${silent.dropped}; slowloris opened ${slow.opened}, dropped ${slow.dropped}; ` +
        `GET / latency under flood (ms): ${latencies}; libtorrent leecher: ${leech.bytes} bytes in ${leech.seconds.toFixed(2)} s\n`,
    );
    silent.stop();
    slow.stop();
    await host.stop();
  });
});
