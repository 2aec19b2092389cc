import { describe, expect, it } from 'vitest';
import type { NodeInfo } from './compact.js';
import type { KrpcResponse } from './krpc.js';
import { iterativeLookup, MAX_VALUES_PER_REPLY } from './lookup.js';

const TARGET = new Uint8Array(20);
const OWN_ID = new Uint8Array(20).fill(0xff);

/** An id whose distance to TARGET (all zeros) is `distance` in its last two bytes: smaller is closer. */
function idAt(distance: number): Uint8Array {
  const id = new Uint8Array(20);
  id[18] = distance >> 8;
  id[19] = distance & 0xff;
  return id;
}

function reply(from: NodeInfo, nodes: NodeInfo[]): KrpcResponse {
  return { type: 'response', t: new Uint8Array(2), id: from.id, nodes, nodes6: [], values: [], token: null, ip: null } as KrpcResponse;
}

/**
 * Eight honest nodes on distinct IPs, far from the target, each naming one host (6.6.6.6)
 * that claims ever closer made-up ids on new ports: the eclipse attempt.
 */
function eclipseSwarm(): { seeds: NodeInfo[]; query: (node: NodeInfo) => Promise<KrpcResponse> } {
  const seeds = Array.from({ length: 8 }, (_, i) => ({ id: idAt(60_000 + i), host: `10.0.${i}.1`, port: 6881 }));
  let nextPort = 20_000;
  let nextDistance = 1000;
  // A finite supply (40 fake ids), so that the unrestricted lookup converges too.
  const hostile = (): NodeInfo[] => (nextDistance > 960 ? Array.from({ length: 8 }, () => ({ id: idAt(nextDistance--), host: '6.6.6.6', port: nextPort++ })) : []);
  return { seeds, query: (node) => Promise.resolve(reply(node, hostile())) };
}

describe('iterativeLookup', () => {
  it('keeps one candidate per IP: a host on many ports cannot fill the closest set (dht_restrict_search_ips)', async () => {
    const { seeds, query } = eclipseSwarm();
    const result = await iterativeLookup({ target: TARGET, ownId: OWN_ID, family: 4, seeds, k: 8, alpha: 3, query });
    const hosts = result.closest.map((c) => c.node.host);
    expect(hosts.filter((h) => h === '6.6.6.6')).toHaveLength(1);
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(result.closest).toHaveLength(8);
  });

  it('takes at most MAX_VALUES_PER_REPLY peers from one get_peers reply (a datagram holds 512)', async () => {
    const seeds = [{ id: idAt(100), host: '10.0.0.1', port: 6881 }];
    const values = Array.from({ length: 512 }, (_, i) => ({ host: `10.9.${i >> 8}.${i & 255}`, port: 6881 }));
    const found: number[] = [];
    await iterativeLookup({
      target: TARGET,
      ownId: OWN_ID,
      family: 4,
      seeds,
      k: 8,
      alpha: 3,
      query: (node) => Promise.resolve({ ...reply(node, []), values }),
      onPeers: (peers) => found.push(peers.length),
    });
    expect(found).toEqual([MAX_VALUES_PER_REPLY]);
  });

  it("hands each reply's peers on with the node that sent them", async () => {
    const seeds = [1, 2, 3].map((i) => ({ id: idAt(100 + i), host: `10.0.${i}.1`, port: 6881 }));
    const found: string[] = [];
    await iterativeLookup({
      target: TARGET,
      ownId: OWN_ID,
      family: 4,
      seeds,
      k: 8,
      alpha: 3,
      query: (node) => Promise.resolve({ ...reply(node, []), values: [{ host: `192.0.2.${node.host.split('.')[2]}`, port: 1 }] }),
      onPeers: (peers, from) => found.push(...peers.map((p) => `${from.host} ${p.host}`)),
    });
    expect(found.sort()).toEqual(['10.0.1.1 192.0.2.1', '10.0.2.1 192.0.2.2', '10.0.3.1 192.0.2.3']);
  });

  it('with the restriction off (test swarms on 127.0.0.1) it takes every port of one IP', async () => {
    const { seeds, query } = eclipseSwarm();
    const result = await iterativeLookup({ target: TARGET, ownId: OWN_ID, family: 4, seeds, k: 8, alpha: 3, query, restrictIps: false });
    expect(result.closest.map((c) => c.node.host)).toEqual(Array.from({ length: 8 }, () => '6.6.6.6'));
  });
});
