/**
 * BEP 52 hash messages for one torrent. Serving: a peer's hash request for a file's piece
 * layer (or a layer above it) is answered from the layers we hold; one below it (libtorrent
 * asks for a piece's block hashes after the piece failed its check) from the data of pieces we
 * have, read and hashed again and served only when they hash up to the layer we hold; anything
 * else is rejected. Fetching: a
 * v2 torrent added by magnet has no 'piece layers'; before its pieces can be checked, each
 * file's layer is asked of the peers in runs of up to 512 hashes, with the uncle hashes that
 * prove a run against the file's 'pieces root', and installed once every run is proven.
 * Bounds: requests in flight per peer, a timeout per request, a peer whose hashes do not
 * prove out is dropped; nothing a peer sends is kept unless it proves out.
 */
import type { Metainfo, V2File } from '../metainfo/index.js';
import { answerBelowPieceLayer, piecesBelowPieceLayer } from '../merkle/block-proofs.js';
import { answerRequest, layersAbovePieces, layersAbovePiecesAsync, PAIRS_PER_TURN, pieceLayerHeight, requestProblem, rootHeight, verifyHashes, type MerkleLevels } from '../merkle/hash-proofs.js';
import { blockHashes, merkleRoot } from '../merkle/merkle.js';
import { v2PieceCheck } from '../metainfo/v2-layout.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { decodeHashes, decodeHashRequest, encodeHashes, encodeHashReject, encodeHashRequest, HASHES_ASKED_AT_ONCE, type HashRequest } from '../wire/hash-messages.js';
import { MessageId } from '../wire/message-ids.js';
import { LazyMap } from '../util/lazy-collections.js';

/** Hashes asked for at once. */
const RUN = HASHES_ASKED_AT_ONCE;
const MAX_IN_FLIGHT_PER_PEER = 4;
const REQUEST_TIMEOUT_MS = 30_000;
/** Rejections before a peer is no longer asked (it may not have the layers either). */
const MAX_REJECTS_PER_PEER = 8;
/** Hash requests answered per peer and tick (1 s): at most 8192 hashes each, 256 KiB. */
const MAX_SERVED_PER_TICK = 16;
/**
 * Hash requests one peer may send in a tick (1 s), served or not, before it is closed. Each
 * costs a parse and an answer; past MAX_SERVED_PER_TICK they are rejected, and a peer that goes
 * on regardless (50 flooding peers held the event loop for 4.7 s) is no downloader: libtorrent
 * asks for 512 hashes a request, so 1024 requests cover half a million pieces.
 */
export const MAX_HASH_REQUESTS_PER_TICK = 1024;
/** A peer that has not taken this much of what we sent gets hash rejects instead. */
const MAX_BACKLOG_FOR_HASHES = 4 * 1024 * 1024;
/**
 * Data read for one request below the piece layer: one piece of up to 32 MiB (libtorrent asks
 * one piece's blocks at a time). A peer's such requests are read one after another, at most
 * this many waiting (libtorrent sends one per failed piece, back to back, and takes a reject
 * of one as final), and each counts as many served requests as the pieces it read.
 */
const MAX_DATA_PER_REQUEST = 32 * 1024 * 1024;
const MAX_QUEUED_DATA_REQUESTS = 8;
/**
 * Bytes hashed per peer and tick for such requests (on the event loop: they are rare, after a
 * failed piece, but a stranger must not make us hash without bound); one piece always passes,
 * the rest wait for the next tick.
 */
const DATA_BYTES_PER_TICK = 8 * 1024 * 1024;

interface Run {
  file: V2File;
  request: HashRequest;
  peer: PeerConnection | null;
  sentAt: number;
  done: boolean;
  /** Peers that rejected this run: asked again only when no one else can be. */
  rejectedBy: Set<PeerConnection>;
}

export interface V2HashesHost {
  meta(): Metainfo | null;
  peers(): Iterable<PeerConnection>;
  /** A verified piece's bytes (by torrent piece index), or null when we do not have it. */
  readPiece?(index: number): Promise<Buffer | null>;
}

export class V2Hashes {
  /** Layers from the piece layer up, per file root (hex), built on the first request. */
  private readonly served = new LazyMap<string, MerkleLevels>();
  /** Layers being built, by file root (hex): one build per file however many ask meanwhile. */
  private readonly building = new LazyMap<string, Promise<MerkleLevels>>();
  /** Files by merkle root (hex) of the metainfo they belong to (see fileWithRoot). */
  private filesByRoot: { meta: Metainfo; byRoot: Map<string, V2File> } | null = null;
  private fetch: { meta: Metainfo; runs: Run[]; layers: Map<V2File, Buffer>; done: () => void } | null = null;
  private readonly rejects = new LazyMap<PeerConnection, number>();
  /** Hash requests answered this tick, per peer (the bound on what a stranger makes us send). */
  private readonly servedThisTick = new LazyMap<PeerConnection, number>();
  /** Hash requests received this tick, per peer, answered or not (MAX_HASH_REQUESTS_PER_TICK). */
  private readonly askedThisTick = new LazyMap<PeerConnection, number>();
  /** Per peer, its requests below the piece layer: the first is being read from disk. */
  private readonly dataQueues = new LazyMap<PeerConnection, Array<{ r: HashRequest; file: V2File }>>();

  /** Bytes read and hashed for requests below the piece layer this tick, per peer. */
  private readonly dataBytesThisTick = new LazyMap<PeerConnection, number>();
  /** Requests below the piece layer waiting for the next tick's budget. */
  private tickWaiters: Array<() => void> = [];

  constructor(
    private readonly host: V2HashesHost,
    private readonly dataBytesPerTick = DATA_BYTES_PER_TICK,
  ) {}

  /**
   * Whether `meta` is v2-only with files of more than one piece whose layer is unknown. A
   * hybrid needs none (its SHA-1 hashes check every piece; the merkle check joins where a
   * layer is known), and libtorrent drops a peer that sends hash requests over a v1 connection.
   */
  static missingLayers(meta: Metainfo): boolean {
    return meta.v2 !== null && !meta.hybrid && meta.v2.files.some((f) => f.pieceCount > 1 && f.layer === null);
  }

  /**
   * Fetches the missing piece layers of `meta` from the peers; resolves once all are proven
   * and installed in `meta.v2`. Peers are asked on `tick` and as they answer.
   */
  fetchLayers(meta: Metainfo): Promise<void> {
    const v2 = meta.v2;
    if (v2 === null || !V2Hashes.missingLayers(meta)) return Promise.resolve();
    const pl = pieceLayerHeight(meta.pieceLength);
    const runs: Run[] = [];
    const layers = new Map<V2File, Buffer>();
    for (const file of v2.files) {
      if (file.pieceCount <= 1 || file.layer !== null) continue;
      layers.set(file, Buffer.alloc(file.pieceCount * 32));
      const levelSize = 1 << (rootHeight(file.length) - pl);
      const length = Math.min(levelSize, RUN);
      // Proofs reach the root: uncles from the run's subtree up.
      const proofLayers = rootHeight(file.length) - pl - 1;
      for (let index = 0; index < file.pieceCount; index += length) {
        runs.push({ file, request: { root: file.root, baseLayer: pl, index, length, proofLayers }, peer: null, sentAt: 0, done: false, rejectedBy: new Set() });
      }
    }
    return new Promise((resolve) => {
      this.fetch = { meta, runs, layers, done: resolve };
      this.ask();
    });
  }

  /** Stops fetching (the torrent stopped); the promise of fetchLayers stays pending. */
  cancel(): void {
    this.fetch = null;
  }

  tick(now = Date.now()): void {
    this.servedThisTick.clear();
    this.askedThisTick.clear();
    this.dataBytesThisTick.clear();
    const waiters = this.tickWaiters;
    this.tickWaiters = [];
    for (const wake of waiters) wake();
    if (!this.fetch) return;
    for (const run of this.fetch.runs) {
      if (!run.done && run.peer !== null && now - run.sentAt > REQUEST_TIMEOUT_MS) run.peer = null;
    }
    this.ask(now);
  }

  /** A peer joined or went: hand its runs to others. */
  peerGone(peer: PeerConnection): void {
    this.rejects.delete(peer);
    this.servedThisTick.delete(peer);
    this.askedThisTick.delete(peer);
    this.dataQueues.delete(peer);
    this.dataBytesThisTick.delete(peer);
    if (!this.fetch) return;
    for (const run of this.fetch.runs) {
      if (run.peer === peer) run.peer = null;
      run.rejectedBy.delete(peer);
    }
    this.ask();
  }

  message(peer: PeerConnection, id: number, payload: Buffer): void {
    if (id === MessageId.HashRequest) return this.serve(peer, payload);
    if (id === MessageId.Hashes) return this.received(peer, payload);
    return this.rejected(peer, payload);
  }

  private serve(peer: PeerConnection, payload: Buffer): void {
    const r = decodeHashRequest(payload);
    if (typeof r === 'string') return peer.close({ kind: 'protocol-violation', detail: r });
    const asked = (this.askedThisTick.get(peer) ?? 0) + 1;
    this.askedThisTick.set(peer, asked);
    if (asked > MAX_HASH_REQUESTS_PER_TICK) return peer.close({ kind: 'protocol-violation', detail: `more than ${MAX_HASH_REQUESTS_PER_TICK} hash requests in a second` });
    const meta = this.host.meta();
    const served = this.servedThisTick.get(peer) ?? 0;
    const busy = served >= MAX_SERVED_PER_TICK || peer.unsentBytes > Math.min(MAX_BACKLOG_FOR_HASHES, peer.sendShare);
    const file = busy || !meta ? undefined : this.fileWithRoot(meta, r.root);
    // A file of more than one piece needs its piece layer (a magnet may still be fetching it).
    if (!meta || !file || (file.pieceCount > 1 && file.layer === null) || requestProblem(r, file.length) !== null) {
      // Rejects count toward the per-tick limit too: answering is cheap now, but not free.
      if (!busy) this.servedThisTick.set(peer, served + 1);
      peer.send(encodeHashReject(r));
      return;
    }
    if (r.baseLayer < pieceLayerHeight(meta.pieceLength) || file.pieceCount === 1) {
      this.enqueueDataRequest(peer, r, file, meta);
      return;
    }
    this.servedThisTick.set(peer, served + 1);
    const levels = this.levelsNow(file, meta);
    // Still being built (the first request for this file): rejected, as when busy; asked again later.
    peer.send(levels ? encodeHashes({ ...r, hashes: answerRequest(r, levels, meta.pieceLength) }) : encodeHashReject(r));
  }

  /**
   * The file whose merkle root a request names, by a map built once per metainfo. A search of
   * the file list per request cost 2.3 ms on a torrent of 20,000 files, so a stranger's 48-byte
   * requests for unknown roots (~50 KB/s) held the event loop.
   */
  private fileWithRoot(meta: Metainfo, root: Buffer): V2File | undefined {
    if (this.filesByRoot?.meta !== meta) {
      const byRoot = new Map<string, V2File>();
      for (const f of meta.v2?.files ?? []) {
        const key = f.root.toString('hex');
        if (!byRoot.has(key)) byRoot.set(key, f);
      }
      this.filesByRoot = { meta, byRoot };
    }
    return this.filesByRoot.byRoot.get(root.toString('hex'));
  }

  /**
   * The layers from the piece layer up when built, else null with the build started. They are
   * built once per file and kept: at once for a file of up to PAIRS_PER_TURN pieces (one turn's
   * hashing), else a few thousand hashes at a time between turns of the event loop
   * (layersAbovePiecesAsync, awaited through `building`). Null too for a file of one piece,
   * whose tree lies within the piece, and for a layer not known yet.
   */
  private levelsNow(file: V2File, meta: Metainfo): MerkleLevels | null {
    if (file.layer === null || file.pieceCount === 1) return null;
    const key = file.root.toString('hex');
    const built = this.served.get(key);
    if (built) return built;
    if (file.pieceCount <= PAIRS_PER_TURN) {
      const now = layersAbovePieces(file.layer, file.length, meta.pieceLength);
      this.served.set(key, now);
      return now;
    }
    if (!this.building.has(key)) {
      this.building.set(key, layersAbovePiecesAsync(file.layer, file.length, meta.pieceLength).then((levels) => {
        this.served.set(key, levels);
        this.building.delete(key);
        return levels;
      }));
    }
    return null;
  }

  /** The layers from the piece layer up, waiting for their build if need be (null as levelsNow says). */
  private async levelsOf(file: V2File, meta: Metainfo): Promise<MerkleLevels | null> {
    return this.levelsNow(file, meta) ?? this.building.get(file.root.toString('hex')) ?? null;
  }

  /**
   * A request below the piece layer: the pieces it covers are read and hashed; answered only
   * when each hashes up to the piece layer entry (or root) we hold, so data changed on disk
   * since it was verified is never vouched for.
   */
  private enqueueDataRequest(peer: PeerConnection, r: HashRequest, file: V2File, meta: Metainfo): void {
    const queue = this.dataQueues.get(peer);
    if (queue && queue.length >= MAX_QUEUED_DATA_REQUESTS) {
      peer.send(encodeHashReject(r));
    } else if (queue) {
      queue.push({ r, file });
    } else {
      this.dataQueues.set(peer, [{ r, file }]);
      void this.drainDataQueue(peer, meta);
    }
  }

  private async drainDataQueue(peer: PeerConnection, meta: Metainfo): Promise<void> {
    for (;;) {
      // Gone when the peer went (peerGone).
      const queue = this.dataQueues.get(peer);
      const next = queue?.[0];
      if (!queue || !next) {
        this.dataQueues.delete(peer);
        return;
      }
      await this.serveFromData(peer, next.r, next.file, meta);
      queue.shift();
    }
  }

  private async serveFromData(peer: PeerConnection, r: HashRequest, file: V2File, meta: Metainfo): Promise<void> {
    const { first, end } = piecesBelowPieceLayer(r, file.length, meta.pieceLength);
    const read = this.host.readPiece;
    if (!read || (end - first) * meta.pieceLength > MAX_DATA_PER_REQUEST) {
      peer.send(encodeHashReject(r));
      return;
    }
    const bytes = (end - first) * meta.pieceLength;
    for (;;) {
      const used = this.dataBytesThisTick.get(peer) ?? 0;
      if (used === 0 || used + bytes <= this.dataBytesPerTick) break;
      await new Promise<void>((wake) => this.tickWaiters.push(wake));
      if (!this.dataQueues.has(peer)) return;
    }
    this.dataBytesThisTick.set(peer, (this.dataBytesThisTick.get(peer) ?? 0) + bytes);
    this.servedThisTick.set(peer, (this.servedThisTick.get(peer) ?? 0) + Math.max(1, end - first));
    let hashes: Buffer | null = null;
    try {
      const blocks = new Map<number, Buffer[]>();
      for (let p = first; p < end; p++) {
        const index = file.firstPiece + p;
        const check = v2PieceCheck(meta.v2!, meta.pieceLength, index);
        const data = check ? await read.call(this.host, index) : null;
        if (!check || !data) break;
        const leaves = blockHashes(data.subarray(0, check.dataLength));
        if (!merkleRoot(leaves, check.leaves).equals(check.expected)) break;
        blocks.set(p, leaves);
      }
      if (blocks.size === end - first) hashes = answerBelowPieceLayer(r, file.length, meta.pieceLength, blocks, await this.levelsOf(file, meta));
    } catch {
      hashes = null;
    }
    if (peer.isOpen === false) return;
    peer.send(hashes ? encodeHashes({ ...r, hashes }) : encodeHashReject(r));
  }

  private findRun(peer: PeerConnection, r: HashRequest): Run | undefined {
    return this.fetch?.runs.find(
      (run) => run.peer === peer && !run.done && run.request.index === r.index && run.request.length === r.length && run.request.baseLayer === r.baseLayer && run.request.root.equals(r.root),
    );
  }

  private received(peer: PeerConnection, payload: Buffer): void {
    const h = decodeHashes(payload);
    if (typeof h === 'string') return peer.close({ kind: 'protocol-violation', detail: h });
    const run = this.findRun(peer, h);
    // Unasked (or late after a timeout): ignored, as libtorrent ignores unrequested hashes.
    if (!run || !this.fetch) return;
    if (h.proofLayers !== run.request.proofLayers || !verifyHashes(run.request, h.hashes, run.file.root)) {
      run.peer = null;
      peer.close({ kind: 'protocol-violation', detail: 'hashes that do not prove out against the pieces root' });
      return;
    }
    const layer = this.fetch.layers.get(run.file)!;
    const count = Math.min(run.request.length, run.file.pieceCount - run.request.index);
    h.hashes.copy(layer, run.request.index * 32, 0, count * 32);
    run.done = true;
    if (this.fetch.runs.every((r) => r.done)) {
      const { layers, done } = this.fetch;
      for (const [file, bytes] of layers) file.layer = bytes;
      this.fetch = null;
      done();
      return;
    }
    this.ask();
  }

  private rejected(peer: PeerConnection, payload: Buffer): void {
    const r = decodeHashRequest(payload);
    if (typeof r === 'string') return peer.close({ kind: 'protocol-violation', detail: r });
    const run = this.findRun(peer, r);
    if (run) {
      run.peer = null;
      run.rejectedBy.add(peer);
    }
    this.rejects.set(peer, (this.rejects.get(peer) ?? 0) + 1);
    // Asked again on the next tick (another peer first): not at once, which with one peer
    // that cannot answer would be a request/reject ping-pong.
  }

  private ask(now = Date.now()): void {
    const fetch = this.fetch;
    if (!fetch) return;
    const inFlight = new Map<PeerConnection, number>();
    for (const run of fetch.runs) if (!run.done && run.peer) inFlight.set(run.peer, (inFlight.get(run.peer) ?? 0) + 1);
    const peers = [...this.host.peers()].filter((p) => p.remote !== null && (this.rejects.get(p) ?? 0) < MAX_REJECTS_PER_PEER);
    for (const run of fetch.runs) {
      if (run.done || run.peer !== null) continue;
      const free = (p: PeerConnection): boolean => (inFlight.get(p) ?? 0) < MAX_IN_FLIGHT_PER_PEER;
      const peer = peers.find((p) => free(p) && !run.rejectedBy.has(p)) ?? peers.find(free);
      if (peer === undefined) return;
      run.peer = peer;
      run.sentAt = now;
      inFlight.set(peer, (inFlight.get(peer) ?? 0) + 1);
      peer.send(encodeHashRequest(run.request));
    }
  }
}

/** A torrent's known piece layers by root (latin1 keys, as bencode Maps take them). */
export function pieceLayersOf(meta: Metainfo): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of meta.v2?.files ?? []) if (f.layer !== null) out.set(f.root.toString('latin1'), f.layer);
  return out;
}
