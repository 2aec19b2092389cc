/**
 * Issue 12, item 3: IPv6 with libtorrent over ::1 (nothing here listens on or dials IPv4).
 *
 * 1. `tessera download --peer [::1]:P` from a libtorrent seeder listening on [::1] only.
 * 2. A libtorrent leecher on [::1] downloads from `tessera seed` (default listen: IPv4 and IPv6).
 * 3. An HTTP tracker on [::1] (opentracker here is built IPv4-only: "V4 Tracker is V4 only!")
 *    that answers with BEP 7 `peers6` only: Tessera, given no peer, finds the seeder through it.
 * 4. BEP 32 DHT over IPv6: a libtorrent bootstrap node and a libtorrent seeder with DHT, both on
 *    [::1]; `tessera download --dht-bootstrap [::1]:B` (no peer, no tracker) finds the seeder in
 *    18-byte `values` and downloads. Then a libtorrent node that knows only Tessera's IPv6 DHT
 *    node finds, through it, a peer only Tessera stores (its `values`) and the bootstrap node
 *    (its `nodes6`), and announces to it with its token.
 */
import { createSocket } from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../electron/engine/bencode/index.js';
import { randomId, toHex } from '../../electron/engine/dht/ids.js';
import { decodeMessage, encodeQuery } from '../../electron/engine/dht/krpc.js';
import { DhtNode } from '../../electron/engine/dht/node.js';
import { encodeCompactPeers4, encodeCompactPeers6 } from '../../electron/engine/tracker/compact.js';
import type { PeerAddress } from '../../electron/engine/api.js';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  ManagedProcess,
  PYTHON,
  requireBuiltCli,
  requireIpv6Loopback,
  requireTool,
  runLtLeecher,
  startLtSeeder,
  startTesseraSeed,
  tesseraDownload,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';
import { pollFor } from '../support/test-utils.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const V6 = '::1';
const SIZE = 640 * 1024 - 333;
const PIECE = 32 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  await requireIpv6Loopback();
  root = await cleanup.tempDir('ipv6');
  await writeRandomFile(join(root, 'src', 'six.bin'), SIZE, 'ipv6-libtorrent');
  torrent = await createTorrent({ path: join(root, 'src', 'six.bin'), out: join(root, 'six.torrent'), pieceLength: PIECE });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), host: V6 });
});
afterAll(() => cleanup.run());

describe('IPv6 peers over ::1 with libtorrent', () => {
  it('tessera downloads from a libtorrent seeder given as --peer [::1]:P', async () => {
    expect(seeder.address).toBe(`[::1]:${seeder.port}`);
    const dir = join(root, 'dl-peer');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home-peer'), timeoutMs: 90_000, extraArgs: ['--no-dht'] });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'six.bin'), join(dir, 'six.bin'));
  });

  it('a libtorrent leecher on [::1] downloads from tessera seed (default listen: both families)', async () => {
    const tessera = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-seed') });
    const result = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, host: V6, peers: [`[::1]:${tessera.port}`], save: join(root, 'lt-leech'), timeoutSeconds: 90 });
    expect(result.bytes).toBeGreaterThanOrEqual(SIZE);
    expect(result.hashFailures).toBe(0);
    expect(result.peers.map((p) => p.endpoint)).toContain(`::1:${tessera.port}`);
    await assertSameFile(join(root, 'src', 'six.bin'), join(root, 'lt-leech', 'six.bin'));
    expect((await tessera.interrupt()).code).toBe(0);
  });
});

/** A minimal HTTP tracker: remembers who announced (source address + `port`), answers with the others. */
interface MiniTracker {
  url: string;
  announces: Array<{ from: string; port: number; infoHash: string }>;
  /** The compact lists of each reply, as sent. */
  replies: Array<{ peers: number; peers6: number }>;
}

/** The bytes of a percent-encoded query value (info_hash is binary: decodeURIComponent would reject it). */
function percentDecode(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && i + 2 < text.length) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(text.charCodeAt(i));
  }
  return Buffer.from(out);
}

async function startMiniTracker(host: string): Promise<MiniTracker> {
  const announces: MiniTracker['announces'] = [];
  const replies: MiniTracker['replies'] = [];
  const server = http.createServer((req, res) => {
    const query = (req.url ?? '').split('?')[1] ?? '';
    const fields = new Map<string, string>();
    for (const part of query.split('&')) {
      const [k = '', v = ''] = part.split('=');
      fields.set(k, v);
    }
    const infoHash = percentDecode(fields.get('info_hash') ?? '').toString('hex');
    const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const port = Number(fields.get('port'));
    if (!announces.some((a) => a.from === from && a.port === port && a.infoHash === infoHash)) announces.push({ from, port, infoHash });
    const others: PeerAddress[] = announces.filter((a) => a.infoHash === infoHash && !(a.from === from && a.port === port)).map((a) => ({ host: a.from, port: a.port }));
    const peers = encodeCompactPeers4(others);
    const peers6 = encodeCompactPeers6(others);
    replies.push({ peers: peers.length / 6, peers6: peers6.length / 18 });
    res.end(Buffer.from(encode({ interval: 60, 'min interval': 10, peers, peers6 })));
  });
  cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://[${host}]:${port}/announce`, announces, replies };
}

describe('HTTP tracker reply with peers6 (BEP 7)', () => {
  it('tessera, given no peer, finds the libtorrent seeder in peers6 and downloads', async () => {
    const tracker = await startMiniTracker(V6);
    const tracked = await createTorrent({ path: join(root, 'src', 'six.bin'), out: join(root, 'tracked.torrent'), pieceLength: PIECE, trackers: [tracker.url] });
    const trackedSeeder = await startLtSeeder(cleanup, { torrents: [tracked.torrentPath], save: join(root, 'src'), host: V6 });
    await pollFor('the libtorrent seeder announces to the IPv6 tracker', 60_000, () => Promise.resolve(tracker.announces.find((a) => a.port === trackedSeeder.port) ?? null), 100);
    const dir = join(root, 'dl-tracker');
    const r = await tesseraDownload({ torrent: tracked.torrentPath, dir, peers: [], configHome: join(root, 'home-tracker'), timeoutMs: 90_000, extraArgs: ['--no-dht'] });
    assertDownloadOk(r, { torrent: tracked, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'six.bin'), join(dir, 'six.bin'));
    // Tessera announced over IPv6 and was answered with IPv6 peers only.
    const tesseraAnnounce = tracker.announces.find((a) => a.port !== trackedSeeder.port);
    expect(tesseraAnnounce?.from).toBe(V6);
    expect(tracker.replies.some((reply) => reply.peers6 >= 1 && reply.peers === 0)).toBe(true);
  });
});

/** A libtorrent DHT node driven over stdin/stdout (lt_dht_node.py), listening on [::1]. */
class LtDhtNode {
  private constructor(readonly proc: ManagedProcess, readonly port: number) {}

  get address(): string {
    return `[::1]:${this.port}`;
  }

  static async start(bootstrap: string[], label: string): Promise<LtDhtNode> {
    const args = [join(HERE, 'lt_dht_node.py'), '--listen', '[::1]:0', '--dht-bootstrap', bootstrap.join(',')];
    const proc = new ManagedProcess(PYTHON, args, { label });
    cleanup.add(() => proc.stop());
    const line = await proc.waitForLine(/^READY /, 60_000);
    return new LtDhtNode(proc, (JSON.parse(line.slice('READY '.length)) as { port: number }).port);
  }

  send(command: Record<string, unknown>): void {
    this.proc.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** The first JSON event after line `from` that satisfies `match`. */
  async next(from: number, match: (event: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    return pollFor(
      `${this.proc.label}: a matching event`,
      timeoutMs,
      () => {
        if (this.proc.exitInfo) throw new Error(`${this.proc.label} exited.\n${this.proc.describe()}`);
        for (const line of this.proc.lines.slice(from)) {
          if (!line.startsWith('{')) continue;
          const event = JSON.parse(line) as Record<string, unknown>;
          if (match(event)) return Promise.resolve(event);
        }
        return Promise.resolve(null);
      },
      50,
    );
  }

  async getPeers(infoHash: string): Promise<string[]> {
    const from = this.proc.lines.length;
    this.send({ cmd: 'get_peers', infoHash });
    return ((await this.next(from, (e) => e.event === 'peers' && e.infoHash === infoHash, 60_000)).peers as string[]) ?? [];
  }

  async nodes(): Promise<string[]> {
    const from = this.proc.lines.length;
    this.send({ cmd: 'nodes' });
    return (((await this.next(from, (e) => e.event === 'nodes', 20_000)).nodes as Array<{ endpoint: string }>) ?? []).map((n) => n.endpoint);
  }
}

/** get_peers then announce_peer to one node only (so only that node stores the peer). */
async function announceToOneNode(node: PeerAddress, infoHash: Uint8Array, port: number): Promise<void> {
  const socket = createSocket('udp6');
  await new Promise<void>((resolve) => socket.bind(0, V6, resolve));
  const ask = (packet: Uint8Array): Promise<ReturnType<typeof decodeMessage>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), 10_000);
      const onMessage = (data: Buffer): void => {
        const decoded = decodeMessage(data);
        if (decoded.ok && decoded.message.type === 'query') return; // its ping-back
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(decoded);
      };
      socket.on('message', onMessage);
      socket.send(packet, node.port, node.host);
    });
  try {
    const id = randomId();
    const reply = await ask(encodeQuery(new Uint8Array([0, 1]), id, { method: 'get_peers', infoHash }));
    if (!reply.ok || reply.message.type !== 'response' || !reply.message.token) throw new Error('get_peers gave no token');
    const ack = await ask(encodeQuery(new Uint8Array([0, 2]), id, { method: 'announce_peer', infoHash, port, token: reply.message.token }));
    if (!ack.ok || ack.message.type !== 'response') throw new Error(`announce_peer refused: ${JSON.stringify(ack)}`);
  } finally {
    socket.close();
  }
}

const eventually = <T,>(what: string, timeoutMs: number, attempt: () => Promise<T | null>): Promise<T> => pollFor(what, timeoutMs, attempt, 1000);

describe('DHT over IPv6 (BEP 32) with libtorrent', () => {
  it('tessera finds a libtorrent seeder through an IPv6-only DHT and downloads', async () => {
    const bootstrap = await LtDhtNode.start([], 'lt_dht6_bootstrap');
    const dhtTorrent = torrent;
    const dhtSeeder = await startLtSeeder(cleanup, { torrents: [dhtTorrent.torrentPath], save: join(root, 'src'), host: V6, dht: true, dhtBootstrap: [bootstrap.address] });
    // The seeder's announce has reached the bootstrap node: a lookup there returns it.
    await eventually('the libtorrent seeder is announced on the IPv6 DHT', 150_000, async () => {
      const peers = await bootstrap.getPeers(dhtTorrent.infoHash);
      return peers.includes(`::1:${dhtSeeder.port}`) ? peers : null;
    });
    const dir = join(root, 'dl-dht');
    const r = await tesseraDownload({
      torrent: dhtTorrent.torrentPath,
      dir,
      peers: [],
      configHome: join(root, 'home-dht'),
      timeoutMs: 150_000,
      extraArgs: ['--dht-bootstrap', bootstrap.address, '--verbose'],
    });
    assertDownloadOk(r, { torrent: dhtTorrent, peers: 1, hashFailures: 0 });
    expect(r.stderr).toMatch(/listening on port \d+ \(IPv4 and IPv6\)/);
    await assertSameFile(join(root, 'src', 'six.bin'), join(dir, 'six.bin'));
  });

  it("libtorrent reads Tessera's IPv6 node: nodes6, 18-byte values, and announces with its token", async () => {
    const bootstrap = await LtDhtNode.start([], 'lt_dht6_bootstrap2');
    const tessera = new DhtNode({ host: V6, port: 0, bootstrap: [bootstrap.address], queryTimeoutMs: 2000, restrictRoutingIps: false });
    cleanup.add(() => tessera.close());
    await tessera.start();
    await tessera.bootstrap();
    expect(tessera.family).toBe(6);
    expect(tessera.nodes().map((n) => `[${n.host}]:${n.port}`)).toContain(bootstrap.address);

    const onlyTessera = randomId();
    await announceToOneNode(tessera.address(), onlyTessera, 6543);
    const incoming: string[] = [];
    tessera.on('announce', (hash, peer) => incoming.push(`${hash} ${peer.host}:${peer.port}`));

    const client = await LtDhtNode.start([], 'lt_dht6_client');
    client.send({ cmd: 'add_node', host: V6, port: tessera.address().port });
    await eventually('libtorrent adds Tessera to its IPv6 routing table', 30_000, async () => ((await client.nodes()).includes(`::1:${tessera.address().port}`) ? true : null));
    // Only Tessera stores this peer: libtorrent read Tessera's 18-byte `values`.
    expect(await client.getPeers(toHex(onlyTessera))).toContain('::1:6543');
    // The client knew nobody but Tessera: the bootstrap node is in its table only because
    // Tessera's `nodes6` (in the get_peers reply above) named it.
    await eventually("libtorrent learns the bootstrap node from Tessera's nodes6", 60_000, async () => ((await client.nodes()).includes(`::1:${bootstrap.port}`) ? true : null));
    const magnetHash = toHex(randomId());
    client.send({ cmd: 'add_magnet', infoHash: magnetHash, save: join(root, 'magnet6') });
    const entry = await eventually('libtorrent announces its magnet to Tessera over IPv6', 60_000, async () => incoming.find((line) => line.startsWith(magnetHash)) ?? null);
    expect(entry).toMatch(new RegExp(`^${magnetHash} ::1:\\d+$`));
    expect(tessera.stats().garbage).toBe(0);
  });
});
