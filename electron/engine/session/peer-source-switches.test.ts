import { createSocket, type Socket } from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession, type Session } from '../index.js';
import { decodeMessage, encodeResponse } from '../dht/krpc.js';
import { randomId } from '../dht/ids.js';
import { createTorrent } from '../metainfo/create.js';

/*
 * The session's switches (Settings → Privacy, Connection) against what its options allow: the
 * DHT switched off at start binds but says nothing until switched on, and then bootstraps; LSD
 * and port mapping stay off while the options (the host's TESSERA_LSD=0, TESSERA_PORT_MAPPING=0,
 * --no-lsd …) keep them off, whatever the switches say. Real sockets on 127.0.0.1.
 */
const sockets: Socket[] = [];
const sessions: Session[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const s of sockets.splice(0)) s.close();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

/** A DHT bootstrap node on 127.0.0.1 that answers every query (with no nodes) and counts them. */
async function router(): Promise<{ address: string; queries: () => number; asked: string[] }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const id = randomId();
  let queries = 0;
  /** get_peers queries by info-hash (hex). */
  const asked: string[] = [];
  socket.on('message', (data, rinfo) => {
    const m = decodeMessage(data);
    if (!m.ok || m.message.type !== 'query') return;
    queries++;
    if (m.message.method === 'get_peers') asked.push(Buffer.from(m.message.infoHash).toString('hex'));
    socket.send(encodeResponse(m.message.t, { id }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, queries: () => queries, asked };
}

async function torrentBytes(dir: string, isPrivate: boolean): Promise<Uint8Array> {
  const file = path.join(dir, isPrivate ? 'p.bin' : 'q.bin');
  await fs.writeFile(file, Buffer.alloc(32 * 1024, isPrivate ? 1 : 2));
  return createTorrent({ sourcePath: file, pieceLength: 16 * 1024, private: isPrivate });
}

describe('the session switches DHT, PEX, LSD and port mapping at runtime', () => {
  it('DHT off at start: silent, rows say Disabled; switched on, it bootstraps and the rows say Working', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-switches-'));
    dirs.push(dir);
    const boot = await router();
    const session = await createSession({
      downloadDir: dir,
      port: 0,
      listenHost: '127.0.0.1',
      dhtBootstrap: [boot.address],
      dhtRestrictRoutingIps: false,
      lsd: false,
      portMapping: false,
      restore: false,
      peerSources: { dht: false, lsd: true, portMapping: true },
    });
    sessions.push(session);
    // The host's options keep LSD and port mapping off, whatever the switches say.
    expect(session.peerSources()).toEqual({ dht: false, pex: true, lsd: false, portMapping: false });
    const pub = await session.add({ kind: 'torrent', bytes: await torrentBytes(dir, false) });
    const priv = await session.add({ kind: 'torrent', bytes: await torrentBytes(dir, true) });
    const none = { seeds: 0, leechers: 0 };
    expect(pub.discoveryRows?.()).toEqual({ private: false, dht: { status: 'disabled', ...none }, pex: { status: 'working', ...none }, lsd: { status: 'disabled', ...none } });

    expect(boot.queries()).toBe(0);

    await session.setPeerSources({ dht: true, lsd: true, portMapping: true });
    expect(session.peerSources()).toEqual({ dht: true, pex: true, lsd: false, portMapping: false });
    // The node bootstraps, and the running public torrent looks itself up (the private one never).
    await waitUntil('the public torrent to look itself up', () => boot.asked.includes(pub.infoHash));
    expect(boot.asked).not.toContain(priv.infoHash);
    expect(pub.discoveryRows?.()).toMatchObject({ dht: { status: 'working' }, pex: { status: 'working' }, lsd: { status: 'disabled' } });
    // A private torrent: switched on in the session, off for it (BEP 27).
    expect(priv.discoveryRows?.()).toEqual({
      private: true,
      dht: { status: 'disabled-for-torrent', ...none },
      pex: { status: 'disabled-for-torrent', ...none },
      lsd: { status: 'disabled', ...none },
    });
    await session.setPeerSources({ pex: false });
    expect(priv.discoveryRows?.()).toMatchObject({ dht: { status: 'disabled-for-torrent' }, pex: { status: 'disabled' } });
    expect(session.reachability()).toMatchObject({ lsd: false, portMapping: { status: 'off' } });
  });
});
