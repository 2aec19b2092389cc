import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep, waitUntil } from '../../../e2e/support/test-utils.js';
import type { PeerAddress } from '../api.js';
import { compareDistance, randomId, toHex } from './ids.js';
import { decodeMessage, encodeQuery, encodeResponse, type KrpcMessage, type KrpcQuery, type QueryArgs, type ResponseBody } from './krpc.js';
import { DhtNode, parseHostPort, type DhtNodeOptions } from './node.js';

/*
 * These tests run real nodes on loopback but never race the wall clock: timers are fake
 * (query timeouts, the lookups' "slow" timers, upkeep), sockets and Date are real. A live
 * node therefore can never look dead, however busy the machine; a dead node's query times
 * out only when `settle` moves the fake clock, which it does only once every query in flight
 * is waiting on a silent endpoint.
 */

const LOOPBACK = '127.0.0.1';
/** Only the address of a peer the DHT found (not the node that named it). */
const address = ({ host, port }: PeerAddress): PeerAddress => ({ host, port });
const running: DhtNode[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.close()));
  for (const socket of sockets.splice(0)) socket.close();
  vi.useRealTimers();
});

/** Fakes the timers only: UDP traffic and Date.now stay real. */
function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
}

/** A UDP endpoint that receives and never answers: a dead node, as its peers see it. */
interface Silent {
  address: PeerAddress;
  received(): number;
}

async function silentEndpoint(port = 0, host = LOOPBACK): Promise<Silent> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sockets.push(socket);
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
  return { address: { host, port: socket.address().port }, received: () => received };
}

/**
 * True when nothing the live nodes sent is still on its way or unanswered, except queries
 * to silent endpoints (which time out only when the fake clock moves). Timeouts only ever
 * fire at such a quiet moment, so each one belongs to a silent endpoint.
 */
function quiet(live: readonly DhtNode[], silent: readonly Silent[]): boolean {
  let inFlight = 0;
  let queued = 0;
  let timeouts = 0;
  for (const node of live) {
    const stats = node.stats();
    inFlight += stats.inFlight;
    queued += stats.queued;
    timeouts += stats.timeouts;
  }
  const silentPending = silent.reduce((sum, endpoint) => sum + endpoint.received(), 0) - timeouts;
  return queued === 0 && inFlight === silentPending;
}

/** Runs `work` to its end: waits for the swarm to go quiet, then lets the next fake timer fire, again and again. */
async function settle<T>(work: Promise<T>, live: readonly DhtNode[], silent: readonly Silent[] = []): Promise<T> {
  let done = false;
  const tracked = work.finally(() => {
    done = true;
  });
  for (;;) {
    // One turn of the event loop first: work that has just begun sends its queries from microtasks.
    await sleep(1);
    await waitUntil('the DHT nodes to go quiet', () => done || quiet(live, silent));
    if (done) return tracked;
    vi.advanceTimersToNextTimer();
  }
}

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

/** A small loopback DHT (call fakeTimers() first): node 0 is everyone's bootstrap node. */
async function startSwarm(count: number, options: DhtNodeOptions = {}): Promise<DhtNode[]> {
  const first = await startNode(options);
  const { host, port } = first.address();
  const bootstrap = [host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`];
  const nodes = [first];
  for (let i = 1; i < count; i++) {
    const node = await startNode({ ...options, bootstrap });
    nodes.push(node);
    await settle(node.bootstrap(), nodes);
  }
  // A second round lets early nodes learn about later ones.
  for (const node of nodes) await settle(node.bootstrap(), nodes);
  await settle(Promise.resolve(), nodes); // ping-backs answered
  return nodes;
}

async function rawClient(): Promise<{ ask: (to: PeerAddress, packet: Uint8Array) => Promise<KrpcMessage | null>; send: (to: PeerAddress, packet: Uint8Array) => void }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const send = (to: PeerAddress, packet: Uint8Array): void => socket.send(packet, to.port, to.host);
  /** Sends `packet` and resolves with the next reply (not a query) that comes back: no timer, the node always answers. */
  const ask = (to: PeerAddress, packet: Uint8Array): Promise<KrpcMessage | null> =>
    new Promise((resolve) => {
      const onMessage = (data: Buffer): void => {
        const decoded = decodeMessage(data);
        if (decoded.ok && decoded.message.type === 'query') return; // the node pinging us back
        socket.off('message', onMessage);
        resolve(decoded.ok ? decoded.message : null);
      };
      socket.on('message', onMessage);
      send(to, packet);
    });
  return { ask, send };
}

/** A DHT node that answers every query at once with `answer(query)` and no nodes; its address. */
async function scriptedNode(answer: (query: KrpcQuery) => Omit<ResponseBody, 'id'>): Promise<PeerAddress> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const id = randomId();
  socket.on('message', (data, rinfo) => {
    const decoded = decodeMessage(data);
    if (!decoded.ok || decoded.message.type !== 'query') return;
    socket.send(encodeResponse(decoded.message.t, { ...answer(decoded.message), id }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return { host: LOOPBACK, port: socket.address().port };
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
    fakeTimers();
    const nodes = await startSwarm(16);
    for (const node of nodes) expect(node.stats().nodes).toBeGreaterThan(0);
    const target = randomId();
    const searcher = nodes[7];
    if (!searcher) throw new Error('no node');
    const found = await settle(searcher.findNode(target), nodes);
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
    fakeTimers();
    // Buckets of 16 hold the whole swarm, so every node can name every other: the lookup must
    // end with all 7 live ones. (With k = 8, fewer live nodes than k are left, and a far live
    // node that no table closest to the target lists is legitimately never found.)
    const k = 16;
    const nodes = await startSwarm(12, { k });
    const dead = nodes.slice(2, 6);
    const deadPorts = dead.map((node) => node.address().port);
    await Promise.all(dead.map((node) => node.close()));
    // Their ports now swallow every query, as a vanished node's would.
    const silent = await Promise.all(deadPorts.map((port) => silentEndpoint(port)));
    const searcher = nodes[9];
    if (!searcher) throw new Error('no node');
    const deadIds = new Set(dead.map((node) => toHex(node.id)));
    const live = nodes.filter((node) => !deadIds.has(toHex(node.id)));
    const target = randomId();
    const found = await settle(searcher.findNode(target), live, silent);
    const expected = live
      .filter((node) => node !== searcher)
      .map((node) => node.id)
      .sort((a, b) => compareDistance(target, a, b))
      .map(toHex);
    expect(expected).toHaveLength(7);
    expect(found.map((node) => toHex(node.id))).toEqual(expected);
    // Every dead node was a candidate: the lookup asked them and gave up on them.
    expect(searcher.stats().timeouts).toBeGreaterThan(0);
    expect(silent.reduce((sum, endpoint) => sum + endpoint.received(), 0)).toBeGreaterThan(0);
  });

  it('announces an info-hash and finds it again from another node', async () => {
    fakeTimers();
    const nodes = await startSwarm(12);
    const infoHash = toHex(randomId());
    const [, announcer, , , , , , , , , , seeker] = nodes;
    if (!announcer || !seeker) throw new Error('no node');
    const announced: string[] = [];
    /** The nodes that stored the peer, as host:port. */
    const holders = new Set<string>();
    for (const node of nodes) {
      node.on('announce', (hash, peer) => {
        announced.push(`${hash} ${peer.host}:${peer.port}`);
        holders.add(`${LOOPBACK}:${node.address().port}`);
      });
    }

    const result = await settle(announcer.announce(infoHash, 4242), nodes);
    expect(result.attempted).toBeGreaterThan(0);
    expect(result.announcedTo).toBe(result.attempted);
    expect(announced.length).toBe(result.announcedTo);
    expect(new Set(announced)).toEqual(new Set([`${infoHash} 127.0.0.1:4242`]));

    const found = await settle(seeker.findPeers(infoHash), nodes);
    expect(found.map(address)).toEqual([{ host: LOOPBACK, port: 4242 }]);
    // Each peer comes with the node that named it: one that stored it (none when the seeker holds it itself).
    const from = found[0]!.from;
    if (from) expect(holders).toContain(`${from.host}:${from.port}`);
    else expect(holders).toContain(`${LOOPBACK}:${seeker.address().port}`);

    // implied_port: the peer is stored under the announcer's UDP port.
    const other = toHex(randomId());
    await settle(announcer.announce(other, 1, { impliedPort: true }), nodes);
    expect((await settle(seeker.findPeers(other), nodes)).map(address)).toEqual([{ host: LOOPBACK, port: announcer.address().port }]);

    // Breaking out of the stream early stops the lookup cleanly.
    const firstPeer = async (): Promise<PeerAddress | null> => {
      for await (const peer of seeker.getPeers(infoHash)) return address(peer);
      return null;
    };
    expect(await settle(firstPeer(), nodes)).toEqual({ host: LOOPBACK, port: 4242 });
    // An unknown info-hash: the lookup converges with nothing.
    expect(await settle(seeker.findPeers(randomId()), nodes)).toEqual([]);
  });

  it('each peer a get_peers lookup finds comes with the node whose reply named it', async () => {
    fakeTimers();
    const named = new Map<string, PeerAddress[]>();
    const responders: PeerAddress[] = [];
    for (const values of [
      [
        { host: '10.1.0.1', port: 1 },
        { host: '10.1.0.2', port: 1 },
      ],
      [{ host: '10.2.0.1', port: 1 }],
    ]) {
      const responder = await scriptedNode((q) => (q.method === 'get_peers' ? { values, token: new Uint8Array([7]) } : {}));
      responders.push(responder);
      for (const v of values) named.set(`${v.host}:${v.port}`, [responder]);
    }
    const seeker = await startNode({ bootstrap: responders.map((r) => `${r.host}:${r.port}`) });
    await settle(seeker.bootstrap(), [seeker]);
    const found = await settle(seeker.findPeers(randomId()), [seeker]);
    expect(found).toHaveLength(3);
    for (const peer of found) expect([peer.from]).toEqual(named.get(`${peer.host}:${peer.port}`));
    const announced = await settle(seeker.announce(randomId(), 6881), [seeker]);
    expect(announced.peers).toHaveLength(3);
    for (const peer of announced.peers) expect([peer.from]).toEqual(named.get(`${peer.host}:${peer.port}`));
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
    await waitUntil('the stray reply to be dropped', () => node.stats().unmatched === 1);
    await client.ask(address, query({ method: 'ping' }));
    expect(node.stats().unmatched).toBe(1);
  });

  it('pings back nodes that query it and adds them when they answer', async () => {
    fakeTimers();
    const a = await startNode();
    const b = await startNode();
    expect(await settle(b.addNode(a.address()), [a, b])).toBe(true);
    expect(b.nodes().map((n) => toHex(n.id))).toEqual([toHex(a.id)]);
    await waitUntil('a to ping b back', () => a.nodes().length > 0);
    expect(a.nodes().map((n) => toHex(n.id))).toEqual([toHex(b.id)]);
    const nobody = await silentEndpoint();
    const c = await startNode({ queryTimeoutMs: 100 });
    expect(await settle(c.ping(nobody.address), [c], [nobody])).toBeNull();
  });

  it("pings the node a peer's PORT message names, and keeps it when it answers; not another family's, nor while switched off", async () => {
    fakeTimers();
    const a = await startNode();
    const b = await startNode();
    b.nodeOffered({ host: '::1', port: a.address().port });
    b.setEnabled(false);
    b.nodeOffered(a.address());
    expect(await settle(Promise.resolve(), [a, b])).toBeUndefined();
    expect(b.nodes()).toEqual([]);
    expect(a.stats().queriesReceived).toBe(0);
    expect(b.stats().queriesSent).toBe(0);
    b.setEnabled(true);
    b.nodeOffered(a.address());
    await waitUntil('b to add a', () => b.nodes().length > 0);
    expect(b.nodes().map((n) => toHex(n.id))).toEqual([toHex(a.id)]);
  });

  it('drops queries over the per-IP inbound rate limit', async () => {
    const frozen = Date.now();
    // The clock stands still: the bucket never refills, so exactly its burst (2 s at 5/s) gets through.
    const node = await startNode({ limits: { inboundPerIpPerSecond: 5 }, now: () => frozen });
    const client = await rawClient();
    for (let i = 0; i < 40; i++) client.send(node.address(), query({ method: 'ping' }));
    await waitUntil('all 40 queries to be counted', () => node.stats().queriesReceived + node.stats().rateLimited === 40);
    expect(node.stats()).toMatchObject({ queriesReceived: 10, rateLimited: 30 });
  });

  it('saves its id and nodes and comes back from them without bootstrap nodes', async () => {
    fakeTimers();
    const nodes = await startSwarm(6);
    const first = nodes[3];
    if (!first) throw new Error('no node');
    const saved = first.saveState();
    const known = first.nodes().length;
    expect(known).toBeGreaterThan(0);
    await first.close();
    const revived = await startNode({ state: saved, port: 0 });
    expect(toHex(revived.id)).toBe(toHex(first.id));
    await settle(revived.bootstrap(), [...nodes.filter((node) => node !== first), revived]);
    expect(revived.ready).toBe(true);
    expect(revived.nodes().length).toBeGreaterThanOrEqual(known);
  });

  it('works over IPv6 on ::1 (nodes6, 18-byte values)', async () => {
    fakeTimers();
    const nodes = await startSwarm(5, { host: '::1' });
    const [, announcer, , , seeker] = nodes;
    if (!announcer || !seeker) throw new Error('no node');
    expect(seeker.family).toBe(6);
    expect(seeker.nodes().length).toBeGreaterThan(0);
    const infoHash = randomId();
    expect((await settle(announcer.announce(infoHash, 6881), nodes)).announcedTo).toBeGreaterThan(0);
    expect((await settle(seeker.findPeers(infoHash), nodes)).map(address)).toEqual([{ host: '::1', port: 6881 }]);
  });

  it("answers BEP 32 'want' n4/n6 from the paired node of the other family", async () => {
    fakeTimers();
    const v4 = await startSwarm(3);
    const v6 = await startSwarm(3, { host: '::1' });
    const [node4] = v4;
    const [node6] = v6;
    if (!node4 || !node6) throw new Error('no node');
    node4.pairWith(node6);
    expect(() => node4.pairWith(v4[1] as DhtNode)).toThrow(/other address family/);
    const client = await rawClient();
    const target = randomId();
    const ask = async (want?: string[]) => {
      const reply = await client.ask(node4.address(), query({ method: 'find_node', target, ...(want ? { want } : {}) }));
      if (reply?.type !== 'response') throw new Error('no response');
      return { nodes: reply.nodes.map((n) => n.host), nodes6: reply.nodes6.map((n) => n.host) };
    };
    const plain = await ask();
    expect(plain.nodes.length).toBeGreaterThan(0);
    expect(plain.nodes6).toEqual([]);
    const both = await ask(['n4', 'n6']);
    expect(both.nodes.length).toBeGreaterThan(0);
    expect(both.nodes6.length).toBeGreaterThan(0);
    expect(new Set(both.nodes6)).toEqual(new Set(['::1']));
    const only6 = await ask(['n6']);
    expect(only6.nodes).toEqual([]);
    expect(only6.nodes6.length).toBeGreaterThan(0);
    const peers = await client.ask(node4.address(), query({ method: 'get_peers', infoHash: target, want: ['n6'] }));
    expect(peers?.type === 'response' && peers.nodes6.length > 0 && peers.token !== null).toBe(true);
  });

  it('bootstraps the IPv6 node from IPv4 routers: want n6 in the replies, handed to the paired node', async () => {
    fakeTimers();
    const v4 = await startSwarm(3);
    const v6 = await startSwarm(3, { host: '::1' });
    const [router4] = v4;
    const [router6] = v6;
    if (!router4 || !router6) throw new Error('no node');
    router4.pairWith(router6); // a dual-stack router, reached over IPv4
    const routerAddress = `${LOOPBACK}:${router4.address().port}`;
    const node4 = await startNode({ bootstrap: [routerAddress] });
    const node6 = await startNode({ host: '::1', bootstrap: [routerAddress] });
    const live = [...v4, ...v6, node4, node6];
    await settle(node4.bootstrap(), live); // its routers named IPv6 nodes before the pairing: kept
    expect(node6.nodes()).toEqual([]);
    node4.pairWith(node6);
    await waitUntil('the IPv6 node knows a node', () => node6.nodes().length > 0);
    await settle(node6.bootstrap(), live);
    expect(node6.ready).toBe(true);
    const known = new Set(node6.nodes().map((n) => n.port));
    expect(v6.some((n) => known.has(n.address().port))).toBe(true);
  });

  it('warns when bootstrap finds nobody and becomes ready once a node is added', async () => {
    fakeTimers();
    const router = await silentEndpoint(); // a bootstrap node that never answers
    const warnings: string[] = [];
    const lonely = new DhtNode({ host: LOOPBACK, bootstrap: [`${LOOPBACK}:${router.address.port}`, 'not-an-address'], queryTimeoutMs: 300 });
    running.push(lonely);
    lonely.on('warning', (message) => warnings.push(message));
    await lonely.start();
    await settle(lonely.bootstrap(), [lonely], [router]);
    expect(lonely.ready).toBe(false);
    expect(warnings.some((w) => w.includes('not-an-address'))).toBe(true);
    expect(warnings.some((w) => w.includes('found no nodes'))).toBe(true);
    const other = await startNode();
    expect(await settle(lonely.addNode(other.address()), [lonely, other], [router])).toBe(true);
    await settle(lonely.bootstrap(), [lonely, other], [router]);
    expect(lonely.ready).toBe(true);
  });

  it('an IPv6 node given only IPv4 bootstrap nodes says so once and joins when contacted', async () => {
    fakeTimers();
    const warnings: string[] = [];
    const lonely = new DhtNode({ host: '::1', bootstrap: [`${LOOPBACK}:6881`], queryTimeoutMs: 800, restrictRoutingIps: false });
    running.push(lonely);
    lonely.on('warning', (message) => warnings.push(message));
    await lonely.start();
    await settle(lonely.bootstrap(), [lonely]);
    await settle(lonely.bootstrap(), [lonely]);
    expect(warnings).toEqual(['no IPv6 bootstrap or saved node to ask; waiting to be contacted']);
    const other = await startNode({ host: '::1', bootstrap: [`[::1]:${lonely.address().port}`] });
    await settle(other.bootstrap(), [lonely, other]);
    // Lonely pinged the newcomer back when it was queried: the answer puts it in the table.
    await waitUntil('the ping-back answered', () => lonely.nodes().length > 0);
    await settle(lonely.bootstrap(), [lonely, other]);
    expect(lonely.ready).toBe(true);
    expect(lonely.nodes().map((n) => n.port)).toContain(other.address().port);
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
