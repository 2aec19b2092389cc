import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession, type EngineTorrent, type Session } from '../index.js';
import { createTorrent } from '../metainfo/create.js';
import { encodeHandshake } from '../wire/handshake.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../wire/extension-handshake.js';
import { encodeMetadataRequest } from '../wire/ut-metadata.js';
import { encodePex } from '../wire/ut-pex.js';

/*
 * Settings → Privacy → "Enable Peer Exchange (PeX)" switched off while running: a raw peer on
 * 127.0.0.1 is not offered ut_pex in Tessera's extension handshake, is sent no ut_pex, and a
 * ut_pex from a peer connected before the switch (which was offered it) is dropped unread, as
 * libtorrent's disable_pex does. On again, new peers get ut_pex. A ut_metadata request after
 * the extension handshake is the sequence point: Tessera answers it at once, so a ut_pex sent
 * on the extension handshake would come before the answer.
 */
const OUR_PEX_ID = 1;
const OUR_METADATA_ID = 2;
let dir = '';
let session: Session;
let pub: EngineTorrent;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-pex-switch-'));
  await fs.mkdir(path.join(dir, 'src'));
  await fs.writeFile(path.join(dir, 'src', 'q.bin'), Buffer.alloc(64 * 1024, 2));
  const bytes = await createTorrent({ sourcePath: path.join(dir, 'src', 'q.bin'), pieceLength: 16 * 1024 });
  session = await createSession({ downloadDir: path.join(dir, 'down'), port: 0, listenHost: '127.0.0.1', dht: false, lsd: false, portMapping: false, restore: false });
  pub = await session.add({ kind: 'torrent', bytes });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await session?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function frame(id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = id;
  return Buffer.concat([head, payload]);
}

/** A raw peer (listening port `listenPort`, offering ut_pex and ut_metadata) and the extended messages Tessera sent it, by our ids. */
interface RawPeer {
  socket: net.Socket;
  /** Tessera's extension ids (from its extension handshake). */
  ids: Map<string, number>;
  /** Extended message ids received after the extension handshake, in order (1 = ut_pex, 2 = ut_metadata). */
  extended: number[];
}

async function connectPeer(listenPort: number): Promise<RawPeer> {
  const socket = net.connect(session.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(encodeHandshake(Buffer.from(pub.infoHash, 'hex'), Buffer.from(`-XX0000-pexswitch${listenPort % 1000}`.padEnd(20, 'x').slice(0, 20))));
  socket.write(frame(20, Buffer.concat([Buffer.from([0]), encodeExtensionHandshake({ listenPort, client: 'test', reqq: 250, pex: true })])));
  const peer: RawPeer = { socket, ids: new Map(), extended: [] };
  let buf = Buffer.alloc(0);
  let at = 68;
  let handshake = false;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= at + 4 && buf.length >= at + 4 + buf.readUInt32BE(at)) {
      const len = buf.readUInt32BE(at);
      if (len > 1 && buf[at + 4] === 20) {
        const body = buf.subarray(at + 6, at + 4 + len);
        if (buf[at + 5] === 0) {
          const hs = decodeExtensionHandshake(body);
          if (typeof hs !== 'string') peer.ids = hs.ids;
          handshake = true;
        } else peer.extended.push(buf[at + 5]!);
      }
      at += 4 + len;
    }
  });
  await waitUntil('the extension handshake', () => handshake);
  return peer;
}

/** Asks for metadata piece 0 and waits for the answer: everything Tessera sent before it has arrived. */
async function roundTrip(peer: RawPeer): Promise<void> {
  const answers = peer.extended.filter((id) => id === OUR_METADATA_ID).length;
  peer.socket.write(frame(20, Buffer.concat([Buffer.from([peer.ids.get('ut_metadata')!]), encodeMetadataRequest(0)])));
  await waitUntil('the ut_metadata answer', () => peer.extended.filter((id) => id === OUR_METADATA_ID).length > answers);
}

const knownPeers = (): number => (pub as unknown as { dialer: { candidates: { size: number } } }).dialer.candidates.size;

describe('peer exchange switched off and on while running', () => {
  it('off: not offered to new peers, nothing sent, nothing taken from peers offered it before; on: offered again', async () => {
    const a = await connectPeer(1001);
    await roundTrip(a);
    // Control, PEX on: B is offered ut_pex and told of A at once, before the metadata answer.
    const b = await connectPeer(1002);
    expect(b.ids.get('ut_pex')).toBe(OUR_PEX_ID);
    await roundTrip(b);
    expect(b.extended.indexOf(OUR_PEX_ID)).toBeGreaterThanOrEqual(0);
    expect(b.extended.indexOf(OUR_PEX_ID)).toBeLessThan(b.extended.indexOf(OUR_METADATA_ID));
    // ...and what A sends is used.
    a.socket.write(frame(20, Buffer.concat([Buffer.from([OUR_PEX_ID]), encodePex([{ host: '127.0.0.1', port: 1, flags: 0 }], [])])));
    await roundTrip(a);
    expect(knownPeers()).toBe(1);

    await session.setPeerSources({ pex: false });
    expect(session.peerSources()).toMatchObject({ pex: false });
    const c = await connectPeer(1003);
    expect(c.ids.has('ut_pex')).toBe(false);
    await roundTrip(c);
    expect(c.extended).toEqual([OUR_METADATA_ID]);
    // B was offered ut_pex before the switch: what it sends now is dropped (and not held against it).
    b.socket.write(frame(20, Buffer.concat([Buffer.from([OUR_PEX_ID]), encodePex([{ host: '127.0.0.1', port: 2, flags: 0 }], [])])));
    await roundTrip(b);
    expect(knownPeers()).toBe(1);
    expect(b.socket.destroyed).toBe(false);

    await session.setPeerSources({ pex: true });
    const d = await connectPeer(1004);
    expect(d.ids.get('ut_pex')).toBe(OUR_PEX_ID);
    await roundTrip(d);
    expect(d.extended.indexOf(OUR_PEX_ID)).toBeLessThan(d.extended.indexOf(OUR_METADATA_ID));
  });
});
