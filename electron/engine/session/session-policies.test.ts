/**
 * The queue, seeding limits, categories, add choices and tracker merging on a real Session
 * (no peers: trackers point at a closed port on loopback), kept across a restart.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { createSession } from '../index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import type { EngineSession, TorrentState } from '../api.js';

let dir: string;
const sessions: EngineSession[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-policies-'));
});

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function open(): Promise<EngineSession> {
  const s = await createSession({ downloadDir: path.join(dir, 'dl'), stateDir: path.join(dir, 'state'), port: 0, listenHost: '127.0.0.1', dht: false });
  sessions.push(s);
  return s;
}

/** A torrent nobody serves: it downloads (wants to) forever. */
const pending = (name: string, announce = 'http://127.0.0.1:9/announce') => torrentBytes(v1Info({ name, length: 32768 }), { announce });

const states = (s: EngineSession, hashes: string[]): TorrentState[] => hashes.map((h) => s.get(h)!.stats().state);
const queueOn = { enabled: true, maxActiveDownloads: 1, maxActiveUploads: 1, maxActiveTorrents: 2, ignoreSlowTorrents: false };

describe('the queue on a real session', () => {
  it('runs one download at a time in queue order, follows moves and pauses, and keeps its order across a restart', async () => {
    const s = await open();
    s.setQueueSettings(queueOn);
    const hashes: string[] = [];
    for (const name of ['a', 'b', 'c']) hashes.push((await s.add({ kind: 'torrent', bytes: pending(name) })).infoHash);
    await waitUntil('a runs, b and c wait', () => states(s, hashes).join() === 'downloading,queued,queued');
    expect(hashes.map((h) => s.get(h)!.stats().queuePosition)).toEqual([1, 2, 3]);

    s.moveInQueue([hashes[2]!], 'top');
    await waitUntil('c runs first now', () => states(s, hashes).join() === 'queued,queued,downloading');

    await s.get(hashes[2]!)!.pause();
    await waitUntil('the next in line (a) runs', () => states(s, hashes).join() === 'downloading,queued,paused');

    await s.close();
    sessions.length = 0;
    const again = await open();
    again.setQueueSettings(queueOn);
    expect(hashes.map((h) => again.get(h)!.stats().queuePosition)).toEqual([2, 3, 1]);
    await waitUntil('after a restart: c stays paused, a runs, b waits', () => states(again, hashes).join() === 'downloading,queued,paused');
  });

  it('with the queue off every torrent runs', async () => {
    const s = await open();
    const a = await s.add({ kind: 'torrent', bytes: pending('x') });
    const b = await s.add({ kind: 'torrent', bytes: pending('y') });
    await waitUntil('both download', () => states(s, [a.infoHash, b.infoHash]).join() === 'downloading,downloading');
    s.setQueueSettings(queueOn);
    await waitUntil('turning it on queues the second', () => states(s, [a.infoHash, b.infoHash]).join() === 'downloading,queued');
  });
});

describe('seeding limits on a real session', () => {
  async function seeding(s: EngineSession, name: string) {
    const data = fileData(40_000, 3);
    await fs.mkdir(path.join(dir, 'dl'), { recursive: true });
    await fs.writeFile(path.join(dir, 'dl', name), data);
    const bytes = torrentBytes(v1Info({ name, length: data.length, pieces: sha1Pieces(data, 16384) }), { announce: 'http://127.0.0.1:9/announce' });
    const t = await s.add({ kind: 'torrent', bytes });
    await waitUntil(`${name} seeds`, () => t.stats().state === 'seeding');
    return t;
  }

  it('a torrent at its own ratio limit is paused; the global limit with "remove" removes one (data kept)', async () => {
    const s = await open();
    const own = await seeding(s, 'own.bin');
    own.setSeedingLimits({ ratio: 0, minutes: -1 });
    await waitUntil('own limit pauses it', () => own.stats().state === 'paused');

    const global = await seeding(s, 'global.bin');
    s.setSeedingLimits({ ratio: -1, minutes: 0, action: 'remove' });
    await waitUntil('global time limit removes it', () => s.get(global.infoHash) === undefined);
    expect((await fs.stat(path.join(dir, 'dl', 'global.bin'))).size).toBe(40_000);
    // A torrent with "no limit" of its own is left alone by the global limit.
    const free = await seeding(s, 'free.bin');
    free.setSeedingLimits({ ratio: -1, minutes: -1 });
    s.setSeedingLimits({ ratio: 0, minutes: 0, action: 'pause' });
    expect(free.stats().state).toBe('seeding');
  });
});

describe('add choices, categories and duplicates', () => {
  it('file priorities from the add dialog skip files (pad files not counted); category and limits survive a restart', async () => {
    const s = await open();
    const files = [{ path: ['one.bin'], length: 20000 }, { path: ['two.bin'], length: 20000 }];
    const bytes = torrentBytes(v1Info({ name: 'pair', files }), { announce: 'http://127.0.0.1:9/announce' });
    const t = await s.add({ kind: 'torrent', bytes }, { filePriorities: [0, 2], category: 'Stuff', sequential: true, paused: true });
    expect(t.files().map((f) => f.priority)).toEqual([0, 2]);
    expect(t.stats()).toMatchObject({ category: 'Stuff', sequential: true });
    t.setSeedingLimits({ ratio: 2.5, minutes: 90 });
    await s.close();
    sessions.length = 0;
    const again = await open();
    const back = again.get(t.infoHash)!;
    expect(back.files().map((f) => f.priority)).toEqual([0, 2]);
    expect(back.stats()).toMatchObject({ category: 'Stuff', sequential: true, seedingLimits: { ratio: 2.5, minutes: 90 }, state: 'paused' });
  });

  it('adding a torrent that is already there merges its new trackers, kept across a restart', async () => {
    const s = await open();
    const t = await s.add({ kind: 'torrent', bytes: pending('dup', 'http://127.0.0.1:9/a') }, { paused: true });
    const again = await s.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${t.infoHash}&tr=${encodeURIComponent('http://127.0.0.1:9/b')}` });
    expect(again).toBe(t);
    expect(t.trackers().map((x) => x.url)).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
    await waitUntil('the merged list is saved', async () =>
      (await fs.readFile(path.join(dir, 'state', 'torrents', `${t.infoHash}.resume`)).catch(() => Buffer.alloc(0))).includes('http://127.0.0.1:9/b'),
    );
    await s.close();
    sessions.length = 0;
    const restarted = await open();
    expect(restarted.get(t.infoHash)!.trackers().map((x) => x.url)).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
  });
});
