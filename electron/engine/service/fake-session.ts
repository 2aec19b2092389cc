/**
 * An in-memory EngineSession for tests of the service and the host, and for developing the
 * renderer without a swarm (`node dist/electron/host/main.js --fake-engine`): "torrents" are
 * any bytes starting with 'd' (bencode-ish) — the info-hash is a cheap hash of the bytes —
 * and `simulate()` makes them download by themselves.
 */
import {
  TorrentInputError,
  type AddTorrentOptions,
  type EncryptionMode,
  type EngineSession,
  type EngineTorrent,
  type FilePriority,
  type FileStats,
  type PeerAddress,
  type PeerSourceSwitches,
  type PeerStats,
  type SessionEvents,
  type SourceFacts,
  type TorrentEvents,
  type TorrentInfo,
  type TorrentSource,
  type TorrentState,
  type TorrentStats,
  type TrackerStats,
} from '../api.js';
import type { QueueMove, QueueSettings, SeedingLimits, Statistics, TorrentSeedingLimits } from '../../../shared/contract/policies.js';
import { moveInQueue } from '../session/queue-policy.js';
import { mergeTiers } from '../torrent/metadata-file.js';
import { limitTrackerTiers } from '../tracker/limits.js';
import { discoveryRows } from '../torrent/discovery-rows.js';
import type { DiscoveryView } from '../../../shared/contract/trackers.js';
import { replaceTracker, withoutTrackers, type TrackerEdit } from '../tracker/tier-edits.js';


type Listener = (...args: never[]) => void;

class Emitter<E> {
  private readonly map = new Map<keyof E, Set<Listener>>();
  on<K extends keyof E>(event: K, listener: E[K]): void {
    let set = this.map.get(event);
    if (!set) this.map.set(event, (set = new Set()));
    set.add(listener as Listener);
  }
  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.map.get(event)?.delete(listener as Listener);
  }
  emit<K extends keyof E>(event: K, ...args: E[K] extends (...a: infer A) => void ? A : never): void {
    for (const l of [...(this.map.get(event) ?? [])]) (l as (...a: unknown[]) => void)(...args);
  }
  count(): number {
    let n = 0;
    for (const s of this.map.values()) n += s.size;
    return n;
  }
}

/** FNV-1a based 160-bit-ish hex digest: not cryptographic, only distinct for tests. */
export function fakeInfoHash(bytes: Uint8Array): string {
  let out = '';
  for (let round = 0; round < 5; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i] ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

export interface FakeTorrentSpec {
  name?: string;
  pieceCount?: number;
  pieceLength?: number;
  blocksPerPiece?: number;
}

export class FakeTorrent implements EngineTorrent {
  readonly events = new Emitter<TorrentEvents>();
  readonly status: Uint8Array;
  readonly blocks: Uint16Array;
  readonly avail: Uint16Array;
  readonly blocksPerPiece: number;
  readonly priorities: FilePriority[] = [1, 1];
  state: TorrentState;
  sequential = false;
  downloadRate = 0;
  hashFailures = 0;
  completedAt: number | null = null;
  readonly addedAt = Date.now();
  readonly peerList: PeerStats[] = [];
  /** Per-torrent limits (bytes/s, 0 = unlimited) and "first and last pieces first", as set. */
  limits = { download: 0, upload: 0 };
  firstLastPiecesFirst = false;
  /** How many times recheck() ran. */
  rechecks = 0;
  category: string | null = null;
  seedingLimits: TorrentSeedingLimits = { ratio: -2, minutes: -2 };
  queuePosition = 0;
  /** Its announce-list (tiers), as the engine keeps it: duplicate adds and the Trackers tab change it. */
  trackerTiers: string[][] = [['http://127.0.0.1:1/announce']];
  /** How many times reannounce() ran while it was running. */
  reannounces = 0;
  /** The session's DHT, PEX and LSD switches as its rows see them (FakeSession sets them), and whether it is private. */
  peerSources = { dht: true, pex: true, lsd: true };
  isPrivate = false;
  /** Peers the rows count by where they came from (PeerOrigin bits). */
  countedPeers: Array<{ isSeed: boolean; origins: number }> = [];

  constructor(
    readonly infoHash: string,
    readonly name: string,
    readonly pieceLength: number,
    pieceCount: number,
    blocksPerPiece: number,
    public savePath: string,
    paused: boolean,
  ) {
    this.status = new Uint8Array(pieceCount);
    this.blocks = new Uint16Array(pieceCount);
    this.avail = new Uint16Array(pieceCount).fill(1);
    this.blocksPerPiece = blocksPerPiece;
    this.state = paused ? 'paused' : 'downloading';
  }

  get size(): number {
    return this.status.length * this.pieceLength;
  }

  info(): TorrentInfo {
    return {
      infoHash: this.infoHash,
      name: this.name,
      size: this.size,
      pieceLength: this.pieceLength,
      pieceCount: this.status.length,
      lastPieceLength: this.pieceLength,
      comment: 'fake',
      createdBy: 'fake-session',
      creationDate: 0,
      private: false,
      hasMetadata: true,
    };
  }

  stats(): TorrentStats {
    let verified = 0;
    for (const s of this.status) if (s === 2) verified++;
    return {
      infoHash: this.infoHash,
      name: this.name,
      state: this.state,
      error: null,
      size: this.size,
      pieceLength: this.pieceLength,
      pieceCount: this.status.length,
      verifiedPieces: verified,
      completedBytes: verified * this.pieceLength,
      downloaded: verified * this.pieceLength,
      uploaded: 0,
      downloadRate: this.downloadRate,
      uploadRate: 0,
      peers: this.peerList.length,
      seeds: this.peerList.length,
      hashFailures: this.hashFailures,
      savePath: this.savePath,
      addedAt: this.addedAt,
      completedAt: this.completedAt,
      sequential: this.sequential,
      firstLastPiecesFirst: this.firstLastPiecesFirst,
      category: this.category,
      queuePosition: this.queuePosition,
      seedingLimits: { ...this.seedingLimits },
    };
  }

  pieceStatus(): Uint8Array {
    return this.status.slice();
  }

  inFlight(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let i = 0; i < this.status.length; i++) if (this.status[i] === 1) out.push([i, this.blocks[i] ?? 0, this.blocksPerPiece]);
    return out;
  }

  availability(): Uint16Array {
    return this.avail.slice();
  }

  peers(): PeerStats[] {
    return this.peerList.map((p) => ({ ...p }));
  }

  files(): FileStats[] {
    const half = Math.floor(this.size / 2);
    return [
      { index: 0, path: `${this.name}/a.bin`, size: half, completedBytes: 0, priority: this.priorities[0] ?? 1, pad: false },
      { index: 1, path: `${this.name}/b.bin`, size: this.size - half, completedBytes: 0, priority: this.priorities[1] ?? 1, pad: false },
    ];
  }

  discoveryRows(): DiscoveryView {
    return discoveryRows(this.isPrivate, this.peerSources, this.countedPeers);
  }

  trackers(): TrackerStats[] {
    return this.trackerTiers.flatMap((tier, i) =>
      tier.map((url) => ({ url, tier: i, status: 'idle' as const, message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null })),
    );
  }

  async pause(): Promise<void> {
    this.setState('paused');
  }

  async resume(): Promise<void> {
    this.setState(this.isDone() ? 'seeding' : 'downloading');
  }

  /** Added with chooseFilesFirst: true until chooseFiles. */
  chooseFilesFirst = false;
  /** The files of a magnet waiting for its file choice (set by metadataForChoice), else null. */
  choice: SourceFacts | null = null;

  /** Plays a magnet added with chooseFilesFirst whose metadata arrived: it waits for chooseFiles. */
  metadataForChoice(files: Array<{ path: string; size: number }>): void {
    this.choice = { infoHash: this.infoHash, name: this.name, size: files.reduce((n, f) => n + f.size, 0), fileCount: files.length, files, trackerCount: 0, private: false };
    this.events.emit('filesToChoose');
  }

  fileChoice(maxFiles: number): SourceFacts | null {
    return this.choice ? { ...this.choice, files: this.choice.files.slice(0, maxFiles) } : null;
  }

  async chooseFiles(priorities: readonly FilePriority[]): Promise<void> {
    if (!this.choice) throw new Error('the metadata has not arrived yet');
    this.choice = null;
    this.chooseFilesFirst = false;
    priorities.forEach((p, i) => (this.priorities[i] = p));
    this.events.emit('metadata');
  }

  setFilePriority(fileIndex: number, priority: FilePriority): void {
    this.priorities[fileIndex] = priority;
  }

  setSequential(on: boolean): void {
    this.sequential = on;
  }

  setRateLimits(limits: { download?: number; upload?: number }): void {
    if (limits.download !== undefined) this.limits.download = Math.max(0, limits.download);
    if (limits.upload !== undefined) this.limits.upload = Math.max(0, limits.upload);
  }

  rateLimits(): { download: number; upload: number } {
    return { ...this.limits };
  }

  setFirstLastPiecesFirst(on: boolean): void {
    this.firstLastPiecesFirst = on;
  }

  async recheck(): Promise<void> {
    this.rechecks++;
  }

  addPeers(_peers: PeerAddress[]): void {}

  addTrackers(tiers: string[][]): void {
    this.trackerTiers = limitTrackerTiers(mergeTiers(this.trackerTiers, tiers)).tiers;
  }

  editTracker(url: string, newUrl: string): TrackerEdit['kind'] {
    const edit = replaceTracker(this.trackerTiers, url, newUrl);
    if (edit.kind === 'edited') this.trackerTiers = edit.tiers;
    return edit.kind;
  }

  removeTrackers(urls: readonly string[]): number {
    const { tiers, removed } = withoutTrackers(this.trackerTiers, urls);
    this.trackerTiers = tiers;
    return removed;
  }

  reannounce(): void {
    if (this.state !== 'paused') this.reannounces++;
  }

  setCategory(category: string | null): void {
    this.category = category;
  }

  setSeedingLimits(limits: TorrentSeedingLimits): void {
    this.seedingLimits = { ...limits };
  }

  /** Set to make the next move fail with this message. */
  moveFailure: string | null = null;

  /** Renames as asked, [from, newName]. */
  readonly renames: Array<[string, string]> = [];

  async renamePath(from: string, newName: string): Promise<void> {
    if (!this.files().some((f) => f.path === from || f.path.startsWith(from + '/'))) throw new Error(`No file or folder ${from} in this torrent`);
    this.renames.push([from, newName]);
  }

  /** What torrentFile() returns (null: a magnet without metadata). */
  exportBytes: Buffer | null = Buffer.from('d4:infod4:name4:fakeee');

  torrentFile(): Buffer | null {
    return this.exportBytes;
  }

  async moveStorage(target: string): Promise<void> {
    if (this.moveFailure) throw new Error(this.moveFailure);
    this.savePath = target;
  }

  on<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  setState(state: TorrentState): void {
    this.state = state;
    this.events.emit('state', state);
  }

  isDone(): boolean {
    return this.status.every((s) => s === 2);
  }

  /** Simulates one block arriving for `index`; verifies (or fails) the piece when complete. */
  receiveBlock(index: number, fail = false): void {
    const received = (this.blocks[index] ?? 0) + 1;
    this.blocks[index] = received;
    this.status[index] = 1;
    this.events.emit('block', index, received, this.blocksPerPiece);
    if (received >= this.blocksPerPiece) {
      this.blocks[index] = 0;
      if (fail) {
        this.hashFailures++;
        this.status[index] = 0;
        this.events.emit('piece', index, false);
      } else {
        this.status[index] = 2;
        this.events.emit('piece', index, true);
        if (this.isDone()) {
          this.completedAt = Date.now();
          this.setState('seeding');
          this.events.emit('done');
        }
      }
    }
  }

  listenerCount(): number {
    return this.events.count();
  }
}

export class FakeSession implements EngineSession {
  readonly port: number;
  readonly torrents = new Map<string, FakeTorrent>();
  readonly events = new Emitter<SessionEvents>();
  readonly spec: Required<FakeTorrentSpec>;
  /** Global limits (bytes/s, 0 = unlimited), max peers and encryption, as set (the simulator ignores them). */
  limits = { download: 0, upload: 0 };
  maxPeersPerTorrent = 60;
  maxConnectionsPerIp = 2;
  maxConnections = 500;
  encryption: EncryptionMode = 'allow';
  /** Queue and seeding settings as set (the simulator ignores them). */
  queueSettings: QueueSettings | null = null;
  seedingLimits: SeedingLimits | null = null;
  /** Queue order: info-hashes. */
  order: string[] = [];
  /** The options of the last add, as given. */
  lastAddOptions: AddTorrentOptions | null = null;
  private simTimer: ReturnType<typeof setInterval> | null = null;

  constructor(options: { port?: number; spec?: FakeTorrentSpec } = {}) {
    this.port = options.port ?? 6881;
    this.spec = { name: '', pieceCount: 64, pieceLength: 16384 * 4, blocksPerPiece: 4, ...options.spec };
  }

  /** The fake's parse: any bytes starting with 'd'; magnets need a hex btih. Throws TorrentInputError. */
  private identify(source: TorrentSource): { hash: string; name: string } {
    if (source.kind === 'torrent') {
      if (source.bytes[0] !== 0x64 /* 'd' */) throw new TorrentInputError('not a bencoded dictionary');
      const hash = fakeInfoHash(source.bytes);
      return { hash, name: this.spec.name || `fake-${hash.slice(0, 8)}` };
    }
    const m = /xt=urn:btih:([0-9a-fA-F]{40})/.exec(source.uri);
    if (!m?.[1]) throw new TorrentInputError('magnet has no btih');
    const hash = m[1].toLowerCase();
    return { hash, name: /[?&]dn=([^&]*)/.exec(source.uri)?.[1] ?? hash };
  }

  async inspect(source: TorrentSource, maxFiles: number): Promise<SourceFacts> {
    const { hash, name } = this.identify(source);
    if (source.kind === 'magnet') return { infoHash: hash, name, size: null, fileCount: null, files: [], trackerCount: 0, private: false };
    const size = this.spec.pieceCount * this.spec.pieceLength;
    return { infoHash: hash, name, size, fileCount: 1, files: [{ path: name, size }].slice(0, maxFiles), trackerCount: 0, private: false };
  }

  async add(source: TorrentSource, options: AddTorrentOptions = {}): Promise<EngineTorrent> {
    const { hash, name } = this.identify(source);
    this.lastAddOptions = options;
    const existing = this.torrents.get(hash);
    if (existing) return existing;
    const t = new FakeTorrent(hash, name, this.spec.pieceLength, this.spec.pieceCount, this.spec.blocksPerPiece, options.savePath ?? '/tmp', options.paused ?? false);
    t.peerSources = { dht: this.switches.dht, pex: this.switches.pex, lsd: this.switches.lsd };
    if (options.category !== undefined) t.category = options.category;
    if (options.sequential !== undefined) t.sequential = options.sequential;
    if (options.firstLastPiecesFirst !== undefined) t.firstLastPiecesFirst = options.firstLastPiecesFirst;
    if (options.chooseFilesFirst) t.chooseFilesFirst = true;
    options.filePriorities?.forEach((p, i) => (t.priorities[i] = p));
    this.torrents.set(hash, t);
    this.order.push(hash);
    t.queuePosition = this.order.length;
    this.events.emit('added', hash);
    return t;
  }

  /** A torrent's other hash (v2 or hybrid) → the key it was added under: `get` finds it by either, as Session's does; `remove` by the key only. */
  readonly otherHashes = new Map<string, string>();

  get(infoHash: string): FakeTorrent | undefined {
    return this.torrents.get(infoHash) ?? this.torrents.get(this.otherHashes.get(infoHash) ?? '');
  }

  list(): FakeTorrent[] {
    return [...this.torrents.values()];
  }

  async remove(infoHash: string, _options: { deleteData: boolean }): Promise<void> {
    if (this.torrents.delete(infoHash)) {
      this.order = this.order.filter((h) => h !== infoHash);
      this.renumber();
      this.events.emit('removed', infoHash);
    }
  }

  setQueueSettings(settings: QueueSettings): void {
    this.queueSettings = { ...settings };
  }

  moveInQueue(infoHashes: string[], to: QueueMove): void {
    this.order = moveInQueue(this.order, infoHashes, to);
    this.renumber();
  }

  setSeedingLimits(limits: SeedingLimits): void {
    this.seedingLimits = { ...limits };
  }

  statistics(): Statistics {
    let down = 0;
    let up = 0;
    for (const t of this.torrents.values()) {
      const s = t.stats();
      down += s.downloaded;
      up += s.uploaded;
    }
    return { sessionDownloaded: down, sessionUploaded: up, allTimeDownloaded: down, allTimeUploaded: up, allTimeRatio: down > 0 ? up / down : 0 };
  }

  private renumber(): void {
    this.order.forEach((h, i) => {
      const t = this.torrents.get(h);
      if (t) t.queuePosition = i + 1;
    });
  }

  async close(): Promise<void> {
    this.stopSimulation();
  }

  setRateLimits(limits: { download?: number; upload?: number }): void {
    if (limits.download !== undefined) this.limits.download = Math.max(0, limits.download);
    if (limits.upload !== undefined) this.limits.upload = Math.max(0, limits.upload);
  }

  rateLimits(): { download: number; upload: number } {
    return { ...this.limits };
  }

  setMaxPeersPerTorrent(max: number): void {
    this.maxPeersPerTorrent = Math.max(1, Math.floor(max));
  }

  setMaxConnectionsPerIp(max: number): void {
    this.maxConnectionsPerIp = Math.max(0, Math.floor(max));
  }

  setMaxConnections(max: number): void {
    this.maxConnections = Math.max(1, Math.floor(max));
  }

  /** The switches as set (every one allowed: the fake has no host flags). */
  switches: PeerSourceSwitches = { dht: true, pex: true, lsd: true, portMapping: true };

  async setPeerSources(switches: Partial<PeerSourceSwitches>): Promise<void> {
    this.switches = { ...this.switches, ...switches };
    for (const t of this.torrents.values()) t.peerSources = { dht: this.switches.dht, pex: this.switches.pex, lsd: this.switches.lsd };
  }

  peerSources(): PeerSourceSwitches {
    return { ...this.switches };
  }

  setEncryption(mode: EncryptionMode): void {
    this.encryption = mode;
  }

  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /** Downloads every unpaused torrent by itself: `blocksPerTick` blocks every `intervalMs`, 1 in 50 pieces failing once. */
  simulate(intervalMs = 20, blocksPerTick = 8): void {
    if (this.simTimer) return;
    const failedOnce = new Set<string>();
    this.simTimer = setInterval(() => {
      for (const t of this.torrents.values()) {
        if (t.state !== 'downloading') {
          t.downloadRate = 0;
          continue;
        }
        t.downloadRate = (blocksPerTick * t.pieceLength) / t.blocksPerPiece / (intervalMs / 1000);
        if (t.peerList.length === 0) {
          t.peerList.push({ id: 'sim', address: '127.0.0.1:6881', client: 'Simulator 1.0', incoming: false, flags: 'D', downloadRate: t.downloadRate, uploadRate: 0, downloaded: 0, uploaded: 0, progress: 1 });
        }
        // Several pieces in flight at once, blocks spread over them (like a real pipeline).
        for (let b = 0; b < blocksPerTick; b++) {
          const inFlight: number[] = [];
          const missing: number[] = [];
          for (let i = 0; i < t.status.length; i++) {
            if (t.status[i] === 1) inFlight.push(i);
            else if (t.status[i] === 0) missing.push(i);
          }
          let index: number;
          if (inFlight.length < 6 && missing.length > 0) {
            index = t.sequential ? (missing[0] ?? 0) : (missing[Math.floor(Math.random() * missing.length)] ?? 0);
          } else if (inFlight.length > 0) {
            index = inFlight[b % inFlight.length] ?? 0;
          } else {
            break;
          }
          const key = `${t.infoHash}:${index}`;
          const fail = index % 50 === 7 && !failedOnce.has(key) && (t.blocks[index] ?? 0) + 1 >= t.blocksPerPiece;
          if (fail) failedOnce.add(key);
          t.receiveBlock(index, fail);
        }
      }
    }, intervalMs);
    (this.simTimer as { unref?: () => void }).unref?.();
  }

  stopSimulation(): void {
    if (this.simTimer) clearInterval(this.simTimer);
    this.simTimer = null;
  }
}
