import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import { parseDhtState, serializeDhtState } from '../dht/index.js';
import { mergeDhtStates } from './dht-state-merge.js';
import { mergePeerStreams } from './merge-peer-streams.js';
import { dhtHosts, SessionDht } from './session-dht.js';

const id = (byte: number): Uint8Array => new Uint8Array(20).fill(byte);

describe('the session DHT on both address families', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });

  it('binds IPv4 and IPv6 nodes when listening everywhere, one family for a given address', () => {
    expect(dhtHosts(undefined)).toEqual(['0.0.0.0', '::']);
    expect(dhtHosts('::')).toEqual(['0.0.0.0', '::']);
    expect(dhtHosts('0.0.0.0')).toEqual(['0.0.0.0']);
    expect(dhtHosts('::1')).toEqual(['::1']);
  });

  it('saves both nodes lists in one state file and each node takes its own family back', () => {
    const v4 = serializeDhtState({ id: id(1), nodes: [{ id: id(2), host: '10.0.0.1', port: 1 }] });
    const v6 = serializeDhtState({ id: id(1), nodes: [{ id: id(3), host: '2001:db8::1', port: 2 }] });
    const merged = parseDhtState(mergeDhtStates([v4, v6, Buffer.from('garbage')]));
    expect(merged?.id).toEqual(id(1));
    expect(merged?.nodes.map((n) => n.host)).toEqual(['10.0.0.1', '2001:db8::1']);
  });

  it('merges peer streams as they come and stops them when the consumer leaves', async () => {
    let returned = 0;
    async function* stream(peers: PeerAddress[]): AsyncGenerator<PeerAddress, void, undefined> {
      try {
        for (const peer of peers) yield peer;
      } finally {
        returned++;
      }
    }
    const all: PeerAddress[] = [];
    for await (const peer of mergePeerStreams([stream([{ host: '10.0.0.1', port: 1 }]), stream([{ host: '::1', port: 2 }, { host: '::1', port: 3 }])])) all.push(peer);
    expect(all).toHaveLength(3);
    expect(new Set(all.map((p) => p.host))).toEqual(new Set(['10.0.0.1', '::1']));
    returned = 0;
    for await (const peer of mergePeerStreams([stream([{ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 1 }]), stream([{ host: '::1', port: 2 }])])) {
      expect(peer.port).toBeGreaterThan(0);
      break;
    }
    await expect.poll(() => returned).toBe(2);
  });

  it('runs a node per family on loopback and writes one state file for both at close', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-dht-'));
    dirs.push(dir);
    const warnings: string[] = [];
    const dht = await SessionDht.start({ downloadDir: dir, stateDir: dir, dhtBootstrap: [], dhtPort: 0 }, 0, (m) => warnings.push(m));
    expect(dht?.families).toEqual([4, 6]);
    await dht?.close();
    const saved = parseDhtState(await fs.readFile(path.join(dir, 'dht.dat')));
    expect(saved?.id?.length).toBe(20);
    expect(warnings.filter((w) => !w.includes('bootstrap'))).toEqual([]);
  });
});
