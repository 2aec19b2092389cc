/**
 * A valid .torrent close to the documented 16 MiB limit is added from the UI's transport:
 * WebSocket client → web host → contract validator → service → the real engine.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bytesToBase64, createWebSocketClient, MAX_TORRENT_FILE_BYTES, type WebSocketConstructor } from '../../shared/contract/index.js';
import { createSession, type EngineSession } from '../engine/index.js';
import { TesseraService } from '../engine/service/index.js';
import { startHostServer, type HostServer } from './server.js';

const PIECE = 16 * 1024;

/** A single-file torrent whose `pieces` string makes the file about `bytes` long. */
function bigTorrent(bytes: number): { data: Uint8Array; infoHash: string } {
  const pieces = Math.floor((bytes - 200) / 20);
  const hashes = Buffer.alloc(pieces * 20);
  for (let i = 0; i < pieces; i++) hashes.writeUInt32BE(i, i * 20);
  const info = { length: pieces * PIECE, name: 'big.bin', 'piece length': PIECE, pieces: hashes };
  const data = bencode.encode({ info });
  return { data, infoHash: createHash('sha1').update(bencode.encode(info)).digest('hex') };
}

describe('adding a large .torrent through the web host', () => {
  let dir: string;
  let session: EngineSession;
  let service: TesseraService;
  let host: HostServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-large-'));
    await mkdir(join(dir, 'ui'));
    await writeFile(join(dir, 'ui', 'index.html'), '<!doctype html>');
    session = await createSession({ downloadDir: join(dir, 'dl'), port: 0, listenHost: '127.0.0.1', dht: false, restore: false });
    service = new TesseraService({
      session,
      settings: { downloadDir: join(dir, 'dl'), listenPort: 0, maxPeersPerTorrent: 10, notifyOnComplete: false, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false },
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    host = await startHostServer({ service, staticDir: join(dir, 'ui'), port: 0 });
  });

  afterAll(async () => {
    await host.close();
    await service.close();
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a valid 15 MiB .torrent', async () => {
    const torrent = bigTorrent(15 * 1024 * 1024);
    expect(torrent.data.length).toBeGreaterThan(15 * 1024 * 1024 - 256);
    expect(torrent.data.length).toBeLessThan(MAX_TORRENT_FILE_BYTES);
    const client = createWebSocketClient({
      url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    let connected = false;
    client.subscribe((event) => {
      if (event.type === 'snapshot') connected = true;
    });
    try {
      await expect.poll(() => connected).toBe(true);
      const added = await client.addTorrentFile({ fileName: 'big.torrent', data: bytesToBase64(torrent.data), paused: true });
      expect(added).toEqual({ infoHash: torrent.infoHash, name: 'big.bin', duplicate: false });
      expect(session.get(torrent.infoHash)?.info().pieceCount).toBe(Math.floor((15 * 1024 * 1024 - 200) / 20));
    } finally {
      client.close();
    }
  }, 60_000);
});
