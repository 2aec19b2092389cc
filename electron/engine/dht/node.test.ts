import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import { compareDistance, randomId, toHex } from './ids.js';
import { decodeMessage, encodeQuery, type KrpcMessage, type QueryArgs } from './krpc.js';
import { DhtNode, parseHostPort, type DhtNodeOptions } from './node.js';

const LOOPBACK = '127.0.0.1';
const running: DhtNode[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.close()));
  for (const socket of sockets.splice(0)) socket.close();
});

async function startNode(options: DhtNodeOptions = {}): Promise<DhtNode> {
  const node = new DhtNode({
    host: LOOPBACK,
    port: 0,
    bootstrap: [], // tests never touch the default public routers
    queryTimeoutMs: 800,
    limits: { queriesPerSecond: 2000, inboundPerIpPerSecond: 5000, inboundPerSecond: 10000 },
    // Every node of these swarms is on the loopback address.
    restrictRoutingIps: false,
    ...options,
  });
  running.push(node);
  await node.start();
  return node;
}

/** A small loopback DHT: node 0 is everyone's bootstrap node. */
async function startSwarm(count: number): Promise<DhtNode[]> {
  const first = await startNode();
  const bootstrap = [`${LOOPBACK}:${first.address().port}`];
  const nodes = [first];
  for (let i = 1; i < count; i++) {
    const node = await startNode({ bootstrap });
    await node.bootstrap();
    nodes.push(node);
  }
  // A second round lets early nodes learn about later ones.
  for (const node of nodes) await node.bootstrap();
  return nodes;
}

async function rawClient(): Promise<{ ask: (to: PeerAddress, packet: Uint8Array, timeoutMs?: number) => Promise<KrpcMessage | null>; send: (to: PeerAddress, packet: Uint8Array) => void }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const send = (to: PeerAddress, packet: Uint8Array): void => socket.send(packet, to.port, to.host);
  const ask = (to: PeerAddress, packet: Uint8Array, timeoutMs = 500): Promise<KrpcMessage | null> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        resolve(null);
      }, timeoutMs);
      const onMessage = (data: Buffer): void => {
        const decoded = decodeMessage(data);
        if (decoded.ok && decoded.message.type === 'query') return; // the node pinging us back
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(decoded.ok ? decoded.message : null);
      };
      socket.on('message', onMessage);
      send(to, packet);
    });
  return { ask, send };
}

const query = (args: QueryArgs, id = randomId()): Uint8Array => encodeQuery(new Uint8Array([1, 2]), id, args);

describe('parseHostPort', () => {
  it('parses IPv4, hostnames and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:6881')).toEqual({ host: '127.0.0.1', port: 6881 });
    expect(parseHostPort('router.bittorrent.com:6881')).toEqual({ host: 'router.bittorrent.com', port: 6881 });
    expect(parseHostPort('[::1]:25401')).toEqual({ host: '::1', port: 25401 });
    for (const bad of ['127.0.0.1', '::1:5', 'host:0', 'host:70000', ':5', '']) expect(parseHostPort(bad)).toBeNull();
  });
});

describe('DhtNode on 127.0.0.1', () => {
  it('finds the k closest nodes of a 16-node swarm with an iterative lookup', async () => {
    const nodes = await startSwarm(16);
    for (const node of nodes) expect(node.stats().nodes).toBeGreaterThan(0);
    const target = randomId();
    const searcher = nodes[7];
    if (!searcher) throw new Error('no node');
    const found = await searcher.findNode(target);
    const expected = nodes
      .filter((node) => node !== searcher)
      .map((node) => node.id)
      .sort((a, b) => compareDistance(target, a, b))
      .slice(0, 8)
      .map(toHex);
    expect(found.map((node) => toHex(node.id))).toEqual(expected);
    for (const node of found) expect(node.host).toBe(LOOPBACK);
  });

  it('routes around dead nodes: the lookup still converges on live ones', async () => {
    const nodes = await startSwarm(12);
    const dead = nodes.slice(2, 6);
    await Promise.all(dead.map((node) => node.close()));
    const searcher = nodes[9];
    if (!searcher) throw new Error('no node');
    const target = randomId();
    const started = Date.now();
    const found = await searcher.findNode(target);
    const elapsed = Date.now() - started;
    const deadIds = new Set(dead.map((node) => toHex(node.id)));
    const live = nodes.filter((node) => node !== searcher && !deadIds.has(toHex(node.id)));
    const expected = live
      .map((node) => node.id)
      .sort((a, b) => compareDistance(target, a, b))
      .slice(0, 8)
      .map(toHex);
    expect(found.map((node) => toHex(node.id))).toEqual(expected);
    // Dead nodes cost one timeout (800 ms here), not one each in sequence.
    expect(elapsed).toBeLessThan(6000);
    expect(searcher.stats().timeouts).toBeGreaterThan(0);
  });

  it('announces an info-hash and finds it again from another node', async () => {
    const nodes = await startSwarm(12);
    const infoHash = toHex(randomId());
    const [, announcer, , , , , , , , , , seeker] = nodes;
    if (!announcer || !seeker) throw new Error('no node');
    const announced: string[] = [];
    for (const node of nodes) node.on('announce', (hash, peer) => announced.push(`${hash} ${peer.host}:${peer.port}`));

    const result = await announcer.announce(infoHash, 4242);
    expect(result.attempted).toBeGreaterThan(0);
    expect(result.announcedTo).toBe(result.attempted);
    expect(announced.length).toBe(result.announcedTo);
    expect(new Set(announced)).toEqual(new Set([`${infoHash} 127.0.0.1:4242`]));

    const peers: PeerAddress[] = [];
    for await (const peer of seeker.getPeers(infoHash)) peers.push(peer);
    expect(peers).toEqual([{ host: LOOPBACK, port: 4242 }]);

    // implied_port: the peer is stored under the announcer's UDP port.
    const other = toHex(randomId());
    await announcer.announce(other, 1, { impliedPort: true });
    expect(await seeker.findPeers(other)).toEqual([{ host: LOOPBACK, port: announcer.address().port }]);

    // Breaking out of the stream early stops the lookup cleanly.
    for await (const peer of seeker.getPeers(infoHash)) {
      expect(peer.port).toBe(4242);
      break;
    }
    // An unknown info-hash: the lookup converges with nothing.
    expect(await seeker.findPeers(randomId())).toEqual([]);
  });

  it('answers raw queries, rejects bad tokens and unknown methods, and shrugs off garbage', async () => {
    const node = await startNode();
    const address = node.address();
    const client = await rawClient();

    const pong = await client.ask(address, query({ method: 'ping' }));
    expect(pong).toMatchObject({ type: 'response', id: node.id, ip: { host: LOOPBACK } });

    const infoHash = randomId();
    const peers = await client.ask(address, query({ method: 'get_peers', infoHash }));
    if (pong?.type !== 'response' || peers?.type !== 'response' || !peers.token) throw new Error('no token');
    expect(peers.values).toEqual([]);

    const badToken = await client.ask(address, query({ method: 'announce_peer', infoHash, port: 7777, token: new Uint8Array(8) }));
    expect(badToken).toMatchObject({ type: 'error', code: 203 });

    const good = await client.ask(address, query({ method: 'announce_peer', infoHash, port: 7777, token: peers.token }));
    expect(good).toMatchObject({ type: 'response', id: node.id });
    const after = await client.ask(address, query({ method: 'get_peers', infoHash }));
    expect(after).toMatchObject({ type: 'response', values: [{ host: LOOPBACK, port: 7777 }] });

    const unknown = await client.ask(address, Buffer.from('d1:ad2:id20:abcdefghij0123456789e1:q6:frob!!1:t2:zz1:y1:qe', 'latin1'));
    expect(unknown).toMatchObject({ type: 'error', code: 204 });

    const garbage = ['hello', 'd1:t2:aa1:y1:qe', 'i5e', 'd1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe', 'l'.repeat(500), '\x00\xff'];
    for (const text of garbage) client.send(address, Buffer.from(text, 'latin1'));
    client.send(address, Buffer.alloc(4000));
    const stillAlive = await client.ask(address, query({ method: 'ping' }));
    expect(stillAlive).toMatchObject({ type: 'response' });
    expect(node.stats().garbage).toBe(garbage.length + 1);
    // An unsolicited response is dropped as unmatched.
    client.send(address, Buffer.from('d1:rd2:id20:abcdefghij0123456789e1:t2:qq1:y1:re', 'latin1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(node.stats().unmatched).toBe(1);
  });

  it('pings back nodes that query it and adds them when they answer', async () => {
    const a = await startNode();
    const b = await startNode();
    expect(await b.addNode(a.address())).toBe(true);
    expect(b.nodes().map((n) => toHex(n.id))).toEqual([toHex(a.id)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.nodes().map((n) => toHex(n.id))).toEqual([toHex(b.id)]);
    const c = await startNode({ queryTimeoutMs: 100 });
    expect(await c.ping({ host: LOOPBACK, port: 1 })).toBeNull();
  });

  it('drops queries over the per-IP inbound rate limit', async () => {
    const node = await startNode({ limits: { inboundPerIpPerSecond: 5 } });
    const client = await rawClient();
    for (let i = 0; i < 40; i++) client.send(node.address(), query({ method: 'ping' }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const stats = node.stats();
    expect(stats.queriesReceived).toBeLessThanOrEqual(12);
    expect(stats.rateLimited).toBeGreaterThanOrEqual(28);
  });

  it('saves its id and nodes and comes back from them without bootstrap nodes', async () => {
    const nodes = await startSwarm(6);
    const first = nodes[3];
    if (!first) throw new Error('no node');
    const saved = first.saveState();
    const known = first.nodes().length;
    expect(known).toBeGreaterThan(0);
    await first.close();
    const revived = await startNode({ state: saved, port: 0 });
    expect(toHex(revived.id)).toBe(toHex(first.id));
    await revived.bootstrap();
    expect(revived.ready).toBe(true);
    expect(revived.nodes().length).toBeGreaterThanOrEqual(known);
  });

  it('works over IPv6 on ::1 (nodes6, 18-byte values)', async () => {
    const options = { host: '::1' };
    const first = await startNode(options);
    const bootstrap = [`[::1]:${first.address().port}`];
    const nodes = [first];
    for (let i = 0; i < 4; i++) {
      const node = await startNode({ ...options, bootstrap });
      await node.bootstrap();
      nodes.push(node);
    }
    const [, announcer, , , seeker] = nodes;
    if (!announcer || !seeker) throw new Error('no node');
    expect(seeker.family).toBe(6);
    expect(seeker.nodes().length).toBeGreaterThan(0);
    const infoHash = randomId();
    expect((await announcer.announce(infoHash, 6881)).announcedTo).toBeGreaterThan(0);
    expect(await seeker.findPeers(infoHash)).toEqual([{ host: '::1', port: 6881 }]);
  });

  it('warns when bootstrap finds nobody and becomes ready once a node is added', async () => {
    const warnings: string[] = [];
    const lonely = new DhtNode({ host: LOOPBACK, bootstrap: ['127.0.0.1:9', 'not-an-address'], queryTimeoutMs: 300 });
    running.push(lonely);
    lonely.on('warning', (message) => warnings.push(message));
    await lonely.start();
    await lonely.bootstrap();
    expect(lonely.ready).toBe(false);
    expect(warnings.some((w) => w.includes('not-an-address'))).toBe(true);
    expect(warnings.some((w) => w.includes('found no nodes'))).toBe(true);
    const other = await startNode();
    expect(await lonely.addNode(other.address())).toBe(true);
    await lonely.bootstrap();
    expect(lonely.ready).toBe(true);
  });

  it('closes cleanly: running lookups end, later calls are harmless', async () => {
    const node = await startNode({ bootstrap: [`${LOOPBACK}:9`] }); // nobody there: bootstrap times out
    const stream = node.findPeers(randomId());
    await node.close();
    expect(await stream).toEqual([]);
    await node.close();
    expect(await node.ping({ host: LOOPBACK, port: 9 })).toBeNull();
    expect((await node.announce(randomId(), 5)).announcedTo).toBe(0);
  });
});
