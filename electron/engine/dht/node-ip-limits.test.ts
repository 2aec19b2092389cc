/**
 * Issue 10, item 10: a hostile host answers from many UDP ports, each with a made-up node id,
 * and points every `nodes` reply at its own ports. A real DhtNode must keep one of them in its
 * routing table (one node per IP, libtorrent's dht_restrict_routing_ips), so what it hands to
 * others in find_node replies stays the honest nodes' and not the attacker's.
 *
 * Honest nodes live on other loopback addresses in other /24s (127.0.1.1, 127.0.2.1 …); the
 * attacker on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { NodeInfo } from './compact.js';
import { compareDistance, randomId, toHex } from './ids.js';
import { decodeMessage, encodeQuery, encodeResponse, type KrpcMessage } from './krpc.js';
import { DhtNode } from './node.js';

const ATTACKER_HOST = '127.0.0.1';
const ATTACKER_PORTS = 64;
const HONEST_HOSTS = ['127.0.1.1', '127.0.2.1', '127.0.3.1', '127.0.4.1'];
const LIMITS = { queriesPerSecond: 5000, inboundPerIpPerSecond: 5000, inboundPerSecond: 10000 };

const sockets: Socket[] = [];
const nodes: DhtNode[] = [];
let attacker: NodeInfo[] = [];
let honest: DhtNode[] = [];
let victim: DhtNode;

/** One port of the attacker: answers every query with its own id and the 8 attacker nodes closest to the target. */
async function attackerPort(id: Uint8Array): Promise<NodeInfo> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  socket.on('message', (data, rinfo) => {
    const decoded = decodeMessage(data);
    if (!decoded.ok || decoded.message.type !== 'query') return;
    const q = decoded.message;
    const target = q.method === 'find_node' ? q.target : q.method === 'get_peers' ? q.infoHash : q.id;
    const closest = [...attacker].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, 8);
    const body = q.method === 'get_peers' ? { id, nodes: closest, token: new Uint8Array([1, 2, 3, 4]) } : { id, nodes: closest };
    socket.send(encodeResponse(q.t, body), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, ATTACKER_HOST, resolve));
  return { id, host: ATTACKER_HOST, port: socket.address().port };
}

async function startNode(host: string, bootstrap: string[]): Promise<DhtNode> {
  const node = new DhtNode({ host, port: 0, bootstrap, queryTimeoutMs: 500, limits: LIMITS });
  nodes.push(node);
  await node.start();
  await node.bootstrap();
  return node;
}

/** Sends one find_node to `to` from a fresh socket; the `nodes` of its reply. */
async function askFindNode(to: PeerAddress, target: Uint8Array): Promise<NodeInfo[]> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.9.1', resolve));
  const reply = await new Promise<KrpcMessage | null>((resolve) => {
    socket.on('message', (data) => {
      const decoded = decodeMessage(data);
      if (decoded.ok && decoded.message.type !== 'query') resolve(decoded.message);
    });
    socket.send(encodeQuery(new Uint8Array([7, 7]), randomId(), { method: 'find_node', target }), to.port, to.host);
  });
  socket.close();
  sockets.splice(sockets.indexOf(socket), 1);
  if (reply?.type !== 'response') throw new Error(`no find_node response: ${JSON.stringify(reply)}`);
  return reply.nodes;
}

beforeAll(async () => {
  attacker = await Promise.all(Array.from({ length: ATTACKER_PORTS }, () => attackerPort(randomId())));
  const first = await startNode(HONEST_HOSTS[0]!, []);
  honest = [first];
  for (const host of HONEST_HOSTS.slice(1)) honest.push(await startNode(host, [`${HONEST_HOSTS[0]}:${first.address().port}`]));
  // The victim hears of the attacker first, then of one honest node.
  victim = await startNode('127.0.8.1', [`${ATTACKER_HOST}:${attacker[0]!.port}`, `${HONEST_HOSTS[0]}:${first.address().port}`]);
  // 20 lookups for random targets: every reply from the attacker names 8 more of its ports.
  for (let i = 0; i < 20; i++) await victim.findNode(randomId());
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  for (const socket of sockets) socket.close();
});

describe('a host answering with many node ids from one IP', () => {
  it('gets one entry in the routing table; the honest nodes keep theirs', () => {
    const table = victim.nodes();
    const fromAttacker = table.filter((node) => node.host === ATTACKER_HOST);
    expect(fromAttacker.map((node) => `${node.host}:${node.port}`)).toHaveLength(1);
    const known = new Set(table.map((node) => toHex(node.id)));
    expect(honest.filter((node) => !known.has(toHex(node.id))).map((node) => node.address())).toEqual([]);
  });

  it('is at most one of the nodes the victim hands out in find_node replies', async () => {
    for (let i = 0; i < 20; i++) {
      const replied = await askFindNode(victim.address(), randomId());
      expect(replied.filter((node) => node.host === ATTACKER_HOST).length).toBeLessThanOrEqual(1);
      expect(replied.length).toBeGreaterThanOrEqual(HONEST_HOSTS.length);
    }
  });
});
