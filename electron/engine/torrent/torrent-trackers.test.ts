/**
 * The Trackers tab's edits on a real Torrent: tiers after add, edit and remove, the list kept in
 * the resume record (the .torrent's own trackers not merged back once the user edited), and
 * what a running torrent's trackers and the DHT hear (a fake tracker client and DHT record it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import type { PeerAddress } from '../api.js';
import type { DhtPeer } from '../dht/index.js';
import { parseTorrent, type Metainfo } from '../metainfo/index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import type { AnnounceClient } from '../tracker/index.js';
import type { AnnounceParams, AnnounceResult } from '../tracker/types.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { TorrentDht } from './discovery.js';
import { Torrent, type TorrentContext } from './torrent.js';

const PIECE = 16384;
const DATA = fileData(4 * PIECE, 3);
const A = 'http://127.0.0.1:1/a';
const B = 'udp://127.0.0.1:2';
const C = 'http://127.0.0.1:3/c';

/** Answers every announce at once with no peers, recording `url event`. */
class RecordingTracker implements AnnounceClient {
  readonly calls: string[] = [];
  announce(url: string, params: AnnounceParams): Promise<AnnounceResult> {
    this.calls.push(`${url} ${params.event}`);
    return Promise.resolve({ interval: 1800, minInterval: null, peers: [], complete: null, incomplete: null, warning: null, trackerId: null });
  }
  close(): void {}
}

/** A DHT that finds nobody and counts announces. */
class CountingDht implements TorrentDht {
  announces = 0;
  async *getPeers(): AsyncGenerator<DhtPeer, void, undefined> {}
  announce(): Promise<{ peers: DhtPeer[] }> {
    this.announces++;
    return Promise.resolve({ peers: [] });
  }
}

let dir = '';
let disk: DiskWorkers;
const torrents: Torrent[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-trackers-'));
  disk = new DiskWorkers(1);
});
afterEach(async () => {
  for (const t of torrents.splice(0)) await t.stop();
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

const meta: Metainfo = parseTorrent(
  torrentBytes(v1Info({ name: 'file.bin', length: DATA.length, pieceLength: PIECE, pieces: sha1Pieces(DATA, PIECE) }), { announce: A, 'announce-list': [[A]] }),
);

function open(options: { resume?: ResumeData | null; saved?: ResumeData[]; tracker?: RecordingTracker; dht?: CountingDht } = {}): Torrent {
  const saved = options.saved;
  const store = saved ? ({ saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore) : null;
  const ctx: TorrentContext = {
    peerId: Buffer.from('-TS0100-ourownpeerid', 'latin1'),
    listenPort: 6881,
    clientName: 'Tessera test',
    readBuffer: Buffer.alloc(64 * 1024),
    maxPeers: 50,
    encryption: 'allow',
    dht: options.dht ?? null,
    trackerClient: options.tracker ?? new RecordingTracker(),
    globalDownloadLimit: new TokenBucket(),
    globalUploadLimit: new TokenBucket(),
    disk,
    connect: (address: PeerAddress) => {
      throw new Error(`unexpected dial to ${address.host}:${address.port}`);
    },
    warn: () => undefined,
  };
  // As the session makes it: the .torrent's announce-list, then the record's list.
  const torrent = new Torrent({ infoHash: meta.infoHash, meta, name: null, trackers: meta.announce, savePath: dir, selectOnly: null, resume: options.resume ?? null, store, magnetUri: null }, ctx);
  torrents.push(torrent);
  return torrent;
}

const tiers = (t: Torrent): Array<[number, string]> => t.trackers().map((x) => [x.tier, x.url]);

describe('editing a torrent’s trackers', () => {
  it('add, edit and remove keep the tiers right; the list survives a restart and a recheck without the .torrent’s tracker coming back', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const saved: ResumeData[] = [];
    const first = open({ saved });
    await first.start();
    first.addTrackers([[B], [C, A]]);
    expect(tiers(first)).toEqual([[0, A], [1, B], [2, C]]);
    expect(first.editTracker(B, 'udp://127.0.0.1:4')).toBe('edited');
    expect(first.editTracker('http://127.0.0.1:9/none', 'http://127.0.0.1:5/x')).toBe('not-found');
    expect(first.editTracker(C, A)).toBe('duplicate');
    expect(first.removeTrackers([A, 'http://127.0.0.1:9/none'])).toBe(1);
    expect(first.removeTrackers(['http://127.0.0.1:9/none'])).toBe(0);
    expect(tiers(first)).toEqual([[0, 'udp://127.0.0.1:4'], [1, C]]);
    await first.saveResume();
    await first.stop();
    expect(saved.at(-1)).toMatchObject({ trackers: [['udp://127.0.0.1:4'], [C]], trackersEdited: true });

    const again = open({ resume: saved.at(-1)!, saved });
    await again.start();
    expect(tiers(again)).toEqual([[0, 'udp://127.0.0.1:4'], [1, C]]);
    await again.recheck();
    expect(tiers(again)).toEqual([[0, 'udp://127.0.0.1:4'], [1, C]]);
    // The exported .torrent carries the list as edited.
    expect(parseTorrent(again.torrentFile()!).announce).toEqual([['udp://127.0.0.1:4'], [C]]);
  });

  it('every tracker may go, and stays gone after a restart', async () => {
    const saved: ResumeData[] = [];
    const first = open({ saved });
    expect(first.removeTrackers([A])).toBe(1);
    expect(first.trackers()).toEqual([]);
    await first.saveResume();
    await first.stop();
    const again = open({ resume: saved.at(-1)! });
    expect(again.trackers()).toEqual([]);
  });

  it('a list only added to still takes the .torrent’s trackers after a restart (a duplicate add merges, as before)', async () => {
    const saved: ResumeData[] = [];
    const first = open({ saved });
    first.addTrackers([[C]]);
    await first.saveResume();
    await first.stop();
    expect(saved.at(-1)).toMatchObject({ trackers: [[A], [C]], trackersEdited: false });
    expect(tiers(open({ resume: saved.at(-1)! }))).toEqual([[0, A], [1, C]]);
  });

  it('a running torrent says stopped to a tracker edited away and started to the new URL; reannounce asks its trackers and the DHT now', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const tracker = new RecordingTracker();
    const dht = new CountingDht();
    const torrent = open({ tracker, dht });
    await torrent.start();
    await waitUntil('announced to A', () => tracker.calls.includes(`${A} started`));
    await waitUntil('announced on the DHT', () => dht.announces === 1);
    torrent.editTracker(A, C);
    await waitUntil('A hears stopped, C started', () => tracker.calls.includes(`${A} stopped`) && tracker.calls.includes(`${C} started`));
    torrent.reannounce();
    await waitUntil('C asked again', () => tracker.calls.includes(`${C} none`));
    await waitUntil('the DHT asked again', () => dht.announces === 2);
    expect(tracker.calls.filter((c) => c.startsWith(A))).toEqual([`${A} started`, `${A} stopped`]);
  });
});
