/**
 * Issue 4, DHT against libtorrent on 127.0.0.1 (settings per e2e/support/README.md, "libtorrent on loopback"):
 *
 *   B  libtorrent DHT bootstrap node (dht_bootstrap_nodes '')
 *   S  libtorrent seeder with DHT, bootstrapping from B, announces its torrent
 *   T  Tessera's DhtNode, bootstrapping from B
 *   C  a second libtorrent DHT node that knows only T (dht_bootstrap_nodes '', then add_dht_node T)
 *
 * Checks: T finds S's address:port with get_peers; libtorrent nodes accept T's announce_peer
 * tokens; C learns B from T's find_node/get_peers `nodes`, finds T's announce through that,
 * finds a peer that only T stores (T's `values`), and announces its own torrent to T with
 * T's token. Missing python3-libtorrent fails the test with the install command.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../../electron/engine/api.js';
import { encodeQuery, decodeMessage } from '../../electron/engine/dht/krpc.js';
import { randomId, toHex } from '../../electron/engine/dht/ids.js';
import { DhtNode } from '../../electron/engine/dht/node.js';
import { Cleanup, createTorrent, ManagedProcess, PYTHON, requireTool, startLtSeeder, writeRandomFile, type LtSeeder, type TorrentInfo } from '../support/index.js';
import { createSocket } from 'node:dgram';
import { pollFor, sleep } from '../support/test-utils.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const LOOPBACK = '127.0.0.1';
const cleanup = new Cleanup();

/** A libtorrent DHT node driven over stdin/stdout (lt_dht_node.py). */
class LtDhtNode {
  private constructor(
    readonly proc: ManagedProcess,
    readonly port: number,
    readonly nodeId: string,
  ) {}

  get address(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  static async start(bootstrap: string[], label: string): Promise<LtDhtNode> {
    const args = [join(HERE, 'lt_dht_node.py'), '--listen', `${LOOPBACK}:0`, '--dht-bootstrap', bootstrap.join(',')];
    const proc = new ManagedProcess(PYTHON, args, { label });
    cleanup.add(() => proc.stop());
    const line = await proc.waitForLine(/^READY /, 60_000);
    const ready = JSON.parse(line.slice('READY '.length)) as { port: number; nodeId: string };
    return new LtDhtNode(proc, ready.port, ready.nodeId);
  }

  send(command: Record<string, unknown>): void {
    this.proc.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** Waits for the first JSON event after line `from` that satisfies `match`. */
  async next(from: number, match: (event: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.proc.lines.slice(from)) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (match(event)) return event;
      }
      if (this.proc.exitInfo) throw new Error(`${this.proc.label} exited.\n${this.proc.describe()}`);
      if (Date.now() > deadline) throw new Error(`${this.proc.label}: no matching event within ${timeoutMs} ms.\n${this.proc.describe()}`);
      await sleep(50);
    }
  }

  /** dht_get_peers: the peers libtorrent's lookup found. */
  async getPeers(infoHash: string): Promise<string[]> {
    const from = this.proc.lines.length;
    this.send({ cmd: 'get_peers', infoHash });
    const event = await this.next(from, (e) => e.event === 'peers' && e.infoHash === infoHash, 60_000);
    return (event.peers as string[]) ?? [];
  }

  /** Endpoints in libtorrent's routing table. */
  async nodes(): Promise<string[]> {
    const from = this.proc.lines.length;
    this.send({ cmd: 'nodes' });
    const event = await this.next(from, (e) => e.event === 'nodes', 20_000);
    return ((event.nodes as Array<{ endpoint: string }>) ?? []).map((node) => node.endpoint);
  }
}

/** Retries `attempt` every second until it returns a value, or throws with `what` after `timeoutMs`. */
const eventually = <T,>(what: string, timeoutMs: number, attempt: () => Promise<T | null>): Promise<T> => pollFor(what, timeoutMs, attempt, 1000);

/** get_peers then announce_peer to one node only, as a bare KRPC client (so only that node stores it). */
async function announceToOneNode(node: PeerAddress, infoHash: Uint8Array, port: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const ask = (packet: Uint8Array): Promise<ReturnType<typeof decodeMessage>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), 3000);
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

let root = '';
let torrent: TorrentInfo;
let bootstrapNode: LtDhtNode;
let seeder: LtSeeder;
let tessera: DhtNode;
/** A set-up failure (e.g. python3-libtorrent missing) fails each test with its message, never skips it. */
let setupError: unknown = null;

beforeAll(async () => {
  try {
    await setUp();
  } catch (error) {
    setupError = error;
  }
});
afterAll(() => cleanup.run());

function assertSetUp(): void {
  if (setupError) throw setupError;
}

async function setUp(): Promise<void> {
  requireTool('libtorrent'); // throws with the install command
  root = await cleanup.tempDir('dht');
  await writeRandomFile(join(root, 'src', 'dht.bin'), 256 * 1024, 'dht-libtorrent');
  torrent = await createTorrent({ path: join(root, 'src', 'dht.bin'), out: join(root, 'dht.torrent'), pieceLength: 16 * 1024 });
  bootstrapNode = await LtDhtNode.start([], 'lt_dht_bootstrap');
  seeder = await startLtSeeder(cleanup, {
    torrents: [torrent.torrentPath],
    save: join(root, 'src'),
    dht: true,
    dhtBootstrap: [bootstrapNode.address],
  });
  // Every node here is on 127.0.0.1: the one-node-per-IP rule would keep all but one out.
  tessera = new DhtNode({ host: LOOPBACK, port: 0, bootstrap: [bootstrapNode.address], queryTimeoutMs: 2000, restrictRoutingIps: false });
  cleanup.add(() => tessera.close());
  await tessera.start();
  await tessera.bootstrap();
}

describe('DHT interop with libtorrent on 127.0.0.1', () => {
  it('bootstraps from a libtorrent node and finds a libtorrent seeder with get_peers', async () => {
    assertSetUp();
    expect(tessera.ready).toBe(true);
    expect(tessera.nodes().map((node) => `${node.host}:${node.port}`)).toContain(bootstrapNode.address);
    const expected = `${LOOPBACK}:${seeder.port}`;
    const peers = await eventually(`Tessera's get_peers finds the seeder ${expected}`, 150_000, async () => {
      const found = (await tessera.findPeers(torrent.infoHash)).map((peer) => `${peer.host}:${peer.port}`);
      return found.includes(expected) ? found : null;
    });
    expect(peers).toContain(expected);
    // The streaming form yields it too.
    const streamed: string[] = [];
    for await (const peer of tessera.getPeers(torrent.infoHash)) streamed.push(`${peer.host}:${peer.port}`);
    expect(streamed).toContain(expected);
  });

  it('libtorrent finds nodes and peers through Tessera, and announces to it with its token', async () => {
    assertSetUp();
    // T announces X to the closest libtorrent nodes, using their tokens.
    const announcedHash = toHex(randomId());
    const announced = await tessera.announce(announcedHash, 7777);
    expect(announced.attempted).toBeGreaterThan(0);
    expect(announced.announcedTo).toBe(announced.attempted);

    // Z is stored by T alone.
    const onlyTessera = randomId();
    await announceToOneNode(tessera.address(), onlyTessera, 6543);

    // C knows nobody but T.
    const client = await LtDhtNode.start([], 'lt_dht_client');
    const incoming: string[] = [];
    tessera.on('announce', (hash, peer) => incoming.push(`${hash} ${peer.host}:${peer.port}`));
    client.send({ cmd: 'add_node', host: LOOPBACK, port: tessera.address().port });
    const tesseraAddress = `${LOOPBACK}:${tessera.address().port}`;
    await eventually('libtorrent adds Tessera to its routing table after a ping', 30_000, async () =>
      (await client.nodes()).includes(tesseraAddress) ? true : null,
    );

    // get_peers for X: C must learn B (or S) from T's `nodes` and find T's announce there.
    const viaNodes = await eventually('libtorrent finds Tessera\'s announce through nodes Tessera told it about', 60_000, async () => {
      const peers = await client.getPeers(announcedHash);
      return peers.includes(`${LOOPBACK}:7777`) ? peers : null;
    });
    expect(viaNodes).toContain(`${LOOPBACK}:7777`);
    const table = await client.nodes();
    expect(table.some((endpoint) => endpoint === bootstrapNode.address || endpoint === `${LOOPBACK}:${seeder.port}`)).toBe(true);

    // get_peers for Z: only T has it, so libtorrent read T's `values`.
    expect(await client.getPeers(toHex(onlyTessera))).toContain(`${LOOPBACK}:6543`);

    // C adds a magnet: its DHT lookup reaches T and it announces with T's token.
    const magnetHash = toHex(randomId());
    client.send({ cmd: 'add_magnet', infoHash: magnetHash, save: join(root, 'magnet') });
    const entry = await eventually('libtorrent announces its magnet to Tessera', 60_000, async () => incoming.find((line) => line.startsWith(magnetHash)) ?? null);
    expect(entry).toMatch(new RegExp(`^${magnetHash} 127\\.0\\.0\\.1:\\d+$`));
    expect(tessera.stats().queriesReceived).toBeGreaterThan(0);
    expect(tessera.stats().garbage).toBe(0);
  });
});
