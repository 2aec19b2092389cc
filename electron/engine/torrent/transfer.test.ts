/**
 * Transfer against a mock host (its TransferHost) and real PeerConnections on in-memory
 * sockets: the remote side's messages are fed in, what we send is read back off the socket.
 * Pieces are small (two 16 KiB blocks) so they are hashed inline; data goes to a temp folder.
 */
import { PIECE_SOURCE_ENTRY_BYTES, readSourceEntry, unpackSourceEntries } from '../../../shared/contract/piece-sources.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseInfoDictionary, parseTorrent, type Metainfo } from '../metainfo/index.js';
import { fileData, hybridTorrent, sha1Pieces, v1Info } from '../metainfo/test-torrents.js';
import type { CloseReason } from '../peer/close-reason.js';
import { QUEUED_MESSAGE_OVERHEAD, type PeerConnection } from '../peer/peer-connection.js';
import type { PeerHandler } from '../peer/peer-handler.js';
import { REPLY_DROP_BOUND } from '../peer/reply-bound.js';
import { MAX_QUEUED_UPLOAD_REQUESTS, MAX_REFUSED_UPLOAD_REQUESTS } from '../peer/upload-queue.js';
import { blockRefs, connectTestPeer, RESERVED_FAST, RESERVED_NONE, sentMessages, type FakeSocket } from '../peer/test-peer.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import { Storage } from '../storage/storage.js';
import type { TokenBucket } from '../util/token-bucket.js';
import * as msg from '../wire/encode.js';
import { MessageId } from '../wire/message-ids.js';
import type { PeerCipher } from '../wire/mse/mse-common.js';
import { Transfer, type TransferHost } from './transfer.js';
import type { TorrentStats } from '../api.js';
import { collectHealthFacts } from './health-facts.js';
import { diagnose } from './health.js';
import { refillBatch } from './block-downloader.js';
import { sendBufferBound } from './upload-server.js';
import { UPLOAD_WINDOW } from './upload-window.js';
import { SendShares } from '../peer/send-shares.js';
import { STAGED_PIECE_ABOVE } from '../picker/piece-download.js';

const PIECE = 32 * 1024;
const BLOCK = 16 * 1024;

/** The mediator: records what the transfer reports and forwards peer events like a Torrent. */
class MockTorrent implements TransferHost, PeerHandler {
  readonly peers = new Set<PeerConnection>();
  readonly checked: Array<[number, boolean]> = [];
  readonly banned: PeerConnection[] = [];
  readonly fatals: string[] = [];
  readonly uploadLimits: TokenBucket[] = [];
  readonly disk = new DiskWorkers(1);
  finishedCount = 0;
  transfer!: Transfer;
  pieceCount = 0;

  // TransferHost
  connectedPeers(): Iterable<PeerConnection> {
    return this.peers;
  }
  blockArrived(): void {}
  pieceChecked(index: number, ok: boolean): void {
    this.checked.push([index, ok]);
  }
  finished(): void {
    this.finishedCount++;
  }
  fatal(message: string): void {
    this.fatals.push(message);
  }
  ban(peer: PeerConnection): void {
    this.banned.push(peer);
    peer.close({ kind: 'banned' });
  }
  warn(): void {}

  // PeerHandler
  peerReady(peer: PeerConnection): void {
    this.peers.add(peer);
  }
  peerBitfield(peer: PeerConnection): void {
    this.transfer.peerBitfield(peer);
  }
  peerHave(peer: PeerConnection, index: number): void {
    this.transfer.peerHave(peer, index);
  }
  peerChoked(peer: PeerConnection): void {
    this.transfer.peerChoked(peer);
  }
  peerUnchoked(peer: PeerConnection): void {
    this.transfer.peerUnchoked(peer);
  }
  peerInterest(peer: PeerConnection, interested: boolean): void {
    this.transfer.peerInterest(peer, interested);
  }
  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    return this.transfer.blockStart(peer, index, begin, length);
  }
  blockData(peer: PeerConnection, bytes: Buffer, offset: number): void {
    this.transfer.blockData(peer, bytes, offset);
  }
  blockEnd(peer: PeerConnection): void {
    this.transfer.blockEnd(peer);
  }
  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    this.transfer.peerRequest(peer, index, begin, length);
  }
  peerCancel(peer: PeerConnection, index: number, begin: number): void {
    this.transfer.peerCancel(peer, index, begin);
  }
  peerReject(peer: PeerConnection, index: number, begin: number): void {
    this.transfer.peerReject(peer, index, begin);
  }
  peerAllowedFast(): void {}
  peerSuggest(): void {}
  peerExtensionHandshake(): void {}
  peerExtended(): void {}
  peerClosed(peer: PeerConnection, _reason: CloseReason): void {
    if (this.peers.delete(peer)) this.transfer.peerGone(peer);
  }
}

interface Rig {
  meta: Metainfo;
  data: Buffer;
  transfer: Transfer;
  host: MockTorrent;
  connect(reserved?: number[], cipher?: PeerCipher, sendShares?: SendShares): { peer: PeerConnection; socket: FakeSocket };
}

const dirs: string[] = [];
const rigs: MockTorrent[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const host of rigs.splice(0)) {
    for (const p of [...host.peers]) p.close({ kind: 'torrent-stopped' });
    await host.transfer.drain();
    await host.transfer.storage.close();
    await host.disk.close();
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A torrent of `files` (byte lengths) in PIECE-sized pieces; `seed` puts the data on disk first. */
async function rig(options: { files: number[]; seed?: boolean; pieceLength?: number; torrent?: { meta: Metainfo; data: Buffer } }): Promise<Rig> {
  const total = options.files.reduce((a, b) => a + b, 0);
  const data = options.torrent?.data ?? fileData(total, 7);
  const single = options.files.length === 1;
  const pieceLength = options.pieceLength ?? PIECE;
  const info = single
    ? v1Info({ name: 'data.bin', pieceLength, length: total, pieces: sha1Pieces(data, pieceLength) })
    : v1Info({ name: 'tree', pieceLength, files: options.files.map((length, i) => ({ path: [`f${i}.bin`], length })), pieces: sha1Pieces(data, pieceLength) });
  const meta = options.torrent?.meta ?? parseInfoDictionary(encode(info));
  const dir = await mkdtemp(join(tmpdir(), 'transfer-test-'));
  dirs.push(dir);
  if (options.seed) {
    let at = 0;
    for (const [i, length] of options.files.entries()) {
      const path = single ? join(dir, 'data.bin') : join(dir, 'tree', `f${i}.bin`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data.subarray(at, at + length));
      at += length;
    }
  }
  const host = new MockTorrent();
  host.pieceCount = meta.pieceCount;
  const transfer = new Transfer(meta, dir, host);
  host.transfer = transfer;
  rigs.push(host);
  await transfer.prepare(() => undefined, null);
  transfer.setActive(true);
  const connect = (reserved = RESERVED_FAST, cipher?: PeerCipher, sendShares?: SendShares): { peer: PeerConnection; socket: FakeSocket } =>
    connectTestPeer(host, { infoHash: meta.infoHash, reserved, ...(cipher ? { cipher } : {}), ...(sendShares ? { sendShares } : {}) });
  return { meta, data, transfer, host, connect };
}

function bitfieldOf(pieceCount: number, indices: number[]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(pieceCount / 8));
  for (const i of indices) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return bytes;
}

function allPieces(pieceCount: number): Uint8Array {
  return bitfieldOf(pieceCount, [...Array(pieceCount).keys()]);
}

/** The piece message for a block, with the right bytes or `corrupt` ones. */
function block(data: Buffer, index: number, begin: number, length = BLOCK, corrupt = false): Buffer {
  const at = index * PIECE + begin;
  const bytes = corrupt ? Buffer.alloc(length, 0x5a) : data.subarray(at, at + length);
  return Buffer.concat([msg.pieceHeader(index, begin, length), bytes]);
}

const key = (r: [number, number, number]): string => `${r[0]}:${r[1]}`;
const keys = (refs: Array<[number, number, number]>): string[] => refs.map(key).sort();
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Transfer: what peers have feeds availability', () => {
  it('counts bitfields and haves, a peer whose haves complete it as a seed, and takes both out when they leave', async () => {
    const { transfer, connect } = await rig({ files: [10 * PIECE] });
    const a = connect();
    a.peer.receive(msg.bitfield(bitfieldOf(10, [0, 1, 2])));
    const b = connect();
    b.peer.receive(Buffer.concat([msg.have(1), msg.have(9), msg.have(9)]));
    expect([...transfer.availability()]).toEqual([1, 2, 1, 0, 0, 0, 0, 0, 0, 1]);
    for (const i of [0, 2, 3, 4, 5, 6, 7, 8]) b.peer.receive(msg.have(i));
    expect(b.peer.isSeed).toBe(true);
    expect([...transfer.availability()]).toEqual([2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
    b.peer.close({ kind: 'remote-closed' });
    expect([...transfer.availability()]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    a.peer.close({ kind: 'remote-closed' });
    expect([...transfer.availability()]).toEqual(Array(10).fill(0));
  });

  it('counts have-all as a seed and have-none as nothing', async () => {
    const { transfer, connect } = await rig({ files: [4 * PIECE] });
    const seed = connect();
    seed.peer.receive(msg.haveAll());
    const empty = connect();
    empty.peer.receive(Buffer.concat([msg.haveNone(), msg.have(3)]));
    expect([...transfer.availability()]).toEqual([1, 1, 1, 2]);
    seed.peer.close({ kind: 'remote-closed' });
    empty.peer.close({ kind: 'remote-closed' });
    expect([...transfer.availability()]).toEqual([0, 0, 0, 0]);
  });

  it('a magnet: what a peer sent before the metadata is checked and counted once it arrives', async () => {
    const { transfer, host, connect } = await rig({ files: [10 * PIECE] });
    host.pieceCount = 0; // no metadata yet: the torrent has no transfer to forward to
    const early = connect();
    early.peer.receive(Buffer.concat([msg.bitfield(bitfieldOf(10, [4])), msg.have(5)]));
    const liar = connect();
    liar.peer.receive(msg.have(10)); // out of range once the count is known
    host.pieceCount = 10;
    transfer.adoptPeer(early.peer);
    transfer.adoptPeer(liar.peer);
    expect([...transfer.availability()]).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    expect(early.peer.amInterested).toBe(true);
    expect(sentMessages(early.socket).filter((m) => m.id === MessageId.Have)).toEqual([]); // nothing to announce
    expect(liar.peer.isOpen).toBe(false);
    // Counted once: another bitfield notice changes nothing, leaving takes exactly it out.
    transfer.peerBitfield(early.peer);
    expect([...transfer.availability()]).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    early.peer.close({ kind: 'remote-closed' });
    expect([...transfer.availability()]).toEqual(Array(10).fill(0));
  });

  it('a magnet over data already on disk: a peer connected before the metadata is told each piece the check found', async () => {
    const { transfer, host, connect } = await rig({ files: [3 * PIECE], seed: true });
    expect(transfer.finished).toBe(true);
    host.pieceCount = 0;
    const early = connect();
    host.pieceCount = 3;
    transfer.adoptPeer(early.peer);
    const haves = sentMessages(early.socket).filter((m) => m.id === MessageId.Have);
    expect(haves.map((m) => m.payload.readUInt32BE(0))).toEqual([0, 1, 2]);
  });
});

describe('Transfer: requests and chokes', () => {
  it('without the fast extension a choke drops our requests; they go to the next peer', async () => {
    const { connect } = await rig({ files: [2 * PIECE] });
    const first = connect(RESERVED_NONE);
    first.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    const asked = blockRefs(first.socket, MessageId.Request);
    expect(keys(asked)).toEqual(['0:0', '0:16384', '1:0', '1:16384']);
    first.peer.receive(msg.choke());
    expect(first.peer.requests.size).toBe(0);
    expect(blockRefs(first.socket, MessageId.Cancel)).toEqual([]); // nothing to cancel: the choke dropped them
    const second = connect(RESERVED_NONE);
    second.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    expect(keys(blockRefs(second.socket, MessageId.Request))).toEqual(keys(asked));
  });

  it('with the fast extension a choke keeps our requests until the peer rejects them', async () => {
    const { connect } = await rig({ files: [2 * PIECE] });
    const first = connect(RESERVED_FAST);
    first.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    const asked = blockRefs(first.socket, MessageId.Request);
    first.peer.receive(msg.choke());
    expect(first.peer.requests.size).toBe(4);
    for (const [index, begin, length] of asked) first.peer.receive(msg.rejectRequest(index, begin, length));
    expect(first.peer.requests.size).toBe(0);
    const second = connect(RESERVED_FAST);
    second.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    expect(keys(blockRefs(second.socket, MessageId.Request))).toEqual(keys(asked));
    expect(blockRefs(second.socket, MessageId.Request)).toHaveLength(4); // no endgame duplicates: none is outstanding
  });

  it('endgame: the last blocks are asked of a second peer, and cancelled there when they arrive', async () => {
    const { transfer, host, data, connect } = await rig({ files: [PIECE] });
    const a = connect();
    a.peer.receive(Buffer.concat([msg.bitfield(allPieces(1)), msg.unchoke()]));
    const b = connect();
    b.peer.receive(Buffer.concat([msg.bitfield(allPieces(1)), msg.unchoke()]));
    expect(keys(blockRefs(a.socket, MessageId.Request))).toEqual(['0:0', '0:16384']);
    expect(keys(blockRefs(b.socket, MessageId.Request))).toEqual(['0:0', '0:16384']);
    a.peer.receive(block(data, 0, 0));
    expect(keys(blockRefs(b.socket, MessageId.Cancel))).toEqual(['0:0']);
    // The cancelled block was already on the wire: it is dropped quietly.
    b.peer.receive(block(data, 0, 0));
    expect(b.peer.isOpen).toBe(true);
    b.peer.receive(block(data, 0, BLOCK));
    expect(keys(blockRefs(a.socket, MessageId.Cancel))).toEqual(['0:16384']);
    await transfer.drain();
    expect(host.checked).toEqual([[0, true]]);
    expect(transfer.finished).toBe(true);
    expect(transfer.downloadedBytes).toBe(PIECE); // the duplicate is not counted
  });

  it('snubs a peer that sends nothing for 20 s: its requests are cancelled and go to another peer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { data, connect, transfer } = await rig({ files: [2 * PIECE] });
    const slow = connect(RESERVED_FAST);
    slow.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    const asked = blockRefs(slow.socket, MessageId.Request);
    expect(asked).toHaveLength(4);
    vi.setSystemTime(1_000_000 + 19_000);
    transfer.tick();
    expect(slow.peer.snubbed).toBe(false);
    vi.setSystemTime(1_000_000 + 21_000);
    transfer.tick();
    expect(slow.peer.snubbed).toBe(true);
    expect(slow.peer.requests.pipelineDepth).toBe(2);
    expect(keys(blockRefs(slow.socket, MessageId.Cancel))).toEqual(keys(asked));
    const other = connect(RESERVED_FAST);
    other.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    expect(keys(blockRefs(other.socket, MessageId.Request))).toEqual(keys(asked));
    // A block it sends late was cancelled: dropped without closing it; a good block unsnubs it.
    slow.peer.receive(block(data, 0, 0));
    expect(slow.peer.isOpen).toBe(true);
  });

  it('a peer snubbed partway through a block: the rest of that block is dropped, not written into a reused buffer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { data, connect, transfer, host } = await rig({ files: [2 * PIECE] });
    const slow = connect();
    slow.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    const [index, begin, length] = blockRefs(slow.socket, MessageId.Request)[0]!;
    // Half a block, then nothing: no piece has data yet, so the snub gives their buffers back.
    slow.peer.receive(Buffer.concat([msg.pieceHeader(index, begin, length), Buffer.alloc(BLOCK / 2, 0xee)]));
    vi.setSystemTime(1_000_000 + 21_000);
    transfer.tick();
    expect(slow.peer.snubbed).toBe(true);
    const honest = connect();
    honest.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    const asked = blockRefs(honest.socket, MessageId.Request);
    expect(keys(asked)).toEqual(['0:0', '0:16384', '1:0', '1:16384']);
    for (const [i, b, l] of asked) {
      honest.peer.receive(block(data, i, b, l));
      slow.peer.receive(Buffer.alloc(BLOCK / 8, 0xee)); // the stale block trickles on between them
    }
    await transfer.drain();
    // In whichever order the disk thread verified them.
    expect([...host.checked].sort((a, b) => a[0] - b[0])).toEqual([[0, true], [1, true]]);
    expect(honest.peer.hashFailures).toBe(0);
    expect(host.banned).toEqual([]);
    expect(transfer.downloadedBytes).toBe(2 * PIECE); // the stale half block is not counted
  });

  it('the end of a block whose request a snub released does not answer the request asked again for it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { data, connect, transfer, host } = await rig({ files: [PIECE] });
    const slow = connect();
    slow.peer.receive(Buffer.concat([msg.bitfield(allPieces(1)), msg.unchoke()]));
    slow.peer.receive(Buffer.concat([msg.pieceHeader(0, 0, BLOCK), Buffer.alloc(BLOCK / 2, 0xee)]));
    const stale = slow.peer.requests.get(0, 0);
    vi.setSystemTime(1_000_000 + 21_000);
    transfer.tick();
    // Snubbed, the piece abandoned, then asked again of the same peer as a new piece download.
    const again = slow.peer.requests.get(0, 0);
    expect(again).toBeDefined();
    expect(again!.piece).not.toBe(stale!.piece);
    slow.peer.receive(Buffer.alloc(BLOCK / 2, 0xee));
    expect(slow.peer.requests.get(0, 0)).toBe(again);
    expect(again!.piece.hasArrived(0)).toBe(false);
    slow.peer.receive(Buffer.concat([block(data, 0, 0), block(data, 0, BLOCK)]));
    await transfer.drain();
    expect(host.checked).toEqual([[0, true]]);
  });
});

describe('Transfer: pieces', () => {
  it('starts the disk threads when it becomes active with pieces to fetch, not when it has them all', async () => {
    const { host } = await rig({ files: [2 * PIECE] });
    expect(host.disk.threadLimits()).toHaveLength(1); // before any piece arrived
    const seeding = await rig({ files: [2 * PIECE], seed: true });
    expect(seeding.transfer.finished).toBe(true);
    expect(seeding.host.disk.threadLimits()).toHaveLength(0); // (its check hashed 32 KiB pieces in this thread)
  });

  it('a file skipped while its piece is being verified: the piece is fetched again, not marked had', async () => {
    // Piece 1 holds the end of f0 and all of f1.
    const { transfer, host, data, connect } = await rig({ files: [PIECE + 5000, PIECE - 5000] });
    const p = connect();
    p.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    p.peer.receive(Buffer.concat([block(data, 1, 0), block(data, 1, BLOCK)]));
    transfer.setFilePriority(1, 0); // while piece 1 is being written
    await transfer.drain();
    expect(host.checked).toEqual([]);
    expect(transfer.picker.have.has(1)).toBe(false);
    expect(transfer.picker.isWanted(1)).toBe(true); // f0 still wants it
    // Asked for again once the disk work settled.
    expect(blockRefs(p.socket, MessageId.Request).filter((r) => key(r) === '1:0')).toHaveLength(2);
  });

  it('health: a peer that unchoked us and sends slowly has every request it may have waiting, so the diagnosis names the peers, not the picker', async () => {
    const { transfer, data, connect } = await rig({ files: [64 * PIECE] });
    const p = connect();
    p.peer.receive(Buffer.concat([msg.bitfield(allPieces(64)), msg.unchoke()]));
    const [asked] = blockRefs(p.socket, MessageId.Request);
    p.peer.receive(block(data, asked![0], asked![1])); // one block in: it is asked for another at once
    const stats = { state: 'downloading', error: null, size: data.length, completedBytes: 0, downloadRate: p.peer.downloadMeter.rate(), hashFailures: 0 } as TorrentStats;
    const facts = collectHealthFacts({
      stats, hasMetadata: true, private: false, transfer, peers: [p.peer], trackers: [], knownPeers: 1, connecting: 0, dhtNodes: null,
      ownDownloadLimit: 0, globalDownloadLimit: 0, banned: [], reachability: null, localAddresses: [],
    });
    expect(facts.connected[0]).toMatchObject({ hasWanted: true, chokesUs: false });
    expect(facts.connected[0]!.requests).toBeGreaterThan(0);
    expect(facts.connected[0]!.requestLimit - facts.connected[0]!.requests).toBeLessThan(refillBatch(facts.connected[0]!.requestLimit));
    expect(facts.connected[0]!.downloadRate).toBeGreaterThan(0);
    expect(diagnose(facts).map((c) => c.id)).toEqual(['peers-slow']);
  });

  it('pieceStatus: pieces only skipped files hold are Skipped (4), one shared with a wanted file is Missing, and wanting the file again makes them Missing', async () => {
    // f0: pieces 0–1 (ends 5000 bytes into piece 1); f1: the rest of piece 1 and pieces 2–3.
    const { transfer } = await rig({ files: [PIECE + 5000, 3 * PIECE - 5000] });
    transfer.setFilePriority(1, 0);
    expect([...transfer.pieceStatus()]).toEqual([0, 0, 4, 4]);
    transfer.setFilePriority(1, 1);
    expect([...transfer.pieceStatus()]).toEqual([0, 0, 0, 0]);
  });

  it('wantedBytes: the size and progress qBittorrent shows are over the wanted pieces; a piece shared with a wanted file counts whole', async () => {
    // f0: pieces 0–1 (ends 5000 bytes into piece 1); f1: the rest of piece 1 and pieces 2–3.
    const total = 4 * PIECE;
    const { transfer, data, connect } = await rig({ files: [PIECE + 5000, 3 * PIECE - 5000] });
    expect(transfer.wantedBytes()).toEqual({ size: total, done: 0 });
    transfer.setFilePriority(1, 0);
    expect(transfer.wantedBytes()).toEqual({ size: 2 * PIECE, done: 0 });
    const p = connect();
    p.peer.receive(Buffer.concat([msg.bitfield(allPieces(4)), msg.unchoke()]));
    for (const i of [0, 1]) p.peer.receive(Buffer.concat([block(data, i, 0), block(data, i, BLOCK)]));
    await transfer.drain();
    // Every wanted piece is in: 100% of the wanted part, half of the whole torrent.
    expect(transfer.wantedBytes()).toEqual({ size: 2 * PIECE, done: 2 * PIECE });
    expect(transfer.completedBytes()).toBe(2 * PIECE);
    expect(transfer.finished).toBe(true);
  });

  it('a file skipped again after priority changes, while its piece is being verified: still fetched again', async () => {
    const { transfer, host, data, connect } = await rig({ files: [PIECE + 5000, PIECE - 5000] });
    // Skipped, then wanted at two priorities: no file counts as skipped any more.
    transfer.setFilePriority(1, 0);
    transfer.setFilePriority(1, 2);
    transfer.setFilePriority(1, 1);
    const p = connect();
    p.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    p.peer.receive(Buffer.concat([block(data, 1, 0), block(data, 1, BLOCK)]));
    transfer.setFilePriority(1, 0);
    await transfer.drain();
    expect(host.checked).toEqual([]);
    expect(transfer.picker.have.has(1)).toBe(false);
  });

  it('logs who sent each verified piece (two peers, each with one piece) and names the senders of a failed piece', async () => {
    const { transfer, data, connect } = await rig({ files: [3 * PIECE] });
    const a = connect();
    a.peer.receive(Buffer.concat([msg.bitfield(bitfieldOf(3, [0])), msg.unchoke()]));
    const b = connect();
    b.peer.receive(Buffer.concat([msg.bitfield(bitfieldOf(3, [1, 2])), msg.unchoke()]));
    a.peer.receive(Buffer.concat([block(data, 0, 0), block(data, 0, BLOCK)]));
    b.peer.receive(Buffer.concat([block(data, 1, 0), block(data, 1, BLOCK)]));
    const piece2 = blockRefs(b.socket, MessageId.Request).filter((r) => r[0] === 2);
    expect(piece2).toHaveLength(2);
    b.peer.receive(Buffer.concat([block(data, 2, 0, BLOCK, true), block(data, 2, BLOCK, BLOCK, true)]));
    await transfer.drain();
    const view = transfer.sources.query(0, 0);
    expect(view.sources.map((s) => s.label)).toEqual([a.peer.address, b.peer.address]);
    const entries = unpackSourceEntries(Buffer.from(view.entries, 'base64'));
    const logged = [0, 1].map((k) => readSourceEntry(entries, k * PIECE_SOURCE_ENTRY_BYTES).slice(0, 2));
    expect(logged.sort()).toEqual([[0, 0], [1, 1]]);
    expect(view.count).toBe(2);
    expect(view.failures).toEqual([{ piece: 2, at: expect.any(Number), peers: [b.peer.address] }]);
  });

  it('pieces verified in one disk batch are announced to each peer in one write, every index once', async () => {
    const { transfer, host, data, connect } = await rig({ files: [4 * PIECE] });
    const watcher = connect();
    watcher.peer.receive(msg.haveNone());
    const seed = connect();
    seed.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    // Every block asked for so far arrives in one read: those pieces complete in one step.
    const requested = blockRefs(seed.socket, MessageId.Request);
    const pieces = [...new Set(requested.map(([index]) => index))];
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    seed.peer.receive(Buffer.concat(requested.map(([index, begin, length]) => block(data, index, begin, length))));
    await transfer.drain();
    expect(host.checked).toEqual(pieces.map((i) => [i, true]));
    const haveWrites = watcher.socket.written.filter((w) => w.length >= 5 && w[4] === MessageId.Have);
    expect(haveWrites).toHaveLength(1);
    expect(haveWrites[0]!.equals(msg.haveList(pieces))).toBe(true);
  });

  it('a block of a piece we have: a late answer we could have asked for is dropped quietly; any other ends the connection', async () => {
    const { transfer, data, connect } = await rig({ files: [2 * PIECE] });
    const a = connect();
    a.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), msg.unchoke()]));
    a.peer.receive(Buffer.concat([block(data, 0, 0), block(data, 0, BLOCK), block(data, 1, 0), block(data, 1, BLOCK)]));
    await transfer.drain();
    expect(transfer.finished).toBe(true);
    const late = connect();
    late.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), block(data, 1, BLOCK)]));
    expect(late.peer.isOpen).toBe(true);
    const unaligned = connect();
    unaligned.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), block(data, 1, BLOCK / 2, BLOCK / 2)]));
    expect(unaligned.peer.isOpen).toBe(false);
    const oddLength = connect();
    oddLength.peer.receive(Buffer.concat([msg.bitfield(allPieces(2)), block(data, 1, 0, 1000)]));
    expect(oddLength.peer.isOpen).toBe(false);
  });

  it('bans a peer after its data failed the hash check twice', async () => {
    const { transfer, host, data, connect } = await rig({ files: [3 * PIECE] });
    const bad = connect();
    bad.peer.receive(Buffer.concat([msg.bitfield(allPieces(3)), msg.unchoke()]));
    const asked = blockRefs(bad.socket, MessageId.Request);
    const pieces = [...new Set(asked.map((r) => r[0]))].slice(0, 2);
    bad.peer.receive(Buffer.concat([block(data, pieces[0]!, 0, BLOCK, true), block(data, pieces[0]!, BLOCK, BLOCK, true)]));
    await transfer.drain();
    expect(host.checked).toEqual([[pieces[0], false]]);
    expect(host.banned).toEqual([]);
    bad.peer.receive(Buffer.concat([block(data, pieces[1]!, 0), block(data, pieces[1]!, BLOCK, BLOCK, true)]));
    await transfer.drain();
    expect(host.checked).toEqual([[pieces[0], false], [pieces[1], false]]);
    expect(host.banned).toEqual([bad.peer]);
    expect(bad.peer.isOpen).toBe(false);
    expect(transfer.hashFailures).toBe(2);
  });
});

/** A cipher that flips every byte (a stand-in for RC4: encrypts a copy, as RC4 does). */
const flipCipher: PeerCipher = {
  encrypt: (data) => Buffer.from(data.map((b) => b ^ 0xff)),
  decrypt: (data) => data.forEach((b, i) => (data[i] = b ^ 0xff)),
};

describe('Transfer: uploads', () => {
  const PIECES = 320; // 640 blocks: more than the queue holds and the send bound allows
  const seedRig = (): Promise<Rig> => rig({ files: [PIECES * PIECE], seed: true });

  function requestAll(peer: PeerConnection, count: number): void {
    const frames: Buffer[] = [];
    for (let n = 0; n < count; n++) frames.push(msg.request(n >> 1, (n & 1) * BLOCK, BLOCK));
    peer.receive(Buffer.concat(frames));
  }

  /** Lets reads and writes run until the connection is stuck on its held writes. */
  async function untilStalled(peer: PeerConnection): Promise<void> {
    await vi.waitFor(() => expect(peer.uploads.startedCount).toBe(0), { timeout: 5000, interval: 1 });
    await settle();
  }

  it('serves a peer that does not read only up to the send bound, queues up to the limit, rejects beyond it', async () => {
    const { transfer, connect } = await seedRig();
    expect(transfer.finished).toBe(true);
    const leecher = connect(RESERVED_FAST);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(msg.interested());
    expect(leecher.peer.amChoking).toBe(false);
    requestAll(leecher.peer, MAX_QUEUED_UPLOAD_REQUESTS + 20);
    expect(blockRefs(leecher.socket, MessageId.RejectRequest)).toHaveLength(20);
    await untilStalled(leecher.peer);
    const bound = sendBufferBound(0);
    expect(leecher.peer.unsentBytes).toBeGreaterThanOrEqual(bound);
    expect(leecher.peer.unsentBytes).toBeLessThan(bound + BLOCK + 13);
    expect(leecher.peer.uploads.size).toBeGreaterThan(0);
    // Nothing reached the peer: nothing counts as uploaded.
    expect(transfer.uploadedBytes).toBe(0);
    expect(leecher.peer.uploadMeter.totalBytes).toBe(0);

    // It reads again: the rest is served, and every block counts once it is taken.
    await leecher.socket.releaseWrites();
    await vi.waitFor(() => expect(leecher.peer.uploads.size).toBe(0), { timeout: 5000, interval: 1 });
    await leecher.socket.releaseWrites();
    const blocks = sentMessages(leecher.socket).filter((m) => m.id === MessageId.Piece);
    expect(blocks).toHaveLength(MAX_QUEUED_UPLOAD_REQUESTS);
    expect(transfer.uploadedBytes).toBe(MAX_QUEUED_UPLOAD_REQUESTS * BLOCK);
    expect(leecher.peer.uploadMeter.totalBytes).toBe(MAX_QUEUED_UPLOAD_REQUESTS * BLOCK);
  });

  it('serves blocks of a piece far larger than a read window by reading windows, not the whole piece', async () => {
    const pieceLength = 6 * UPLOAD_WINDOW + 5;
    const { data, transfer, connect } = await rig({ files: [pieceLength + 1000], seed: true, pieceLength });
    expect(transfer.finished).toBe(true);
    const reads = vi.spyOn(Storage.prototype, 'read');
    const leecher = connect(RESERVED_FAST);
    leecher.peer.receive(msg.interested());
    // Block-aligned, unaligned, straddling a window's end, the piece's last bytes, and the short last piece.
    const asked: Array<[number, number, number]> = [[0, 0, BLOCK], [0, 3 * UPLOAD_WINDOW - 100, BLOCK], [0, 12345, BLOCK], [0, pieceLength - 7, 7], [1, 0, 1000]];
    leecher.peer.receive(Buffer.concat(asked.map(([i, b, l]) => msg.request(i, b, l))));
    await vi.waitFor(() => expect(sentMessages(leecher.socket).filter((m) => m.id === MessageId.Piece)).toHaveLength(asked.length), { timeout: 5000, interval: 1 });
    const served = sentMessages(leecher.socket).filter((m) => m.id === MessageId.Piece);
    for (const [i, b, l] of asked) {
      const got = served.find((m) => m.payload.readUInt32BE(0) === i && m.payload.readUInt32BE(4) === b);
      expect(got?.payload.subarray(8)).toEqual(data.subarray(i * pieceLength + b, i * pieceLength + b + l));
    }
    expect(reads).toHaveBeenCalled();
    for (const call of reads.mock.calls) expect(call[2]).toBeLessThanOrEqual(UPLOAD_WINDOW + BLOCK);
    reads.mockRestore();
  });

  it('queues no reject for a bad request once a peer that reads nothing has REPLY_DROP_BOUND unsent', async () => {
    const { connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    leecher.socket.holdWrites = true;
    leecher.peer.send(msg.extended(3, Buffer.alloc(REPLY_DROP_BOUND - 1000)));
    // Requests while choked (it never said interested): each would be answered with a 17-byte reject.
    const bad = msg.request(0, 0, BLOCK);
    leecher.peer.receive(Buffer.concat(Array.from({ length: 2000 }, () => bad)));
    const rejects = blockRefs(leecher.socket, MessageId.RejectRequest).length;
    expect(rejects).toBeGreaterThan(0);
    expect(rejects).toBeLessThanOrEqual(Math.ceil(1000 / 17));
    expect(leecher.peer.unsentBytes).toBeLessThan(REPLY_DROP_BOUND + 17 + QUEUED_MESSAGE_OVERHEAD);
  });

  it('holds no more for a peer that reads nothing than its part of the session-wide send total, blocks and rejects alike', async () => {
    const { connect } = await seedRig();
    // 100 peers share 16 MiB: 160 KiB each, far below one peer's own bound (1 MiB when it reads nothing).
    const shares = new SendShares(16 * 1024 * 1024, 64 * 1024);
    for (let i = 0; i < 99; i++) shares.join();
    const leecher = connect(RESERVED_FAST, undefined, shares);
    const share = leecher.peer.sendShare;
    expect(share).toBeLessThan(sendBufferBound(0) / 4);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(msg.interested());
    requestAll(leecher.peer, 300);
    await untilStalled(leecher.peer);
    expect(leecher.peer.unsentBytes).toBeGreaterThanOrEqual(share);
    expect(leecher.peer.unsentBytes).toBeLessThan(share + BLOCK + 13);
    // Requests it may not make (a piece past the end is a violation; a bad length is refused with a reject).
    const bad = msg.request(0, 0, BLOCK + 1);
    leecher.peer.receive(Buffer.concat(Array.from({ length: MAX_REFUSED_UPLOAD_REQUESTS }, () => bad)));
    expect(leecher.peer.isOpen).toBe(true);
    expect(leecher.peer.unsentBytes).toBeLessThan(leecher.peer.replyBound + 17 + QUEUED_MESSAGE_OVERHEAD);
    expect(leecher.peer.replyBound).toBeLessThan(REPLY_DROP_BOUND / 8);
  });

  it('only rejects requests over our reqq from a peer we unchoked, however many (a race with its pipeline)', async () => {
    const { connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(msg.interested());
    // 640 blocks, 500 held: 140 rejected a round, 1400 in all.
    for (let i = 0; i < 10; i++) requestAll(leecher.peer, 2 * PIECES);
    expect(blockRefs(leecher.socket, MessageId.RejectRequest).length).toBeGreaterThan(MAX_REFUSED_UPLOAD_REQUESTS);
    expect(leecher.peer.isOpen).toBe(true);
  });

  it('closes a peer once it made more requests than MAX_REFUSED_UPLOAD_REQUESTS that we refused', async () => {
    const { connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    // Choked (it never said interested): every request is refused.
    const bad = msg.request(0, 0, BLOCK);
    leecher.peer.receive(Buffer.concat(Array.from({ length: MAX_REFUSED_UPLOAD_REQUESTS }, () => bad)));
    expect(leecher.peer.isOpen).toBe(true);
    expect(blockRefs(leecher.socket, MessageId.RejectRequest)).toHaveLength(MAX_REFUSED_UPLOAD_REQUESTS);
    leecher.peer.receive(bad);
    expect(leecher.peer.isOpen).toBe(false);
    expect(leecher.peer.violated).toBe(true);
  });

  it('a backlog of other messages holds uploads back too; they resume when the socket drains', async () => {
    const { transfer, connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(msg.interested());
    // A large message that is no block (say metadata) fills the socket: no block write is pending.
    leecher.peer.send(msg.extended(3, Buffer.alloc(sendBufferBound(0))));
    requestAll(leecher.peer, 10);
    await settle();
    expect(leecher.peer.uploads.size).toBe(10);
    expect(leecher.peer.uploads.startedCount).toBe(0);
    await leecher.socket.releaseWrites(); // 'drain'
    await vi.waitFor(() => expect(transfer.uploadedBytes).toBe(10 * BLOCK), { timeout: 5000, interval: 1 });
    expect(leecher.peer.uploads.size).toBe(0);
  });

  it('counts encrypted copies against the bound (RC4 path)', async () => {
    const { transfer, connect } = await seedRig();
    const leecher = connect(RESERVED_FAST, flipCipher);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(flipCipher.encrypt(msg.interested()));
    const frames: Buffer[] = [];
    for (let n = 0; n < 300; n++) frames.push(msg.request(n >> 1, (n & 1) * BLOCK, BLOCK));
    leecher.peer.receive(flipCipher.encrypt(Buffer.concat(frames)));
    await untilStalled(leecher.peer);
    const bound = sendBufferBound(0);
    expect(leecher.peer.unsentBytes).toBeGreaterThanOrEqual(bound);
    expect(leecher.peer.unsentBytes).toBeLessThan(bound + BLOCK + 13);
    expect(transfer.uploadedBytes).toBe(0);
    await leecher.socket.releaseWrites();
    await vi.waitFor(() => expect(transfer.uploadedBytes).toBe(300 * BLOCK), { timeout: 5000, interval: 1 });
  });

  it('a choke drops queued requests (rejected with the fast extension) and nothing more is sent', async () => {
    const { transfer, connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    leecher.socket.holdWrites = true;
    leecher.peer.receive(msg.interested());
    requestAll(leecher.peer, 200);
    await untilStalled(leecher.peer);
    const queued = leecher.peer.uploads.size;
    expect(queued).toBeGreaterThan(0);
    leecher.peer.setChoking(true);
    expect(leecher.peer.uploads.size).toBe(0);
    await settle(); // behind a backlog, the rejects leave together when the turn ends
    expect(blockRefs(leecher.socket, MessageId.RejectRequest)).toHaveLength(queued);
    await leecher.socket.releaseWrites();
    const served = sentMessages(leecher.socket).filter((m) => m.id === MessageId.Piece).length;
    expect(served).toBe(200 - queued);
    expect(transfer.uploadedBytes).toBe(served * BLOCK);
  });

  it('refuses requests while choked (except allowed-fast pieces) and for pieces we lack or beyond them', async () => {
    const { transfer, connect } = await seedRig();
    const leecher = connect(RESERVED_FAST);
    transfer.sendHave(leecher.peer); // have-all and our allowed-fast set
    const sent = sentMessages(leecher.socket);
    expect(sent[0]?.id).toBe(MessageId.HaveAll);
    const granted = sent.filter((m) => m.id === MessageId.AllowedFast).map((m) => m.payload.readUInt32BE(0));
    expect(granted.length).toBeGreaterThan(0);
    expect(new Set(granted)).toEqual(leecher.peer.grantedFast);
    const notGranted = [0, 1, 2, 3, 4, 5, 6].find((i) => !granted.includes(i))!;
    leecher.peer.receive(
      Buffer.concat([
        msg.request(notGranted, 0, BLOCK), // choked
        msg.request(granted[0]!, 0, BLOCK * 2), // too long
        msg.request(granted[0]!, PIECE - 100, 200), // beyond the piece
        msg.request(granted[0]!, BLOCK, BLOCK), // allowed fast: served though choked
      ]),
    );
    expect(keys(blockRefs(leecher.socket, MessageId.RejectRequest))).toEqual([`${notGranted}:0`, `${granted[0]}:0`, `${granted[0]}:${PIECE - 100}`].sort());
    await vi.waitFor(() => expect(transfer.uploadedBytes).toBe(BLOCK), { timeout: 5000, interval: 1 });
  });
});

/**
 * Pieces above STAGED_PIECE_ABOVE (8 MiB) have no piece buffer: each block is written as it
 * arrives and the piece is hashed by reading it back. 8 MiB + 16 KiB: the smallest such length.
 */
describe('Transfer: big pieces staged block by block', () => {
  const BIG = STAGED_PIECE_ABOVE + BLOCK;

  /** The piece message for a block of a BIG-piece torrent, with the right bytes or `corrupt` ones. */
  function bigBlock(data: Buffer, index: number, begin: number, length: number, corrupt = false): Buffer {
    const at = index * BIG + begin;
    const bytes = corrupt ? Buffer.alloc(length, 0x5a) : data.subarray(at, at + length);
    return Buffer.concat([msg.pieceHeader(index, begin, length), bytes]);
  }

  /**
   * Answers every request the peer sent that is not answered yet, `corrupt` deciding per block,
   * until it asks for nothing more; each round in one read (many blocks per socket read).
   */
  const answeredOn = new WeakMap<FakeSocket, number>();
  async function serve(transfer: Transfer, peer: PeerConnection, socket: FakeSocket, data: Buffer, corrupt: (index: number, begin: number) => boolean = () => false): Promise<number> {
    let answered = answeredOn.get(socket) ?? 0;
    for (;;) {
      const asked = blockRefs(socket, MessageId.Request).slice(answered);
      if (asked.length === 0) break;
      answered += asked.length;
      answeredOn.set(socket, answered);
      peer.receive(Buffer.concat(asked.map(([index, begin, length]) => bigBlock(data, index, begin, length, corrupt(index, begin)))));
      await transfer.drain();
    }
    return answered;
  }

  it('downloads a piece above the threshold without a piece buffer, writes it block by block, verifies it read back', async () => {
    const { transfer, host, data, connect } = await rig({ files: [BIG + 5000], pieceLength: BIG });
    const seed = connect();
    seed.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    const inFlight = [...transfer.picker.inFlight.values()].sort((a, b) => a.index - b.index);
    // Piece 0 (big) has no buffer; the 5000-byte last piece, if started yet, has one.
    expect(inFlight[0]).toMatchObject({ index: 0, staged: true, buffer: null });
    for (const p of inFlight.slice(1)) expect(p).toMatchObject({ index: 1, staged: false, buffer: expect.any(Buffer) });
    await serve(transfer, seed.peer, seed.socket, data);
    expect(host.checked.sort()).toEqual([[0, true], [1, true]]);
    expect(transfer.finished).toBe(true);
    expect(host.fatals).toEqual([]);
    expect((await readFile(join(transfer.savePath, 'data.bin'))).equals(data)).toBe(true);
  });

  it('a corrupted block of a big piece: the piece fails, every sender is named, its blocks are fetched again and the data ends right', async () => {
    const { transfer, host, data, connect } = await rig({ files: [BIG], pieceLength: BIG });
    const good = connect();
    good.peer.receive(msg.haveAll());
    const bad = connect();
    bad.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    // The bad peer is asked for the first blocks; its third one is wrong.
    const first = blockRefs(bad.socket, MessageId.Request);
    expect(first.length).toBeGreaterThan(3);
    bad.peer.receive(Buffer.concat(first.map(([index, begin, length]) => bigBlock(data, index, begin, length, begin === 2 * BLOCK))));
    answeredOn.set(bad.socket, first.length);
    await transfer.drain();
    bad.peer.close({ kind: 'torrent-stopped' });
    good.peer.receive(msg.unchoke());
    await serve(transfer, good.peer, good.socket, data);
    expect(host.checked[0]).toEqual([0, false]);
    expect(transfer.hashFailures).toBe(1);
    expect(transfer.sources.query(0, 0).failures).toEqual([{ piece: 0, at: expect.any(Number), peers: expect.arrayContaining([bad.peer.address, good.peer.address]) }]);
    // Fetched again, all of it, from the peer left (requests go out on the next tick).
    transfer.tick();
    await serve(transfer, good.peer, good.socket, data);
    expect(host.checked).toEqual([[0, false], [0, true]]);
    expect(transfer.finished).toBe(true);
    expect((await readFile(join(transfer.savePath, 'data.bin'))).equals(data)).toBe(true);
  });

  it('a big piece spanning a skipped file: that file is not created, its bytes go to the part file once the piece verified', async () => {
    const { transfer, host, data, connect } = await rig({ files: [BLOCK + 100, BIG - BLOCK - 100], pieceLength: BIG });
    transfer.setFilePriority(0, 0);
    const seed = connect();
    seed.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    await serve(transfer, seed.peer, seed.socket, data);
    expect(host.checked).toEqual([[0, true]]);
    expect(host.fatals).toEqual([]);
    expect(existsSync(join(transfer.savePath, 'tree', 'f0.bin'))).toBe(false);
    expect(transfer.storage.partFilePieces()).toEqual([0]);
    expect((await transfer.storage.read(0, 0, BIG)).equals(data)).toBe(true);
    // Wanted again: its bytes move out of the part file into the file.
    transfer.setFilePriority(0, 1);
    await transfer.drain();
    expect((await readFile(join(transfer.savePath, 'tree', 'f0.bin'))).equals(data.subarray(0, BLOCK + 100))).toBe(true);
  });

  it.each([
    ['hybrid (SHA-1 and the piece layer)', false],
    ['v2-only (the piece layer)', true],
  ])('a %s torrent of 16 MiB pieces: staged pieces verify against their hashes, a corrupted one fails', async (_what, v2Only) => {
    const V2_PIECE = 16 * 1024 * 1024;
    const lengths = [V2_PIECE + 40_000, 5000];
    const made = hybridTorrent({ name: 'h', pieceLength: V2_PIECE, files: lengths.map((length, i) => ({ path: [`f${i}.bin`], length })), tailPad: true, v2Only });
    const meta = parseTorrent(made.bytes);
    // The payload as the files lie in pieces: each file's data, then zeros to the piece's end.
    const data = Buffer.concat(lengths.flatMap((length, i) => [fileData(length, i + 1), Buffer.alloc((V2_PIECE - (length % V2_PIECE)) % V2_PIECE)]));
    expect(meta.pieceCount).toBe(3);
    expect(meta.pieceHashes.length === 0).toBe(v2Only);
    const { transfer, host, connect } = await rig({ files: [], pieceLength: V2_PIECE, torrent: { meta, data } });
    const at = (index: number, begin: number): number => index * V2_PIECE + begin;
    const seed = connect();
    seed.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    let answered = 0;
    for (let round = 0; round < 50 && !transfer.finished; round++) {
      const asked = blockRefs(seed.socket, MessageId.Request).slice(answered);
      if (asked.length === 0) {
        transfer.tick();
        continue;
      }
      answered += asked.length;
      // Piece 0's first block is corrupt the first time it is sent.
      const firstTime = (index: number, begin: number): boolean => index === 0 && begin === 0 && !host.checked.some(([i]) => i === 0);
      seed.peer.receive(
        Buffer.concat(
          asked.map(([index, begin, length]) =>
            Buffer.concat([msg.pieceHeader(index, begin, length), firstTime(index, begin) ? Buffer.alloc(length, 0x5a) : data.subarray(at(index, begin), at(index, begin) + length)]),
          ),
        ),
      );
      await transfer.drain();
    }
    expect(host.checked.filter(([i]) => i === 0)).toEqual([[0, false], [0, true]]);
    expect(transfer.finished).toBe(true);
    expect(host.fatals).toEqual([]);
    for (const [i, length] of lengths.entries()) {
      expect((await readFile(join(transfer.savePath, 'h', `f${i}.bin`))).equals(fileData(length, i + 1))).toBe(true);
    }
  });

  it('a peer gone mid-piece: the blocks it sent stay written, another peer sends only the rest; a restart over the half-written piece fetches it again', async () => {
    const { transfer, host, data, connect, meta } = await rig({ files: [BIG], pieceLength: BIG });
    const a = connect();
    a.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    const first = blockRefs(a.socket, MessageId.Request);
    const sent = first.slice(0, 10);
    expect(sent.length).toBeGreaterThan(1);
    a.peer.receive(Buffer.concat(sent.map(([index, begin, length]) => bigBlock(data, index, begin, length))));
    await transfer.drain();
    a.peer.close({ kind: 'torrent-stopped' });
    expect(transfer.picker.inFlight.get(0)?.received).toBe(sent.length);

    // A restart now (the first blocks are on disk, the piece is not had): checked from disk, missing.
    await transfer.storage.close();
    const again = new MockTorrent();
    again.pieceCount = meta.pieceCount;
    const restarted = new Transfer(meta, transfer.savePath, again);
    again.transfer = restarted;
    rigs.push(again);
    await restarted.prepare(() => undefined, null);
    expect(restarted.picker.have.has(0)).toBe(false);
    restarted.setActive(true);
    const c = connectTestPeer(again, { infoHash: meta.infoHash, reserved: RESERVED_FAST });
    c.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    await serve(restarted, c.peer, c.socket, data);
    expect(again.checked).toEqual([[0, true]]);
    expect((await readFile(join(restarted.savePath, 'data.bin'))).equals(data)).toBe(true);

    // Meanwhile the first transfer goes on: a second peer is asked only for the blocks not in yet.
    const b = connect();
    b.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    const asked = new Set(blockRefs(b.socket, MessageId.Request).map(([, begin]) => begin));
    for (const [, begin] of sent) expect(asked.has(begin)).toBe(false);
    await serve(transfer, b.peer, b.socket, data);
    expect(host.checked).toEqual([[0, true]]);
  });

  it('endgame: a duplicate of a staged block streaming while another peer completes it is dropped, not written', async () => {
    const { transfer, host, data, connect } = await rig({ files: [BIG], pieceLength: BIG });
    const blocks = BIG / BLOCK;
    const a = connect();
    a.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    // Everything asked of A is answered but its last two requests, once it has asked for every block.
    let answered = 0;
    let held: Array<[number, number, number]> = [];
    for (let round = 0; round < 1000 && held.length === 0; round++) {
      const all = blockRefs(a.socket, MessageId.Request);
      const asked = all.slice(answered);
      const last = all.length === blocks;
      const now = last ? asked.slice(0, -2) : asked;
      if (last) held = asked.slice(-2);
      answered += asked.length;
      a.peer.receive(Buffer.concat(now.map(([index, begin, length]) => bigBlock(data, index, begin, length))));
      await transfer.drain();
    }
    expect(held).toHaveLength(2);
    const [x, y] = held as [[number, number, number], [number, number, number]];
    const b = connect();
    b.peer.receive(Buffer.concat([msg.haveAll(), msg.unchoke()]));
    expect(keys(blockRefs(b.socket, MessageId.Request))).toEqual(keys(held));
    // A starts sending X (wrong bytes: they must go nowhere), B sends X and Y whole.
    const wrongX = bigBlock(data, x[0], x[1], x[2], true);
    a.peer.receive(wrongX.subarray(0, 13 + 5000));
    b.peer.receive(Buffer.concat([bigBlock(data, ...x), bigBlock(data, ...y)]));
    expect(keys(blockRefs(a.socket, MessageId.Cancel))).toEqual(keys(held));
    a.peer.receive(wrongX.subarray(13 + 5000));
    // Its end is dropped quietly (the block was cancelled while on the wire).
    expect(a.peer.isOpen).toBe(true);
    await transfer.drain();
    expect(host.checked).toEqual([[0, true]]);
    expect(transfer.hashFailures).toBe(0);
    expect((await readFile(join(transfer.savePath, 'data.bin'))).equals(data)).toBe(true);
  });
});

