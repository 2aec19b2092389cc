import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTorrent } from '../metainfo/index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import { TokenBucket } from '../util/token-bucket.js';
import { Torrent, type TorrentContext, type TorrentInit } from './torrent.js';

const PIECE = 16 * 1024;
const DATA = fileData(2 * PIECE + 7, 3);

let dir = '';
let disk: DiskWorkers;
const torrents: Torrent[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-export-'));
  disk = new DiskWorkers(1);
});
afterEach(async () => {
  for (const t of torrents.splice(0)) await t.stop();
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

function context(): TorrentContext {
  return {
    peerId: Buffer.from('-TS0100-ourownpeerid', 'latin1'),
    listenPort: 6881,
    clientName: 'Tessera test',
    readBuffer: Buffer.alloc(64 * 1024),
    maxPeers: 50,
    encryption: 'allow',
    dht: null,
    trackerClient: null,
    globalDownloadLimit: new TokenBucket(),
    globalUploadLimit: new TokenBucket(),
    disk,
    connect: () => {
      throw new Error('no test dials out');
    },
    warn: () => {},
  };
}

function create(init: Partial<TorrentInit> & { infoHash: Buffer }): Torrent {
  const torrent = new Torrent(
    { meta: null, name: null, trackers: [], savePath: dir, selectOnly: null, resume: null, store: null, magnetUri: null, ...init },
    context(),
  );
  torrents.push(torrent);
  return torrent;
}

describe('Torrent.torrentFile (Export .torrent)', () => {
  it('gives a .torrent with the same info-hash, files and trackers', () => {
    const original = torrentBytes(v1Info({ name: 'movie.mkv', length: DATA.length, pieceLength: PIECE, pieces: sha1Pieces(DATA, PIECE) }), {
      announce: 'http://127.0.0.1:1/announce',
    });
    const meta = parseTorrent(original);
    const torrent = create({ infoHash: meta.infoHash, meta, trackers: meta.announce });
    const exported = torrent.torrentFile();
    if (!exported) throw new Error('no .torrent for a torrent with metadata');
    const again = parseTorrent(exported);
    expect(again.infoHash.equals(meta.infoHash)).toBe(true);
    expect(again.name).toBe('movie.mkv');
    expect(again.announce).toEqual([['http://127.0.0.1:1/announce']]);
  });

  it('is null for a magnet whose metadata has not arrived', () => {
    const torrent = create({ infoHash: Buffer.alloc(20, 9), name: 'waiting' });
    expect(torrent.torrentFile()).toBeNull();
  });
});
