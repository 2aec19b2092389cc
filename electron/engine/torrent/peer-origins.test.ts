import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession, type Session } from '../index.js';
import { createTorrent } from '../metainfo/create.js';
import { encodeHandshake } from '../wire/handshake.js';
import { dhtSource, LSD_SOURCE, trackerSource } from './peer-candidates.js';
import type { Torrent } from './torrent.js';

/*
 * Where a dialled peer came from reaches the Peers tab (H = DHT, X = PEX, L = LSD) and the
 * Trackers tab's rows: Tessera dials a raw peer on 127.0.0.1 that a "DHT node" named, and LSD
 * names it again while connected (a peer keeps every kind of source that named it, as
 * libtorrent's). A peer that dialled us has none of them, only I.
 */
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
let session: Session | null = null;
let dir = '';

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
  await session?.close();
  session = null;
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** A peer that answers Tessera's handshake with its own, as a seed would (no bitfield: a leecher). */
async function rawPeer(infoHash: string): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => socket.write(encodeHandshake(Buffer.from(infoHash, 'hex'), Buffer.from('-XX0000-originstest0'))));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('where each peer came from', () => {
  it('a dialled peer named by the DHT, then LSD, shows H and L and counts in both rows; a tracker adds no letter', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-origins-'));
    await fs.writeFile(path.join(dir, 'a.bin'), Buffer.alloc(32 * 1024, 3));
    const bytes = await createTorrent({ sourcePath: path.join(dir, 'a.bin'), pieceLength: 16 * 1024 });
    session = await createSession({ downloadDir: path.join(dir, 'down'), port: 0, listenHost: '127.0.0.1', dht: false, lsd: false, portMapping: false, utp: false, restore: false });
    const t = (await session.add({ kind: 'torrent', bytes })) as unknown as Torrent;
    const port = await rawPeer(t.infoHash);
    const peer = { host: '127.0.0.1', port };
    t.addPeers([peer], dhtSource({ host: '192.0.2.7', port: 6881 }));
    await waitUntil('the DHT peer to connect', () => t.peers().length === 1);
    expect(t.peers()[0]!.flags.split(' ')).toContain('H');
    expect(t.peers()[0]!.flags).not.toMatch(/[XLI]/);
    t.addPeers([peer], LSD_SOURCE);
    t.addPeers([peer], trackerSource('http://127.0.0.1:1/announce'));
    const flags = t.peers()[0]!.flags.split(' ');
    expect(flags.filter((f) => 'HXLIP'.includes(f))).toEqual(['H', 'L']);
    expect(t.discoveryRows()).toMatchObject({ dht: { leechers: 1, seeds: 0 }, pex: { leechers: 0, seeds: 0 }, lsd: { leechers: 1, seeds: 0 } });
  });
});
