/**
 * A state folder that cannot take a torrent's copy (full, read-only; here its `torrents`
 * folder is a file, so every write there fails) costs only the restart: the torrent is
 * added and runs, and the session warns in one line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSession } from '../index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-state-full-'));
});
afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

describe('a state folder that cannot be written', () => {
  it('adds the torrent anyway and says it will not be restored', async () => {
    const state = path.join(dir, 'state');
    await fs.promises.mkdir(state);
    await fs.promises.writeFile(path.join(state, 'torrents'), 'not a folder');
    const session = await createSession({ downloadDir: path.join(dir, 'dl'), stateDir: state, port: 0, listenHost: '127.0.0.1', dht: false, utp: false });
    const warnings: string[] = [];
    session.on('warning', (m) => warnings.push(m));
    try {
      const data = fileData(32 * 1024, 3);
      const bytes = torrentBytes(v1Info({ name: 'x.bin', length: data.length, pieceLength: 16 * 1024, pieces: sha1Pieces(data, 16 * 1024) }));
      const torrent = await session.add({ kind: 'torrent', bytes }, { savePath: path.join(dir, 'dl'), paused: true });
      expect(session.list().map((t) => t.infoHash)).toEqual([torrent.infoHash]);
      expect(warnings.find((w) => w.includes('cannot keep a copy of torrent'))).toMatch(/it will not be restored after a restart/);
    } finally {
      await session.close();
    }
  });
});
