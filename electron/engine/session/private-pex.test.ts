import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineTorrent, type Session } from '../index.js';
import { createTorrent } from '../metainfo/create.js';
import { parseTorrent } from '../metainfo/index.js';
import { encodeHandshake } from '../wire/handshake.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../wire/extension-handshake.js';
import { encodePex } from '../wire/ut-pex.js';

// BEP 27: a private torrent gets peers from its trackers only. A raw peer on 127.0.0.1 talks to
// a downloading private and a downloading public torrent in one session: the private one's
// extension handshake offers no ut_pex, and a ut_pex message listing a peer is not used (the
// public control torrent, told the same later, dials that peer).
let dir = '';
let session: Session;
let priv: EngineTorrent;
let pub: EngineTorrent;
const sockets: net.Socket[] = [];
let pexTarget: net.Server;
const dialled: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-private-pex-'));
  await fs.mkdir(path.join(dir, 'src'));
  await fs.writeFile(path.join(dir, 'src', 'p.bin'), Buffer.alloc(64 * 1024, 1));
  await fs.writeFile(path.join(dir, 'src', 'q.bin'), Buffer.alloc(64 * 1024, 2));
  const privBytes = await createTorrent({ sourcePath: path.join(dir, 'src', 'p.bin'), pieceLength: 16 * 1024, private: true });
  const pubBytes = await createTorrent({ sourcePath: path.join(dir, 'src', 'q.bin'), pieceLength: 16 * 1024 });
  expect(parseTorrent(privBytes).private).toBe(true);
  session = await createSession({ downloadDir: path.join(dir, 'down'), port: 0, listenHost: '127.0.0.1', dht: false, lsd: false, portMapping: false, restore: false });
  priv = await session.add({ kind: 'torrent', bytes: privBytes });
  pub = await session.add({ kind: 'torrent', bytes: pubBytes });
  // Records the info-hash of every handshake Tessera sends when it dials this "PEX peer".
  pexTarget = net.createServer((s) => {
    sockets.push(s);
    s.once('data', (d: Buffer) => {
      if (d.length >= 48) dialled.push(d.subarray(28, 48).toString('hex'));
    });
  });
  await new Promise<void>((resolve) => pexTarget.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  pexTarget?.close();
  await session?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Connects as a peer, exchanges handshakes and extension handshakes; returns Tessera's `m` ids. */
async function connectPeer(infoHash: string): Promise<{ socket: net.Socket; ids: Map<string, number> }> {
  const socket = net.connect(session.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(encodeHandshake(Buffer.from(infoHash, 'hex'), Buffer.from('-XX0000-privatepextst').subarray(0, 20)).subarray(0, 68));
  socket.write(frame(20, Buffer.concat([Buffer.from([0]), encodeExtensionHandshake({ listenPort: 1, client: 'test', reqq: 250, pex: true })])));
  let buf = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 68) return;
      let at = 68;
      while (buf.length >= at + 4) {
        const len = buf.readUInt32BE(at);
        if (buf.length < at + 4 + len) return;
        if (len > 1 && buf[at + 4] === 20 && buf[at + 5] === 0) {
          const hs = decodeExtensionHandshake(buf.subarray(at + 6, at + 4 + len));
          if (typeof hs === 'string') return reject(new Error(hs));
          return resolve({ socket, ids: hs.ids });
        }
        at += 4 + len;
      }
    });
  });
}

function frame(id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = id;
  return Buffer.concat([head, payload]);
}

describe('private torrents and peer exchange', () => {
  it('offer no ut_pex and ignore ut_pex messages, unlike a public torrent', async () => {
    const target = { host: '127.0.0.1', port: (pexTarget.address() as net.AddressInfo).port, flags: 0 };
    const p = await connectPeer(priv.infoHash);
    expect(p.ids.has('ut_pex')).toBe(false);
    // Sent to the id a public torrent of ours would use: a private one must not act on it.
    p.socket.write(frame(20, Buffer.concat([Buffer.from([1]), encodePex([target], [])])));

    const q = await connectPeer(pub.infoHash);
    const pexId = q.ids.get('ut_pex');
    expect(pexId).toBeGreaterThan(0);
    q.socket.write(frame(20, Buffer.concat([Buffer.from([pexId!]), encodePex([target], [])])));

    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (dialled.includes(pub.infoHash)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(dialled).not.toContain(priv.infoHash);
    // Both raw peers dialled in: the session counts them as incoming connections (reachability).
    expect(session.reachability()).toMatchObject({ incomingConnections: 2, lsd: false, portMapping: { status: 'off' } });
  });
});
