/**
 * Issue 10 item 11: adding and removing a torrent of 20,000 files keeps the event loop turning
 * (parsing, checking the save folder and deleting run in chunks), the torrent shows as
 * 'checking' while it is prepared, and missing files cost no system call each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession } from '../index.js';
import { torrentBytes, v1Info, type V1File } from '../metainfo/test-torrents.js';
import { TurnCounter } from '../util/turn-counter.js';

const FILES = 20_000;

let dir: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-many-session-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.promises.rm(dir, { recursive: true, force: true });
});

describe(`a torrent of ${FILES} files`, () => {
  it('is added and removed with the event loop turning throughout, checking first, without a call per missing file', async () => {
    const files: V1File[] = Array.from({ length: FILES }, (_, i) => ({ path: [`d${Math.floor(i / 1000)}`, `f${i}.bin`], length: 1000 }));
    const bytes = torrentBytes(v1Info({ name: 'many', files }), { announce: 'http://127.0.0.1:9/announce' });
    const session = await createSession({ downloadDir: path.join(dir, 'dl'), stateDir: path.join(dir, 'state'), port: 0, listenHost: '127.0.0.1', dht: false });
    let lstats = 0;
    for (const target of [fs, fs.promises] as unknown as Array<Record<string, (...args: unknown[]) => unknown>>) {
      const original = target.lstat!;
      vi.spyOn(target, 'lstat').mockImplementation(function (this: unknown, ...args: unknown[]) {
        lstats++;
        return original.apply(this, args);
      });
    }
    try {
      const statesAtAdded: string[] = [];
      session.on('added', (infoHash) => statesAtAdded.push(session.get(infoHash)!.stats().state));

      const turns = new TurnCounter();
      const torrent = await session.add({ kind: 'torrent', bytes }, { paused: true });
      const addTurns = turns.stop();
      expect(statesAtAdded).toEqual(['checking']);
      expect(torrent.stats().state).toBe('paused');
      expect(torrent.files()).toHaveLength(FILES);
      // The parse alone yields every couple of thousand files.
      expect(addTurns).toBeGreaterThanOrEqual(FILES / 2048);

      const removing = new TurnCounter();
      await session.remove(torrent.infoHash, { deleteData: true });
      expect(removing.stop()).toBeGreaterThanOrEqual(FILES / 1024);
      expect(session.list()).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'dl', 'many'))).toBe(false);
      expect(fs.readdirSync(path.join(dir, 'state', 'torrents')).filter((n) => !n.startsWith('.'))).toEqual([]);
      // No file was ever written: checks, stamps (resume records) and deletion looked at folders, not at each file.
      expect(lstats).toBeLessThan(FILES / 10);
    } finally {
      await session.close();
    }
  });
});
