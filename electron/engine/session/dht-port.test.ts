import { createSocket, type Socket } from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession, type EngineTorrent, type Session } from '../index.js';
import { decodeMessage, encodeResponse } from '../dht/krpc.js';
import { randomId } from '../dht/ids.js';
import { createTorrent } from '../metainfo/create.js';
import { encodeHandshake } from '../wire/handshake.js';
import { encodeExtensionHandshake } from '../wire/extension-handshake.js';
import { encodeMetadataRequest } from '../wire/ut-metadata.js';
import * as msg from '../wire/encode.js';

/*
 * BEP 5's PORT message, both ways, with real sockets on 127.0.0.1: a peer whose handshake has
 * the DHT bit is told the port of our DHT node right after our bitfield, and a PORT it sends
 * has our node ping its node (which joins the table if it answers, as libtorrent's
 * add_dht_node). Not on a private torrent's connections (BEP 27: no DHT for it).
 */
const PORT_ID = 9;
const EXTENDED_ID = 20;
const udpSockets: Socket[] = [];
const tcpSockets: net.Socket[] = [];
let dir = '';
let session: Session;
let pub: EngineTorrent;
let priv: EngineTorrent;

/** A DHT node on 127.0.0.1 that answers every query (with no nodes) and keeps who asked what. */
async function dhtNode(): Promise<{ port: number; queries: Array<{ method: string; fromPort: number }> }> {
  const socket = createSocket('udp4');
  udpSockets.push(socket);
  const id = randomId();
  const queries: Array<{ method: string; fromPort: number }> = [];
  socket.on('message', (data, rinfo) => {
    const m = decodeMessage(data);
    if (!m.ok || m.message.type !== 'query') return;
    queries.push({ method: m.message.method, fromPort: rinfo.port });
    socket.send(encodeResponse(m.message.t, { id }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, queries };
}

async function torrentBytes(isPrivate: boolean): Promise<Uint8Array> {
  const file = path.join(dir, isPrivate ? 'p.bin' : 'q.bin');
  await fs.writeFile(file, Buffer.alloc(32 * 1024, isPrivate ? 1 : 2));
  return createTorrent({ sourcePath: file, pieceLength: 16 * 1024, private: isPrivate });
}

/** A raw peer (DHT bit set, offering ut_metadata as id 2): the ids of the messages Tessera sent it, and the ports of its PORT messages. */
interface RawPeer {
  socket: net.Socket;
  ids: number[];
  ports: number[];
  /** ut_metadata answers received. */
  answers: number;
}

async function connectPeer(torrent: EngineTorrent, name: string): Promise<RawPeer> {
  const socket = net.connect(session.port, '127.0.0.1');
  tcpSockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const handshake = encodeHandshake(Buffer.from(torrent.infoHash, 'hex'), Buffer.from(`-XX0000-${name}`.padEnd(20, 'x').slice(0, 20)));
  expect(handshake[27]! & 0x01).toBe(0x01);
  socket.write(handshake);
  socket.write(msg.extended(0, encodeExtensionHandshake({ listenPort: 1, client: 'test', reqq: 250 })));
  const peer: RawPeer = { socket, ids: [], ports: [], answers: 0 };
  let buf = Buffer.alloc(0);
  let at = 68;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= at + 4 && buf.length >= at + 4 + buf.readUInt32BE(at)) {
      const len = buf.readUInt32BE(at);
      if (len > 0) {
        const id = buf[at + 4]!;
        peer.ids.push(id);
        if (id === PORT_ID) peer.ports.push(buf.readUInt16BE(at + 5));
        if (id === EXTENDED_ID && buf[at + 5] !== 0) peer.answers++;
      }
      at += 4 + len;
    }
  });
  await waitUntil('the extension handshake', () => peer.ids.includes(EXTENDED_ID));
  return peer;
}

/** Asks for metadata piece 0 and waits for the answer: whatever Tessera sent before, and did with what we sent before, is done. */
async function roundTrip(peer: RawPeer): Promise<void> {
  const before = peer.answers;
  peer.socket.write(msg.extended(2, encodeMetadataRequest(0)));
  await waitUntil('the ut_metadata answer', () => peer.answers > before);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-dht-port-'));
  const boot = await dhtNode();
  session = await createSession({
    downloadDir: path.join(dir, 'down'),
    port: 0,
    listenHost: '127.0.0.1',
    dhtBootstrap: [`127.0.0.1:${boot.port}`],
    dhtRestrictRoutingIps: false,
    lsd: false,
    portMapping: false,
    restore: false,
  });
  pub = await session.add({ kind: 'torrent', bytes: await torrentBytes(false) });
  priv = await session.add({ kind: 'torrent', bytes: await torrentBytes(true) });
});

afterAll(async () => {
  for (const s of tcpSockets) s.destroy();
  await session?.close();
  for (const s of udpSockets) s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('BEP 5 PORT messages', () => {
  it("tell a DHT peer our node's port after the bitfield, and have our node ping the node a peer names; not on a private torrent", async () => {
    // Private first: no PORT to it, and its PORT is not acted on.
    const privNode = await dhtNode();
    const p = await connectPeer(priv, 'private');
    p.socket.write(msg.port(privNode.port));
    await roundTrip(p);
    expect(p.ids).not.toContain(PORT_ID);

    const pubNode = await dhtNode();
    const a = await connectPeer(pub, 'public');
    await roundTrip(a);
    expect(a.ports).toHaveLength(1);
    const ourPort = a.ports[0]!;
    expect(ourPort).toBeGreaterThan(0);
    // After the piece set (a seed's have-all or bitfield), as libtorrent sends it.
    const pieceSet = a.ids.findIndex((id) => id === 5 || id === 14 || id === 15);
    expect(pieceSet).toBeGreaterThanOrEqual(0);
    expect(a.ids.indexOf(PORT_ID)).toBeGreaterThan(pieceSet);

    a.socket.write(msg.port(pubNode.port));
    await waitUntil('our node to ping the node the peer named', () => pubNode.queries.some((q) => q.method === 'ping' && q.fromPort === ourPort));
    // The private torrent's PORT came first and pings go out in order: none went to its node.
    expect(privNode.queries).toEqual([]);
  });
});
