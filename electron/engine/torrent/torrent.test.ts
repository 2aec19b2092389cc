import { PieceState } from '../../../shared/contract/index.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PeerAddress, TorrentState } from '../api.js';
import { parseTorrent, type Metainfo } from '../metainfo/index.js';
import { fileData, sha1Pieces, torrentBytes, v1Info } from '../metainfo/test-torrents.js';
import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import { UNKNOWN_STAMP } from '../storage/stamp-trust.js';
import type { Every } from '../util/shared-intervals.js';
import { TokenBucket } from '../util/token-bucket.js';
import * as msg from '../wire/encode.js';
import { encodeExtensionHandshake, LOCAL_EXTENSIONS } from '../wire/extension-handshake.js';
import { HANDSHAKE_LENGTH } from '../wire/handshake.js';
import { MessageId } from '../wire/message-ids.js';
import { decodeMetadataMessage, encodeMetadataData, encodeMetadataRequest, type MetadataMessage } from '../wire/ut-metadata.js';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { METADATA_REJECT_BOUND } from './metadata-server.js';
import { Torrent, type TorrentContext, type TorrentInit } from './torrent.js';

const PIECE = 16 * 1024;
const DATA = fileData(3 * PIECE + 500, 1);
const THEIR_ID = Buffer.from('-LT2080-theirpeer-id', 'latin1');

function metaFor(data: Buffer, name = 'file.bin'): Metainfo {
  return parseTorrent(torrentBytes(v1Info({ name, length: data.length, pieceLength: PIECE, pieces: sha1Pieces(data, PIECE) })));
}

/** An in-memory socket for an incoming peer: records what the torrent writes, and feeds it what the test sends. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  readonly remoteAddress: string = '127.0.0.9';
  readonly remotePort = 51413;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(Buffer.from(chunk));
    done();
  }
  override _read(): void {}
  setNoDelay(): this {
    return this;
  }
  /** Frames written after the handshake, as [id, payload]. */
  frames(): Array<[number, Buffer]> {
    const bytes = Buffer.concat(this.written).subarray(HANDSHAKE_LENGTH);
    const out: Array<[number, Buffer]> = [];
    for (let at = 0; at + 4 <= bytes.length; ) {
      const length = bytes.readUInt32BE(at);
      if (length > 0) out.push([bytes[at + 4]!, bytes.subarray(at + 5, at + 4 + length)]);
      at += 4 + length;
    }
    return out;
  }
  send(frame: Buffer): void {
    this.emit('data', frame);
  }
}

let dir = '';
let disk: DiskWorkers;
const torrents: Torrent[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-torrent-'));
  disk = new DiskWorkers(1);
});
afterEach(async () => {
  vi.useRealTimers();
  for (const t of torrents.splice(0)) await t.stop();
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

function context(warnings: string[] = []): TorrentContext {
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
    // No test dials out: a dial would be a bug in the test (no candidates are ever added).
    connect: (address: PeerAddress) => {
      throw new Error(`unexpected dial to ${address.host}:${address.port}`);
    },
    warn: (m) => warnings.push(m),
  };
}

function create(init: Partial<TorrentInit> & { infoHash: Buffer }, warnings: string[] = []): { torrent: Torrent; states: TorrentState[] } {
  const torrent = new Torrent(
    { meta: null, name: null, trackers: [], savePath: dir, selectOnly: null, resume: null, store: null, magnetUri: null, ...init },
    context(warnings),
  );
  torrents.push(torrent);
  const states: TorrentState[] = [];
  torrent.on('state', (s) => states.push(s));
  return { torrent, states };
}

function fromMeta(meta: Metainfo, savePath = dir): { torrent: Torrent; states: TorrentState[] } {
  return create({ infoHash: meta.infoHash, meta, savePath });
}

function nextState(torrent: Torrent, want: TorrentState): Promise<void> {
  return new Promise((resolve) => {
    const check = (s: TorrentState): void => {
      if (s !== want) return;
      torrent.off('state', check);
      resolve();
    };
    torrent.on('state', check);
  });
}

/** A peer that dialled us: the handshake is done (extensions + fast), and the test speaks for it. */
/** A peer that stopped reading: what the torrent writes is recorded but never leaves the socket's buffer. */
class UnreadSocket extends FakeSocket {
  override write(chunk: Uint8Array, ...rest: [((error: Error | null | undefined) => void)?] | [BufferEncoding, ((error: Error | null | undefined) => void)?]): boolean {
    this.written.push(Buffer.from(chunk));
    return super.write(chunk, ...(rest as [BufferEncoding]));
  }
  override _write(): void {}
}

function connectPeer(torrent: Torrent, infoHash: Buffer, peerId = THEIR_ID, socket = new FakeSocket()): FakeSocket {
  torrent.acceptIncoming(socket as unknown as net.Socket, {
    handshake: { infoHash, peerId, extensions: true, fast: true, dht: false, v2: false },
    leftover: Buffer.alloc(0),
    cipher: null,
    encrypted: false,
  });
  return socket;
}

describe('Torrent lifecycle', () => {
  it('checking → seeding when the data is all there; pause and resume from seeding', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const { torrent, states } = fromMeta(metaFor(DATA));
    expect(torrent.state).toBe('checking');
    await torrent.start();
    expect(states).toEqual(['seeding']);
    expect(torrent.stats()).toMatchObject({ state: 'seeding', error: null, verifiedPieces: 4, checkedPieces: 4 });
    await torrent.pause();
    await torrent.pause(); // twice: nothing more happens
    await torrent.resume();
    expect(states).toEqual(['seeding', 'paused', 'seeding']);
  });

  it('checking → downloading on an empty folder; pause and resume from downloading', async () => {
    const { torrent, states } = fromMeta(metaFor(DATA));
    await torrent.start();
    await torrent.resume(); // already running: nothing happens
    await torrent.pause();
    await torrent.resume();
    expect(states).toEqual(['downloading', 'paused', 'downloading']);
    expect(torrent.stats().verifiedPieces).toBe(0);
  });

  it('added paused: checks, stays paused, and accepts no peers until resumed', async () => {
    const meta = metaFor(DATA);
    const { torrent, states } = fromMeta(meta);
    await torrent.start(true);
    expect(states).toEqual(['paused']);
    const refused = connectPeer(torrent, meta.infoHash);
    expect(refused.destroyed).toBe(true);
    await torrent.resume();
    expect(torrent.state).toBe('downloading');
    const accepted = connectPeer(torrent, meta.infoHash);
    expect(accepted.destroyed).toBe(false);
    expect(torrent.stats().peers).toBe(1);
  });

  it('a save folder that cannot be made: error; paused and resumed, storage is tried again and it runs (issue 9)', async () => {
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'a file where a folder should be');
    const warnings: string[] = [];
    const meta = metaFor(DATA);
    const { torrent, states } = create({ infoHash: meta.infoHash, meta, savePath: path.join(blocker, 'downloads') }, warnings);
    const errors: string[] = [];
    torrent.on('error', (m) => errors.push(m));
    await torrent.start();
    expect(torrent.stats()).toMatchObject({ state: 'error', error: expect.stringContaining('cannot use the save folder') });
    expect(errors).toHaveLength(1);
    // Paused, the fault stays what is shown: pausing fixes nothing.
    await torrent.pause();
    expect(torrent.state).toBe('error');
    await unlink(blocker);
    await torrent.resume();
    expect(torrent.stats()).toMatchObject({ state: 'downloading', error: null });
    expect(torrent.transfer).not.toBeNull();
    expect(states).toEqual(['error', 'checking', 'downloading']);
  });

  it('a resume while the cause remains faults again, with the new reason', async () => {
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'x');
    const meta = metaFor(DATA);
    const { torrent, states } = create({ infoHash: meta.infoHash, meta, savePath: path.join(blocker, 'dl') });
    await torrent.start();
    await torrent.resume();
    expect(torrent.stats()).toMatchObject({ state: 'error', error: expect.stringContaining('cannot use the save folder') });
    expect(states).toEqual(['error', 'checking', 'error']);
  });

  it('a fault under a working transfer drops the peers; resume hashes the data again', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const meta = metaFor(DATA);
    const { torrent, states } = fromMeta(meta);
    await torrent.start();
    const peer = connectPeer(torrent, meta.infoHash);
    expect(torrent.stats().peers).toBe(1);
    torrent.fatal('cannot read the data to upload: EIO');
    expect(torrent.stats()).toMatchObject({ state: 'error', error: 'cannot read the data to upload: EIO', peers: 0 });
    expect(peer.destroyed).toBe(true);
    await torrent.resume();
    expect(torrent.stats()).toMatchObject({ state: 'seeding', error: null, checkedPieces: 4 });
    expect(states).toEqual(['seeding', 'error', 'checking', 'seeding']);
  });

  it('a fault reported again while faulted (each batch in flight failing its write) is one error: the first cause', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const warnings: string[] = [];
    const meta = metaFor(DATA);
    const { torrent, states } = create({ infoHash: meta.infoHash, meta, savePath: dir }, warnings);
    const errors: string[] = [];
    torrent.on('error', (m) => errors.push(m));
    await torrent.start();
    torrent.fatal('disk write failed: EACCES (piece 1)');
    torrent.fatal('disk write failed: EACCES (piece 2)');
    torrent.fatal('disk write failed: EACCES (piece 3)');
    expect(errors).toEqual(['disk write failed: EACCES (piece 1)']);
    expect(warnings.filter((w) => w.includes('disk write failed'))).toHaveLength(1);
    expect(torrent.stats()).toMatchObject({ state: 'error', error: 'disk write failed: EACCES (piece 1)' });
    // The retry clears it: a later failure is heard again.
    await torrent.resume();
    torrent.fatal('disk write failed: ENOSPC');
    expect(errors).toEqual(['disk write failed: EACCES (piece 1)', 'disk write failed: ENOSPC']);
    expect(states).toEqual(['seeding', 'error', 'checking', 'seeding', 'error']);
  });

  describe('while it checks', () => {
    const TWO = fileData(8 * PIECE, 3);
    const twoMeta = (): Metainfo =>
      parseTorrent(
        torrentBytes(
          v1Info({ name: 'two', pieceLength: PIECE, files: [{ path: ['a.bin'], length: 4 * PIECE }, { path: ['b.bin'], length: 4 * PIECE }], pieces: sha1Pieces(TWO, PIECE) }),
        ),
      );
    async function writeTwo(): Promise<void> {
      await mkdir(path.join(dir, 'two'));
      await writeFile(path.join(dir, 'two', 'a.bin'), TWO.subarray(0, 4 * PIECE));
      await writeFile(path.join(dir, 'two', 'b.bin'), TWO.subarray(4 * PIECE));
    }
    /** "two" written and started, with the resume records it saves collected in `saved`. */
    async function startedTwo(): Promise<{ torrent: Torrent; meta: Metainfo; saved: ResumeData[] }> {
      await writeTwo();
      const saved: ResumeData[] = [];
      const store = { saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta, store });
      await torrent.start();
      return { torrent, meta, saved };
    }
    async function stoppedHalfWay(store: StateStore | null): Promise<{ torrent: Torrent; meta: Metainfo; hashed: number }> {
      await writeTwo();
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta, store });
      await torrent.start();
      torrent.setFilePriority(1, 0);
      let hashed = 0;
      let stopping: Promise<void> | null = null;
      torrent.on('piece', () => {
        if (++hashed === 2) stopping = torrent.stop();
      });
      await torrent.recheck();
      await stopping;
      return { torrent, meta, hashed };
    }

    it('shows the pieces found good so far (the mosaic fills as the check goes)', async () => {
      await writeTwo();
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      const seen: number[] = [];
      torrent.on('piece', () => {
        const status = torrent.pieceStatus();
        seen.push(status.length === 8 ? status.filter((s) => s === PieceState.Verified).length : -1);
      });
      await torrent.recheck();
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('shows the pieces of a skipped file as Skipped all through the check, not Missing until it ends', async () => {
      await mkdir(path.join(dir, 'two'));
      await writeFile(path.join(dir, 'two', 'a.bin'), TWO.subarray(0, 4 * PIECE));
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      torrent.setFilePriority(1, 0);
      const seen: string[] = [];
      const sample = (): void => void seen.push([...torrent.pieceStatus()].join(''));
      torrent.on('piece', sample);
      torrent.on('state', sample);
      await torrent.recheck();
      sample();
      // Every view of the mosaic while checking: b.bin's pieces (4–7) Skipped, a.bin's filling in.
      const shown = seen.filter((s) => s.length === 8);
      expect(shown.length).toBeGreaterThanOrEqual(4);
      expect(shown.filter((s) => s.slice(4) !== '4444')).toEqual([]);
      expect(seen.at(-1)).toBe('22224444');
    });

    it('a file skipped while the check runs shows as Skipped at once, and wanted again as Missing', async () => {
      await mkdir(path.join(dir, 'two'));
      await writeFile(path.join(dir, 'two', 'a.bin'), TWO.subarray(0, 4 * PIECE));
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      const seen: string[] = [];
      torrent.on('piece', (index) => {
        if (index === 0) torrent.setFilePriority(1, 0);
        seen.push([...torrent.pieceStatus()].slice(4).join(''));
        if (index === 1) torrent.setFilePriority(1, 1);
        if (index === 1) seen.push([...torrent.pieceStatus()].slice(4).join(''));
        if (index === 2) torrent.setFilePriority(1, 0);
      });
      await torrent.recheck();
      // It was Missing (0000) here until the check ended.
      expect(seen).toEqual(['4444', '4444', '0000', '0000', '4444']);
      expect([...torrent.pieceStatus()].join('')).toBe('22224444');
    });

    it('shows the files, and keeps the priorities set meanwhile for when the check ends', async () => {
      await writeTwo();
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      let shown: number[] | null = null;
      torrent.on('piece', () => {
        if (shown) return;
        torrent.setFilePriority(1, 0);
        torrent.setFilePriority(0, 2);
        shown = torrent.files().map((f) => f.priority);
      });
      await torrent.recheck();
      expect(shown).toEqual([2, 0]);
      expect(torrent.files().map((f) => f.priority)).toEqual([2, 0]);
      expect(torrent.stats()).toMatchObject({ state: 'seeding', checkedPieces: 8 });
    });

    it('a priority set between the recheck and the start of its hashing is kept: picker, files and record', async () => {
      // b.bin is missing: skipped, the torrent is complete; wanted, it downloads.
      await mkdir(path.join(dir, 'two'));
      await writeFile(path.join(dir, 'two', 'a.bin'), TWO.subarray(0, 4 * PIECE));
      const saved: ResumeData[] = [];
      const store = { saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta, store });
      await torrent.start();
      expect(torrent.stats().state).toBe('downloading');
      const hashedBefore: number[] = [];
      torrent.on('piece', (index) => hashedBefore.length === 0 && hashedBefore.push(index));
      // The recheck is draining the old transfer (no check has begun): the click lands now.
      const rechecking = torrent.recheck();
      expect(torrent.transfer).toBeNull();
      torrent.setFilePriority(1, 0);
      expect(hashedBefore).toEqual([]);
      await rechecking;
      expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
      expect([...torrent.pieceStatus()].join('')).toBe('22224444');
      expect([4, 5, 6, 7].map((i) => torrent.transfer!.picker.isWanted(i))).toEqual([false, false, false, false]);
      expect(torrent.transfer!.picker.isWanted(0)).toBe(true);
      expect(torrent.stats().state).toBe('seeding');
      await torrent.saveResume();
      expect(saved.at(-1)!.filePriorities).toEqual([1, 0]);
    });

    it('a record saved during a recheck keeps the file priorities (a crash then must not want skipped files)', async () => {
      const { torrent, meta, saved } = await startedTwo();
      torrent.setFilePriority(1, 0);
      const rechecking = torrent.recheck();
      expect(torrent.transfer).toBeNull();
      await torrent.saveResume(); // while the old transfer drains
      const draining = saved.at(-1)!;
      await rechecking;
      expect(draining.filePriorities).toEqual([1, 0]);
      expect(draining.pieceCount).toBe(meta.pieceCount);
      expect([...draining.have].every((b) => b === 0)).toBe(true);
      expect(draining.files).toEqual(meta.files.map(() => UNKNOWN_STAMP));
      expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
    });

    it("a record saved before a new torrent's first check has the add dialog's file choice", async () => {
      const saved: ResumeData[] = [];
      const store = { saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta, store, initial: { filePriorities: [1, 0] } });
      await torrent.saveResume(); // added, not started: no transfer yet
      expect(saved.at(-1)).toMatchObject({ pieceCount: meta.pieceCount, filePriorities: [1, 0] });
      await writeTwo();
      await torrent.start();
      expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
    });

    it('a record saved while the data moves keeps the file priorities', async () => {
      const { torrent, meta, saved } = await startedTwo();
      torrent.setFilePriority(0, 0);
      const moving = torrent.moveStorage(path.join(dir, 'moved'));
      await torrent.saveResume();
      const during = saved.at(-1)!;
      await moving;
      expect(during.filePriorities).toEqual([0, 1]);
      expect(during.pieceCount).toBe(meta.pieceCount);
    });

    it('a priority set while the data moves (before the new transfer exists) is kept too', async () => {
      await writeTwo();
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      const moving = torrent.moveStorage(path.join(dir, 'moved'));
      expect(torrent.transfer).toBeNull();
      torrent.setFilePriority(0, 2);
      torrent.setFilePriority(1, 0);
      await moving;
      expect(torrent.stats().savePath).toBe(path.join(dir, 'moved'));
      expect(torrent.files().map((f) => f.priority)).toEqual([2, 0]);
    });

    it('failing, it keeps the file priorities: in the record saved meanwhile, and for the retry', async () => {
      const { torrent, saved } = await startedTwo();
      torrent.setFilePriority(1, 0);
      // The torrent's folder is not one any more: the recheck cannot use it.
      await rename(path.join(dir, 'two'), path.join(dir, 'two.away'));
      await writeFile(path.join(dir, 'two'), 'not a folder');
      await torrent.recheck();
      expect(torrent.stats()).toMatchObject({ state: 'error', error: expect.stringContaining('cannot use the save folder') });
      await torrent.pause();
      const record = saved.at(-1)!;
      expect(record).toMatchObject({ pieceCount: 8, filePriorities: [1, 0] });
      // Nothing vouched for: a restart from this record hashes the files.
      expect(record.files).toEqual([UNKNOWN_STAMP, UNKNOWN_STAMP]);
      await unlink(path.join(dir, 'two'));
      await rename(path.join(dir, 'two.away'), path.join(dir, 'two'));
      await torrent.resume();
      expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
      expect(torrent.stats()).toMatchObject({ state: 'seeding', error: null, checkedPieces: 8 });
    });

    it('failed, a priority set afterwards is in the record saved meanwhile (a restart in that state keeps it)', async () => {
      const { torrent, saved } = await startedTwo();
      await rename(path.join(dir, 'two'), path.join(dir, 'two.away'));
      await writeFile(path.join(dir, 'two'), 'not a folder');
      await torrent.recheck();
      expect(torrent.stats().state).toBe('error');
      torrent.setFilePriority(1, 0);
      await torrent.saveResume();
      expect(saved.at(-1)!.filePriorities).toEqual([1, 0]);
      await unlink(path.join(dir, 'two'));
      await rename(path.join(dir, 'two.away'), path.join(dir, 'two'));
      await torrent.resume();
      expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
    });

    it('stopped, the check ends at the next piece; the record keeps the file priorities and vouches for no file, so the next start hashes again', async () => {
      const saved: ResumeData[] = [];
      const store = { saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
      const { meta, hashed } = await stoppedHalfWay(store);
      // Quitting does not wait for the whole torrent to be hashed.
      expect(hashed).toBe(2);
      const record = saved.at(-1)!;
      expect(record.filePriorities).toEqual([1, 0]);
      expect(record.files).toEqual([UNKNOWN_STAMP, UNKNOWN_STAMP]);
      const again = create({ infoHash: meta.infoHash, meta, store, resume: record }).torrent;
      await again.start();
      expect(again.files().map((f) => f.priority)).toEqual([1, 0]);
      expect(again.stats()).toMatchObject({ state: 'seeding', checkedPieces: 8, resumedPieces: 0 });
    });

    it('failed, its files can still be deleted (a removal with the data), never through a link', async () => {
      await writeTwo();
      const outside = path.join(dir, 'elsewhere.bin');
      await writeFile(outside, 'not the torrent\'s');
      await rm(path.join(dir, 'two', 'b.bin'));
      await symlink(outside, path.join(dir, 'two', 'b.bin'));
      const meta = twoMeta();
      const { torrent } = create({ infoHash: meta.infoHash, meta });
      await torrent.start();
      expect(torrent.stats().state).toBe('error');
      expect(torrent.transfer).toBeNull();
      await torrent.storageToDelete!.deleteFiles().catch(() => undefined);
      expect(await readdir(path.join(dir, 'two'))).toEqual(['b.bin']);
      expect(await readFile(outside, 'utf8')).toBe('not the torrent\'s');
    });

    it('stopped, its files can still be deleted (a removal with the data)', async () => {
      const { torrent } = await stoppedHalfWay(null);
      await writeFile(path.join(dir, 'two', 'mine.txt'), 'the user\'s own file');
      expect(torrent.transfer).not.toBeNull();
      await torrent.transfer!.storage.deleteFiles();
      expect(await readdir(path.join(dir, 'two'))).toEqual(['mine.txt']);
    });
  });

  it('recheck: a damaged piece is found and fetched again; a paused torrent stays paused', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const { torrent, states } = fromMeta(metaFor(DATA));
    await torrent.start();
    const damaged = Buffer.from(DATA);
    damaged[PIECE + 7] = damaged[PIECE + 7]! ^ 0xff;
    await writeFile(path.join(dir, 'file.bin'), damaged);
    await torrent.recheck();
    expect(torrent.stats()).toMatchObject({ state: 'downloading', verifiedPieces: 3 });
    await torrent.pause();
    await torrent.recheck();
    expect(torrent.state).toBe('paused');
    expect(states).toEqual(['seeding', 'checking', 'downloading', 'paused', 'checking', 'paused']);
  });

  it('a file changed or deleted while seeding is hashed after a restart, not trusted from the record saved meanwhile', async () => {
    const saved: ResumeData[] = [];
    const store = { saveResume: async (r: ResumeData) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
    const meta = metaFor(DATA);
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const first = create({ infoHash: meta.infoHash, meta, store }).torrent;
    await first.start();
    expect(first.stats()).toMatchObject({ state: 'seeding', verifiedPieces: 4 });
    // Edited in place behind our back (a byte of piece 1, a later mtime), then a record is saved.
    const damaged = Buffer.from(DATA);
    damaged[PIECE + 7] = damaged[PIECE + 7]! ^ 0xff;
    await writeFile(path.join(dir, 'file.bin'), damaged);
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'file.bin'), later, later);
    await first.saveResume();
    await first.stop();
    const again = create({ infoHash: meta.infoHash, meta, store, resume: saved.at(-1)! }).torrent;
    await again.start();
    expect(again.stats()).toMatchObject({ state: 'downloading', verifiedPieces: 3, checkedPieces: 4, resumedPieces: 0 });
    await again.saveResume();
    await again.stop();

    // Deleted behind our back: the next start finds nothing, and claims nothing.
    await unlink(path.join(dir, 'file.bin'));
    const third = create({ infoHash: meta.infoHash, meta, store, resume: saved.at(-1)! }).torrent;
    await third.start();
    await third.saveResume();
    await third.stop();
    const fourth = create({ infoHash: meta.infoHash, meta, store, resume: saved.at(-1)! }).torrent;
    await fourth.start();
    expect(fourth.stats()).toMatchObject({ state: 'downloading', verifiedPieces: 0, resumedPieces: 0 });
  });

  it('stop: connections close, and nothing starts again', async () => {
    const meta = metaFor(DATA);
    const { torrent } = fromMeta(meta);
    await torrent.start();
    const peer = connectPeer(torrent, meta.infoHash);
    await torrent.stop();
    expect(peer.destroyed).toBe(true);
    await torrent.resume();
    const late = connectPeer(torrent, meta.infoHash);
    expect(late.destroyed).toBe(true);
  });

  it('finishing a download (skipping the missing file) turns downloading into seeding', async () => {
    const first = fileData(PIECE, 2);
    const second = fileData(PIECE, 3);
    const info = v1Info({
      name: 'two',
      pieceLength: PIECE,
      files: [
        { path: ['a.bin'], length: PIECE },
        { path: ['b.bin'], length: PIECE },
      ],
      pieces: sha1Pieces(Buffer.concat([first, second]), PIECE),
    });
    const meta = parseTorrent(torrentBytes(info));
    await mkdir(path.join(dir, 'two'));
    await writeFile(path.join(dir, 'two', 'a.bin'), first);
    const { torrent, states } = fromMeta(meta);
    await torrent.start();
    expect(torrent.stats().verifiedPieces).toBe(1);
    const done = new Promise<void>((resolve) => torrent.once('done', () => resolve()));
    torrent.setFilePriority(1, 0);
    await done;
    expect(states).toEqual(['downloading', 'seeding']);
    torrent.setFilePriority(1, 1);
    expect(torrent.state).toBe('downloading');
  });
});

describe('Torrent: an idle torrent keeps little', () => {
  it('a seed without peers makes no peer-exchange or BEP 52 hash state and fills none of its tables; its first peer makes them', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const meta = metaFor(DATA);
    const { torrent } = fromMeta(meta);
    await torrent.start();
    expect(torrent.state).toBe('seeding');
    expect(Reflect.get(torrent, 'v2HashesMade')).toBeNull();
    expect(Reflect.get(torrent, 'pexMade')).toBeNull();
    // The lazily made tables of the peers, the dialer and the candidates have no table behind them.
    const dialer = Reflect.get(torrent, 'dialer') as object;
    for (const table of [Reflect.get(torrent, 'peersById'), Reflect.get(dialer, 'halfOpenPeers'), Reflect.get(Reflect.get(dialer, 'candidates') as object, 'byKey')]) {
      expect(Reflect.get(table as object, 'map')).toBeUndefined();
    }
    const peer = connectPeer(torrent, meta.infoHash);
    peer.send(msg.extended(0, encodeExtensionHandshake({ listenPort: 7000, client: 'fake', reqq: 50, pex: true })));
    await waitUntil('peer exchange made', () => Reflect.get(torrent, 'pexMade') !== null);
    peer.destroy();
    await waitUntil('v2 hash state made', () => Reflect.get(torrent, 'v2HashesMade') !== null);
  });
});

describe('Torrent: peers closing', () => {
  it('a second connection from the same peer id is closed as a duplicate; the first stays', async () => {
    const meta = metaFor(DATA);
    const warnings: string[] = [];
    const { torrent } = create({ infoHash: meta.infoHash, meta }, warnings);
    await torrent.start();
    const first = connectPeer(torrent, meta.infoHash);
    const second = connectPeer(torrent, meta.infoHash);
    expect(second.destroyed).toBe(true);
    expect(first.destroyed).toBe(false);
    expect(torrent.stats().peers).toBe(1);
    expect(warnings).toEqual([]); // it never joined: nothing to report
  });

  it("two connections from a peer id greater than ours: the older one is closed, as the peer's libtorrent would", async () => {
    const meta = metaFor(DATA);
    const warnings: string[] = [];
    const { torrent } = create({ infoHash: meta.infoHash, meta }, warnings);
    await torrent.start();
    const greater = Buffer.from('-ZZ0100-greaterpeer1', 'latin1');
    const first = connectPeer(torrent, meta.infoHash, greater);
    const second = connectPeer(torrent, meta.infoHash, greater);
    expect(first.destroyed).toBe(true);
    expect(second.destroyed).toBe(false);
    expect(torrent.stats().peers).toBe(1);
    expect(warnings).toEqual([]); // a duplicate is routine: no warning
  });

  describe('connections per address', () => {
    /** A socket from `ip` (FakeSocket's own address is loopback, which no cap applies to). */
    class SocketFrom extends FakeSocket {
      override readonly remoteAddress: string;
      constructor(ip: string) {
        super();
        this.remoteAddress = ip;
      }
    }
    const peerIdOf = (n: number): typeof THEIR_ID => Buffer.from(`-LT2080-peer${String(n).padStart(8, '0')}`, 'latin1');

    async function started(maxConnectionsPerIp?: number): Promise<{ torrent: Torrent; meta: Metainfo; warnings: string[] }> {
      const meta = metaFor(DATA);
      const warnings: string[] = [];
      const ctx = { ...context(warnings), ...(maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp }) };
      const torrent = new Torrent({ meta, name: null, trackers: [], savePath: dir, selectOnly: null, resume: null, store: null, magnetUri: null, infoHash: meta.infoHash }, ctx);
      torrents.push(torrent);
      await torrent.start();
      return { torrent, meta, warnings };
    }

    it('one address holds at most 2 by default, an IPv6 /64 at most 8: the newcomer over it is closed, quietly', async () => {
      const { torrent, meta, warnings } = await started();
      const v4 = [1, 2, 3].map((n) => connectPeer(torrent, meta.infoHash, peerIdOf(n), new SocketFrom('203.0.113.7')));
      expect(v4.map((s) => s.destroyed)).toEqual([false, false, true]);
      const v6 = [4, 5, 6].map((n) => connectPeer(torrent, meta.infoHash, peerIdOf(n), new SocketFrom('2001:db8:1:2::4')));
      expect(v6.map((s) => s.destroyed)).toEqual([false, false, true]);
      const lan = [7, 8, 9, 10, 11, 12, 13].map((n) => connectPeer(torrent, meta.infoHash, peerIdOf(n), new SocketFrom(`2001:db8:1:2::${n}`)));
      expect(lan.map((s) => s.destroyed)).toEqual([false, false, false, false, false, false, true]);
      expect(connectPeer(torrent, meta.infoHash, peerIdOf(14), new SocketFrom('198.51.100.1')).destroyed).toBe(false);
      expect(torrent.stats().peers).toBe(11);
      expect(warnings).toEqual([]);
    });

    it('loopback is never capped, and 0 means no cap', async () => {
      const local = await started(1);
      const fromHere = [1, 2, 3, 4].map((n) => connectPeer(local.torrent, local.meta.infoHash, peerIdOf(n)));
      expect(fromHere.some((s) => s.destroyed)).toBe(false);
      const open = await started(0);
      const fromOne = [1, 2, 3, 4].map((n) => connectPeer(open.torrent, open.meta.infoHash, peerIdOf(n), new SocketFrom('203.0.113.7')));
      expect(fromOne.some((s) => s.destroyed)).toBe(false);
    });

    it('a duplicate that replaces the older connection of the same peer is not counted against it', async () => {
      const { torrent, meta } = await started(1);
      const greater = Buffer.from('-ZZ0100-greaterpeer1', 'latin1');
      const first = connectPeer(torrent, meta.infoHash, greater, new SocketFrom('203.0.113.7'));
      const second = connectPeer(torrent, meta.infoHash, greater, new SocketFrom('203.0.113.7'));
      expect(first.destroyed).toBe(true);
      expect(second.destroyed).toBe(false);
      expect(torrent.stats().peers).toBe(1);
    });
  });

  it('a protocol violation drops the peer with a warning; closes of our own choosing do not warn', async () => {
    const meta = metaFor(DATA);
    const warnings: string[] = [];
    const { torrent } = create({ infoHash: meta.infoHash, meta }, warnings);
    await torrent.start();
    const rude = connectPeer(torrent, meta.infoHash);
    rude.send(msg.have(meta.pieceCount + 5));
    expect(rude.destroyed).toBe(true);
    expect(torrent.stats().peers).toBe(0);
    expect(warnings).toEqual([expect.stringMatching(/^127\.0\.0\.9:51413: protocol violation: /)]);
    const polite = connectPeer(torrent, meta.infoHash, Buffer.from('-LT2080-another-peer', 'latin1'));
    await torrent.pause();
    expect(polite.destroyed).toBe(true);
    expect(warnings).toHaveLength(1);
  });
});

describe('Torrent: serving the metadata (ut_metadata)', () => {
  const request = (piece: number): Buffer => msg.extended(LOCAL_EXTENSIONS.ut_metadata, encodeMetadataRequest(piece));
  const hello = msg.extended(0, encodeExtensionHandshake({ listenPort: 7000, client: 'fake', reqq: 50, pex: false }));

  /** The ut_metadata messages the torrent wrote to `socket`. */
  function metadataAnswers(socket: FakeSocket): MetadataMessage[] {
    return socket
      .frames()
      .filter(([id, payload]) => id === MessageId.Extended && payload[0] === LOCAL_EXTENSIONS.ut_metadata)
      .map(([, payload]) => decodeMetadataMessage(payload.subarray(1)))
      .filter((m): m is MetadataMessage => typeof m !== 'string');
  }

  it('a peer that floods requests and reads nothing: what is queued for it stays under the bound, the excess is rejected or ignored', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const meta = metaFor(DATA);
    const { torrent } = fromMeta(meta);
    await torrent.start();
    const flooder = connectPeer(torrent, meta.infoHash, THEIR_ID, new UnreadSocket());
    flooder.send(hello);
    const requests = 20_000;
    flooder.send(Buffer.concat(Array.from({ length: requests }, () => request(0))));
    expect(flooder.writableLength).toBeLessThan(METADATA_REJECT_BOUND + 1024);
    const answers = metadataAnswers(flooder);
    expect(answers.filter((m) => m.type === 'data').length).toBeGreaterThan(0);
    expect(answers.filter((m) => m.type === 'reject').length).toBeGreaterThan(0);
    expect(answers.length).toBeLessThan(requests);

    const reader = connectPeer(torrent, meta.infoHash, Buffer.from('-LT2080-another-peer', 'latin1'));
    reader.send(hello);
    reader.send(request(0));
    await new Promise((resolve) => setImmediate(resolve)); // (writes are flushed once per tick)
    expect(metadataAnswers(reader)).toEqual([{ type: 'data', piece: 0, totalSize: meta.infoBytes.length, data: meta.infoBytes }]);
  });
});

describe('Torrent: a magnet', () => {
  /** Plays a peer with the metadata: extension handshake, have-all, and answers to ut_metadata requests. */
  function serveMetadata(peer: FakeSocket, info: Buffer): void {
    const served = new Set<number>();
    const answer = (): void => {
      for (const [id, payload] of peer.frames()) {
        if (id !== MessageId.Extended || payload[0] !== LOCAL_EXTENSIONS.ut_metadata) continue;
        const m = decodeMetadataMessage(payload.subarray(1));
        if (typeof m === 'string' || m.type !== 'request' || served.has(m.piece)) continue;
        served.add(m.piece);
        const data = info.subarray(m.piece * PIECE, (m.piece + 1) * PIECE);
        peer.send(msg.extended(LOCAL_EXTENSIONS.ut_metadata, encodeMetadataData(m.piece, info.length, data)));
      }
    };
    peer.on('drain', answer);
    const write = peer._write.bind(peer);
    peer._write = (chunk, enc, done) => {
      write(chunk, enc, done);
      setImmediate(answer);
    };
    peer.send(msg.extended(0, encodeExtensionHandshake({ listenPort: 7000, client: 'fake', reqq: 50, metadataSize: info.length, uploadOnly: true, pex: false })));
    peer.send(msg.haveAll());
  }

  it('metadata → checking → downloading: the fetching handler is swapped for the transfer, which adopts the peer', async () => {
    const meta = metaFor(DATA, 'from-magnet.bin');
    const { torrent, states } = create({ infoHash: meta.infoHash, name: 'dn name' });
    expect(torrent.state).toBe('metadata');
    expect(torrent.name).toBe('dn name');
    await torrent.start();
    expect(torrent.state).toBe('metadata');
    const peer = connectPeer(torrent, meta.infoHash);
    // Messages of one event-loop turn leave together at its end.
    await new Promise((resolve) => setImmediate(resolve));
    // Before the metadata: "have none", and requests are refused.
    expect(peer.frames().map(([id]) => id)).toContain(MessageId.HaveNone);
    const arrived = new Promise<void>((resolve) => torrent.once('metadata', () => resolve()));
    serveMetadata(peer, meta.infoBytes);
    await arrived;
    expect(torrent.name).toBe('from-magnet.bin');
    expect(torrent.transfer).not.toBeNull();
    expect(states).toEqual(['checking', 'downloading']);
    // The peer that sent the metadata stayed, and the transfer took it over: we want its pieces.
    expect(peer.destroyed).toBe(false);
    expect(torrent.stats().peers).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(peer.frames().map(([id]) => id)).toContain(MessageId.Interested);
  });

  it('metadata that hashes right but is no valid info dictionary: error; resume fetches it again', async () => {
    const junk = Buffer.from('d3:fooi1ee');
    const infoHash = createHash('sha1').update(junk).digest();
    const { torrent, states } = create({ infoHash });
    await torrent.start();
    const peer = connectPeer(torrent, infoHash);
    const failed = nextState(torrent, 'error');
    serveMetadata(peer, junk);
    await failed;
    expect(torrent.stats().error).toMatch(/not a valid torrent/);
    expect(peer.destroyed).toBe(true);
    await torrent.resume();
    expect(states).toEqual(['error', 'metadata']);
    const again = connectPeer(torrent, infoHash);
    expect(again.destroyed).toBe(false);
  });
  it('added with "choose files first": waits with the metadata, creates and requests nothing until the choice, then skips what was unchecked', async () => {
    // Two files of two pieces each: no piece is shared, so a skipped file's pieces are never requested.
    const data = fileData(4 * PIECE, 7);
    const info = v1Info({ name: 'album', pieceLength: PIECE, files: [{ path: ['a.bin'], length: 2 * PIECE }, { path: ['b.bin'], length: 2 * PIECE }], pieces: sha1Pieces(data, PIECE) });
    const meta = parseTorrent(torrentBytes(info));
    const saved: Array<{ magnet: string | null; chooseFiles?: boolean }> = [];
    const store = { saveResume: async (r: { magnet: string | null; chooseFiles?: boolean }) => void saved.push(r), saveTorrent: async () => undefined } as unknown as StateStore;
    const uri = `magnet:?xt=urn:btih:${meta.infoHashHex}`;
    const { torrent, states } = create({ infoHash: meta.infoHash, initial: { chooseFilesFirst: true }, store, magnetUri: uri });
    await torrent.start();
    expect(torrent.fileChoice(10)).toBeNull(); // no metadata yet
    const peer = connectPeer(torrent, meta.infoHash);
    const toChoose = new Promise<void>((resolve) => torrent.once('filesToChoose', () => resolve()));
    let metadataEvents = 0;
    torrent.on('metadata', () => metadataEvents++);
    serveMetadata(peer, meta.infoBytes);
    peer.send(msg.unchoke());
    await toChoose;
    expect(torrent.fileChoice(10)).toEqual({
      infoHash: meta.infoHashHex, name: 'album', size: 4 * PIECE, fileCount: 2, trackerCount: 0, private: false,
      files: [{ path: 'album/a.bin', size: 2 * PIECE }, { path: 'album/b.bin', size: 2 * PIECE }],
    });
    expect(torrent.state).toBe('metadata');
    expect(torrent.transfer).toBeNull();
    expect(metadataEvents).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    const ids = (): number[] => peer.frames().map(([id]) => id);
    expect(ids()).not.toContain(MessageId.Request);
    expect(ids()).not.toContain(MessageId.Interested);
    await expect(readdir(dir)).resolves.toEqual([]);
    // A restart now starts from the magnet again and asks again: the record says so.
    await torrent.saveResume();
    expect(saved.at(-1)).toMatchObject({ magnet: uri, chooseFiles: true });
    // The peer that sent the metadata stays while the user chooses.
    expect(peer.destroyed).toBe(false);
    // A recheck has nothing to check yet and must not skip the choice; the health panel says who holds it.
    await torrent.recheck();
    expect(torrent.transfer).toBeNull();
    expect(torrent.health().causes.map((c) => c.title)).toEqual(['Waiting for your file choice']);

    await torrent.chooseFiles([1, 0]);
    expect(metadataEvents).toBe(1);
    expect(torrent.fileChoice(10)).toBeNull();
    expect(torrent.files().map((f) => f.priority)).toEqual([1, 0]);
    expect(states).toEqual(['checking', 'downloading']);
    await torrent.saveResume();
    expect(saved.at(-1)).toMatchObject({ magnet: null, chooseFiles: false });
    await waitUntil('a request', () => peer.frames().some(([id]) => id === MessageId.Request));
    const requested = peer.frames().filter(([id]) => id === MessageId.Request).map(([, payload]) => payload.readUInt32BE(0));
    expect(new Set(requested)).toEqual(new Set([0, 1]));
    expect(existsSync(path.join(dir, 'album', 'b.bin'))).toBe(false);
    await expect(torrent.chooseFiles([1, 1])).rejects.toThrow(/chosen already/);
  });
  it('restarted before the choice (its record keeps the magnet and choose-files): it fetches the metadata and asks again', async () => {
    const meta = metaFor(DATA, 'again.bin');
    const uri = `magnet:?xt=urn:btih:${meta.infoHashHex}`;
    const resume: ResumeData = {
      infoHash: meta.infoHashHex, savePath: dir, have: Buffer.alloc(0), pieceCount: 0, filePriorities: [], files: [], uploaded: 0, downloaded: 0,
      addedAt: 1, completedAt: null, paused: false, sequential: false, firstLastPiecesFirst: false, downloadLimit: 0, uploadLimit: 0, magnet: uri, chooseFiles: true,
    };
    const { torrent } = create({ infoHash: meta.infoHash, resume, magnetUri: uri });
    await torrent.start();
    const toChoose = new Promise<void>((resolve) => torrent.once('filesToChoose', () => resolve()));
    serveMetadata(connectPeer(torrent, meta.infoHash), meta.infoBytes);
    await toChoose;
    expect(torrent.fileChoice(10)?.files).toEqual([{ path: 'again.bin', size: DATA.length }]);
    // The record of the magnet (no pieces) does not stand in for the choice.
    await torrent.chooseFiles([2]);
    expect(torrent.files().map((f) => f.priority)).toEqual([2]);
  });
});

describe('Torrent: resume records', () => {
  it('the periodic save writes only what changed: an idle torrent is not rewritten', async () => {
    const saved: number[] = [];
    const store = { saveResume: async () => void saved.push(Date.now()), saveTorrent: async () => undefined } as unknown as StateStore;
    const meta = metaFor(DATA);
    const { torrent } = create({ infoHash: meta.infoHash, meta, store });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const saves = vi.spyOn(torrent, 'saveResume');
    await torrent.start();
    vi.advanceTimersByTime(30_000);
    expect(saves).toHaveBeenCalledTimes(1); // nothing was on disk for it yet
    vi.advanceTimersByTime(5 * 30_000);
    expect(saves).toHaveBeenCalledTimes(1); // idle: nothing to write
    connectPeer(torrent, meta.infoHash); // a peer came (a torrent without one does not tick: see the round's tests)
    Object.defineProperty(torrent.transfer!, 'uploadedBytes', { get: () => 16_384 }); // and a block went out to it
    vi.advanceTimersByTime(30_000);
    expect(saves).toHaveBeenCalledTimes(2);
    torrent.pieceChecked(0, true); // a piece verified
    vi.advanceTimersByTime(30_000);
    expect(saves).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(3 * 30_000);
    expect(saves).toHaveBeenCalledTimes(3);
    await torrent.pause(); // a pause is saved at once, and only once
    expect(saves).toHaveBeenCalledTimes(4);
    await torrent.resume();
    vi.advanceTimersByTime(30_000);
    expect(saves).toHaveBeenCalledTimes(5); // the record said paused
    await torrent.saveResume();
    expect(saved.length).toBeGreaterThan(0);
  });
});

/** The session's once-a-second round, turned by hand, to see which torrents are in it. */
class Round {
  private readonly listeners = new Set<() => void>();
  readonly every: Every = (_ms, listener) => {
    const entry = (): void => listener();
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  };
  get size(): number {
    return this.listeners.size;
  }
  turn(times = 1): void {
    for (let i = 0; i < times; i++) for (const l of [...this.listeners]) l();
  }
}

describe('Torrent: the once-a-second round (issue 11: 10,000 idle torrents)', () => {
  async function inRound(init: Partial<TorrentInit>, ctx: Partial<TorrentContext> = {}): Promise<{ torrent: Torrent; round: Round; meta: Metainfo }> {
    const meta = metaFor(DATA);
    const round = new Round();
    const torrent = new Torrent(
      { meta, name: null, trackers: [], savePath: dir, selectOnly: null, resume: null, store: null, magnetUri: null, infoHash: meta.infoHash, ...init },
      { ...context(), every: round.every, ...ctx },
    );
    torrents.push(torrent);
    await torrent.start();
    return { torrent, round, meta };
  }

  it('an idle torrent leaves the round after one tick; a peer brings it back until the peer is gone', async () => {
    await writeFile(path.join(dir, 'file.bin'), DATA);
    const { torrent, round, meta } = await inRound({});
    expect(torrent.state).toBe('seeding');
    expect(round.size).toBe(1);
    round.turn();
    expect(round.size).toBe(0); // no peer, nothing to dial, no record to save: no tick every second
    const socket = connectPeer(torrent, meta.infoHash);
    expect(round.size).toBe(1);
    round.turn(3);
    expect(round.size).toBe(1); // with a peer it ticks (choking, interest, pipelines) as before
    socket.destroy();
    await waitUntil('the peer gone', () => torrent.stats().peers === 0);
    round.turn();
    expect(round.size).toBe(0);
    await torrent.pause();
    connectPeer(torrent, meta.infoHash); // refused while paused
    expect(round.size).toBe(0);
  });

  it('addresses to dial bring an idle torrent back into the round', async () => {
    const dials: PeerAddress[] = [];
    const neverConnects = (address: PeerAddress): net.Socket => {
      dials.push(address);
      return new FakeSocket() as unknown as net.Socket;
    };
    const { torrent, round } = await inRound({}, { connect: neverConnects });
    round.turn();
    expect(round.size).toBe(0);
    torrent.addPeers([{ host: '127.0.0.2', port: 6881 }]);
    expect(dials).toHaveLength(1);
    expect(round.size).toBe(1);
    round.turn(5);
    expect(round.size).toBe(1); // still connecting: the tick dials more and times out what hangs
  });

  it('a change its record must save keeps or brings an idle torrent in the round until the periodic save, then it leaves', async () => {
    const store = { saveResume: async () => undefined, saveTorrent: async () => undefined } as unknown as StateStore;
    const { torrent, round } = await inRound({ store });
    const saves = vi.spyOn(torrent, 'saveResume');
    round.turn(29);
    expect(round.size).toBe(1); // no record on disk yet: it waits for the periodic save
    expect(saves).toHaveBeenCalledTimes(0);
    round.turn();
    expect(saves).toHaveBeenCalledTimes(1);
    expect(round.size).toBe(0);
    torrent.pieceChecked(0, true); // (a web seed's piece, say)
    expect(round.size).toBe(1);
    round.turn(29);
    expect(saves).toHaveBeenCalledTimes(1);
    round.turn();
    expect(saves).toHaveBeenCalledTimes(2);
    expect(round.size).toBe(0);
    await torrent.pause();
    torrent.pieceChecked(1, true);
    expect(round.size).toBe(0); // not running: nothing ticks
  });
});

describe('Torrent health (why is it slow or stuck)', () => {
  it('alone: no peers found; one choking peer with half the pieces: it chokes us, and 2 pieces nobody has', async () => {
    const meta = metaFor(DATA);
    const { torrent } = fromMeta(meta);
    await torrent.start();
    expect(torrent.health()).toEqual({ infoHash: meta.infoHash.toString('hex'), causes: [expect.objectContaining({ id: 'no-peers', severity: 'blocking' })] });
    const peer = connectPeer(torrent, meta.infoHash);
    peer.send(msg.bitfield(Uint8Array.of(0b1100_0000)));
    const causes = torrent.health().causes;
    expect(causes.map((c) => [c.id, c.severity])).toEqual([
      ['all-choke', 'blocking'],
      ['pieces-nobody-has', 'info'],
    ]);
    expect(causes[0]!.detail).toContain('127.0.0.9:51413');
    expect(causes[1]!.title).toBe('2 pieces nobody connected has');
    // The Peers tab's strip: its two pieces, both needed; not sent again once the renderer has them.
    const pieces = torrent.peerPieces(new Map());
    expect(pieces).toMatchObject({ pieceCount: 4, wantedMissing: 4, peers: [{ count: 2, seed: false, wanted: 2, have: Buffer.of(0b1100_0000).toString('base64') }] });
    expect(torrent.peerPieces(new Map([[pieces!.peers[0]!.id, 2]]))!.peers[0]!.have).toBeUndefined();
    await torrent.pause();
    expect(torrent.health().causes.map((c) => c.id)).toEqual(['paused']);
  });
});
