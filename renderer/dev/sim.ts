/**
 * A simulated engine speaking the real contract, for the demo page, screenshots and the
 * piece-grid benchmark. It implements `ClientTransport`, so its events go through the same
 * `createClient` (and therefore the same validators) as the Electron and WebSocket
 * transports; with `wire: true` every event is also JSON round-tripped like on the socket.
 *
 * Development only: never part of the production bundle (only dev/ and bench/ pages import it).
 */
import {
  PieceState,
  base64ToBytes,
  bytesToBase64,
  createClient,
  type ClientTransport,
  type CommandName,
  type FilePriority,
  type FileView,
  type HealthCause,
  type PeerPiecesQuery,
  type TorrentHealth,
  type PeerView,
  type ServerEvent,
  type Settings,
  type TesseraClient,
  type TorrentState,
  type TorrentSummary,
  type TrackerView,
  encodePieceChanges,
  forEachFilePriorityRun,
  packInFlight,
} from '../../shared/contract/index.js';
import { mulberry32 as rng } from '../../shared/seeded-random.js';
import { SimSources } from './simSources.js';
import { simPeerPieces } from './simPeerPieces.js';

export interface SimTorrentSpec {
  name: string;
  pieceCount: number;
  pieceLength?: number;
  blocksPerPiece?: number;
  /** Fraction already verified at start (scattered). */
  done?: number;
  state?: TorrentState;
  /** Download speed in blocks per second while downloading. */
  blocksPerSecond?: number;
  /** Pieces downloading at the same time. */
  window?: number;
  /** Chance that a finished piece fails its hash. */
  failRate?: number;
  error?: string | null;
  peers?: number;
  files?: string[];
  trackers?: string[];
  comment?: string | null;
  createdBy?: string | null;
}

export interface SimOptions {
  torrents?: SimTorrentSpec[];
  /** Piece deltas per second per watched torrent (the real service sends at most ~4). */
  deltaHz?: number;
  summaryHz?: number;
  /** JSON round-trip every event, like the WebSocket transport. */
  wire?: boolean;
  /** Deterministic randomness. */
  seed?: number;
  /** Simulation tick in ms. */
  tickMs?: number;
}

function hexHash(text: string): string {
  let out = '';
  for (let r = 0; r < 5; r++) {
    let h = 0x811c9dc5 ^ (r * 0x9e3779b1);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

const CLIENTS = ['qBittorrent 4.6.7', 'Transmission 4.0.6', 'libtorrent 2.0.11', 'Deluge 2.1.1', 'aria2 1.37.0', 'Tessera 0.1.0', 'BiglyBT 3.7'];

class SimTorrent {
  readonly infoHash: string;
  readonly pieceLength: number;
  readonly blocksPerPiece: number;
  readonly size: number;
  readonly states: Uint8Array;
  readonly blocks: Uint16Array;
  readonly avail: Uint8Array;
  readonly order: Int32Array;
  orderPos = 0;
  readonly inflight: number[] = [];
  verified = 0;
  state: TorrentState;
  error: string | null;
  hashFailures = 0;
  downloadRate = 0;
  uploadRate = 0;
  downloaded = 0;
  uploaded = 0;
  readonly addedAt: number;
  completedAt: number | null = null;
  sequential = false;
  firstLastPiecesFirst = false;
  limits = { download: 0, upload: 0 };
  priorities: FilePriority[];
  // Piece events for the watched stream.
  watched = false;
  seq = 0;
  readonly pending = new Map<number, [number, number]>();
  readonly failedNow = new Set<number>();
  availChanged = false;
  private bytesThisSecond = 0;
  private rateClock = 0;
  private readonly failedQueue: number[] = [];
  readonly pieceSources: SimSources;

  constructor(readonly spec: SimTorrentSpec, private readonly rand: () => number, now: number) {
    this.infoHash = hexHash(spec.name);
    this.pieceSources = new SimSources(spec.peers ?? 12);
    this.pieceLength = spec.pieceLength ?? 262_144;
    this.blocksPerPiece = spec.blocksPerPiece ?? Math.max(1, Math.round(this.pieceLength / 16384));
    this.size = spec.pieceCount * this.pieceLength - Math.floor(this.pieceLength / 3);
    this.states = new Uint8Array(spec.pieceCount);
    this.blocks = new Uint16Array(spec.pieceCount);
    this.avail = new Uint8Array(spec.pieceCount);
    this.order = new Int32Array(spec.pieceCount);
    for (let i = 0; i < spec.pieceCount; i++) this.order[i] = i;
    for (let i = spec.pieceCount - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = this.order[i] as number;
      this.order[i] = this.order[j] as number;
      this.order[j] = t;
    }
    const peers = spec.peers ?? 12;
    // Availability: smooth bands (some regions rare), like a real swarm.
    for (let i = 0; i < spec.pieceCount; i++) {
      const wave = 0.5 + 0.5 * Math.sin(i / Math.max(8, spec.pieceCount / 9)) * Math.cos(i / Math.max(5, spec.pieceCount / 31));
      this.avail[i] = Math.min(255, Math.max(0, Math.round(wave * peers * (0.6 + 0.6 * rand()) - 0.5)));
    }
    const done = Math.round((spec.done ?? 0) * spec.pieceCount);
    for (let k = 0; k < done; k++) {
      this.states[this.order[k] as number] = PieceState.Verified;
    }
    this.orderPos = done;
    this.verified = done;
    this.state = spec.state ?? (done === spec.pieceCount ? 'seeding' : 'downloading');
    this.error = spec.error ?? null;
    this.addedAt = now - Math.floor(rand() * 86_400_000 * 3);
    if (this.verified === spec.pieceCount) this.completedAt = this.addedAt + 3_600_000;
    this.priorities = (spec.files ?? [spec.name]).map(() => 1 as FilePriority);
    if (this.state === 'downloading') this.fillWindow();
  }

  get pieceCount(): number {
    return this.spec.pieceCount;
  }

  private mark(i: number): void {
    const s = this.states[i] as number;
    this.pending.set(i, [s, s === PieceState.InFlight ? (this.blocks[i] as number) / this.blocksPerPiece : s === PieceState.Verified ? 1 : 0]);
  }

  private fillWindow(): void {
    const want = this.spec.window ?? 256;
    while (this.inflight.length < want) {
      let i: number | undefined = this.failedQueue.shift();
      if (i === undefined) {
        while (this.orderPos < this.pieceCount && this.states[this.order[this.orderPos] as number] === PieceState.Verified) this.orderPos++;
        if (this.orderPos >= this.pieceCount) break;
        i = this.order[this.orderPos++] as number;
      }
      this.states[i] = PieceState.InFlight;
      this.blocks[i] = 0;
      this.inflight.push(i);
      this.mark(i);
    }
  }

  /** Advance by dt ms. */
  tick(dt: number, now: number): boolean {
    let changed = false;
    if (this.state === 'downloading') {
      let budget = ((this.spec.blocksPerSecond ?? 2000) * dt) / 1000;
      // Carry fractional blocks.
      budget += this.carry;
      let n = Math.floor(budget);
      this.carry = budget - n;
      const failRate = this.spec.failRate ?? 0.004;
      while (n-- > 0 && this.inflight.length > 0) {
        const k = Math.floor(this.rand() * this.inflight.length);
        const i = this.inflight[k] as number;
        const b = (this.blocks[i] as number) + 1;
        this.blocks[i] = b;
        this.bytesThisSecond += 16384;
        this.downloaded += 16384;
        if (b >= this.blocksPerPiece) {
          this.inflight[k] = this.inflight[this.inflight.length - 1] as number;
          this.inflight.pop();
          if (this.rand() < failRate) {
            this.states[i] = PieceState.Failed;
            this.blocks[i] = 0;
            this.hashFailures++;
            this.failedQueue.push(i);
            this.pieceSources.failed(i);
            if (this.watched) this.failedNow.add(i);
            this.mark(i);
          } else {
            this.states[i] = PieceState.Verified;
            this.verified++;
            this.pieceSources.verified(i, this.rand);
            this.mark(i);
          }
        } else {
          this.mark(i);
        }
      }
      this.fillWindow();
      if (this.verified === this.pieceCount) {
        this.state = 'seeding';
        this.completedAt = Date.now();
        changed = true;
      }
    }
    if (this.state === 'seeding' || this.state === 'downloading') this.uploaded += Math.floor(this.uploadRate * dt / 1000);
    this.rateClock += dt;
    if (this.rateClock >= 1000) {
      const peers = this.spec.peers ?? 12;
      this.downloadRate = this.state === 'downloading' ? (this.bytesThisSecond * 1000) / this.rateClock : 0;
      this.uploadRate = this.state === 'seeding' || this.state === 'downloading' ? Math.round(peers * 9000 * (0.5 + this.rand())) : 0;
      this.bytesThisSecond = 0;
      this.rateClock = 0;
      // Peers come and go: availability drifts in a few places.
      if (this.state === 'downloading') {
        const touches = Math.max(1, Math.floor(this.pieceCount / 50));
        for (let t = 0; t < touches; t++) {
          const i = Math.floor(this.rand() * this.pieceCount);
          const v = (this.avail[i] as number) + (this.rand() < 0.5 ? -1 : 1);
          this.avail[i] = Math.max(0, Math.min(255, v));
        }
        this.availChanged = true;
      }
      changed = true;
    }
    void now;
    return changed;
  }

  private carry = 0;

  summary(): TorrentSummary {
    const complete = this.verified === this.pieceCount;
    const completedBytes = complete ? this.size : Math.min(this.size, this.verified * this.pieceLength);
    const left = this.size - completedBytes;
    const peers = this.state === 'paused' || this.state === 'error' ? 0 : this.spec.peers ?? 12;
    const hasMetadata = this.state !== 'metadata';
    return {
      infoHash: this.infoHash,
      name: this.spec.name,
      state: this.state,
      error: this.error,
      size: hasMetadata ? this.size : 0,
      totalSize: hasMetadata ? this.size : 0,
      completedBytes: hasMetadata ? completedBytes : 0,
      progress: hasMetadata && this.size > 0 ? completedBytes / this.size : 0,
      downloadRate: this.downloadRate,
      uploadRate: this.uploadRate,
      downloaded: this.downloaded,
      uploaded: this.uploaded,
      peers,
      seeds: Math.floor(peers / 3),
      eta: this.state === 'downloading' && this.downloadRate > 0 ? left / this.downloadRate : null,
      pieceCount: hasMetadata ? this.pieceCount : 0,
      pieceLength: hasMetadata ? this.pieceLength : 0,
      verifiedPieces: this.verified,
      hashFailures: this.hashFailures,
      addedAt: this.addedAt,
      completedAt: this.completedAt,
      sequential: this.sequential,
      firstLastPiecesFirst: this.firstLastPiecesFirst,
      downloadLimit: this.limits.download,
      uploadLimit: this.limits.upload,
      savePath: '/home/user/Downloads',
      hasMetadata,
    };
  }

  snapshotEvent(): ServerEvent {
    this.seq = 0;
    this.pending.clear();
    this.failedNow.clear();
    this.availChanged = false;
    const inFlight: Array<[number, number]> = [];
    for (const i of this.inflight) inFlight.push([i, (this.blocks[i] as number) / this.blocksPerPiece]);
    const hasMetadata = this.state !== 'metadata';
    return {
      type: 'piecesSnapshot',
      infoHash: this.infoHash,
      seq: 0,
      pieceCount: hasMetadata ? this.pieceCount : 0,
      states: bytesToBase64(hasMetadata ? this.states : new Uint8Array(0)),
      inFlight: hasMetadata ? inFlight : [],
      availability: bytesToBase64(hasMetadata ? this.avail : new Uint8Array(0)),
    };
  }

  deltaEvent(): ServerEvent | null {
    if (this.pending.size === 0 && this.failedNow.size === 0 && !this.availChanged) return null;
    const changes: Array<[number, 0 | 1 | 2 | 3, number]> = [];
    // A failed piece shows once as Failed; its next state goes out in the following delta.
    for (const i of this.failedNow) {
      changes.push([i, PieceState.Failed, 0]);
      if (this.states[i] === PieceState.Failed) this.states[i] = PieceState.Missing;
    }
    const later = new Map<number, [number, number]>();
    for (const [i, [s, f]] of this.pending) {
      if (this.failedNow.has(i)) later.set(i, [this.states[i] as number, s === PieceState.Failed ? 0 : f]);
      else changes.push([i, s as 0 | 1 | 2 | 3, f]);
    }
    this.failedNow.clear();
    this.pending.clear();
    for (const [i, v] of later) this.pending.set(i, v);
    const e: ServerEvent = {
      type: 'piecesDelta',
      infoHash: this.infoHash,
      seq: ++this.seq,
      changes: encodePieceChanges(changes),
      ...(this.availChanged ? { availability: bytesToBase64(this.avail) } : {}),
    };
    this.availChanged = false;
    return e;
  }

  files(): FileView[] {
    const names = this.spec.files ?? [this.spec.name];
    const total = this.size;
    const per = Math.floor(total / names.length);
    const progress = this.pieceCount ? this.verified / this.pieceCount : 0;
    return names.map((path, index) => {
      const size = index === names.length - 1 ? total - per * (names.length - 1) : per;
      const p = Math.min(1, progress * (0.85 + 0.3 * ((index * 7) % 5) / 5));
      return { index, path, size, completedBytes: Math.floor(size * p), progress: p, priority: this.priorities[index] ?? 1, pad: false };
    });
  }

  peers(): PeerView[] {
    if (this.state === 'paused' || this.state === 'error') return [];
    const n = this.spec.peers ?? 12;
    const out: PeerView[] = [];
    const r = rng(this.pieceCount);
    for (let i = 0; i < n; i++) {
      const down = this.state === 'downloading' ? (this.downloadRate / n) * (0.3 + 1.4 * r()) : 0;
      out.push({
        id: `${i}`,
        address: i % 5 === 4 ? `[2001:db8::${(i * 37).toString(16)}]:${51413 + i}` : `10.${i}.${(i * 53) % 255}.${(i * 97) % 255}:${6881 + i * 7}`,
        client: CLIENTS[i % CLIENTS.length] ?? 'unknown',
        incoming: i % 3 === 0,
        flags: [down > 0 ? 'D' : 'd', i % 4 === 0 ? 'U' : 'u', i % 3 === 0 ? 'I' : '', i % 2 === 0 ? 'E' : '', i % 5 === 0 ? 'X' : 'H'].filter(Boolean).join(' '),
        downloadRate: down,
        uploadRate: this.uploadRate / n * r(),
        downloaded: Math.floor(this.downloaded / n),
        uploaded: Math.floor(this.uploaded / n),
        progress: i % 3 === 0 ? 1 : Math.round(r() * 1000) / 1000,
      });
    }
    return out;
  }

  /** A plausible diagnosis from the simulated facts (the real one is the engine's health.ts). */
  health(): TorrentHealth {
    const causes: HealthCause[] = [];
    if (this.state === 'paused') causes.push({ id: 'paused', severity: 'blocking', title: 'Paused', detail: 'Nothing is transferred while the torrent is paused.', action: 'Resume it.' });
    else if (this.state === 'downloading' && (this.spec.peers ?? 12) === 0) {
      causes.push({ id: 'no-peers', severity: 'blocking', title: 'No peers found', detail: 'The trackers have returned no peers yet.', action: 'Add a working tracker, wait for the DHT, or add a peer by address.' });
    } else if (this.state === 'downloading') {
      let nobody = 0;
      for (let i = 0; i < this.pieceCount; i++) if (this.states[i] !== PieceState.Verified && this.avail[i] === 0) nobody++;
      if (nobody > 0) causes.push({ id: 'pieces-nobody-has', severity: 'info', title: `${nobody} pieces nobody connected has`, detail: `${nobody} missing pieces are on none of the connected peers.`, action: 'Wait for a seed, or skip the files they belong to.' });
      const failing = this.trackers().filter((t) => t.status === 'error');
      if (failing.length > 0) causes.push({ id: 'trackers-failing', severity: 'info', title: `${failing.length} of ${this.trackers().length} trackers fail`, detail: failing.map((t) => `${t.url}: ${t.message ?? 'no reply'}`).join('; '), action: 'Check the tracker URLs.' });
    }
    return { infoHash: this.infoHash, causes };
  }

  trackers(): TrackerView[] {
    return (this.spec.trackers ?? []).map((url, i) => ({
      url,
      tier: i,
      status: i === 2 ? 'error' : this.state === 'paused' ? 'idle' : 'working',
      message: i === 2 ? 'Connection timed out' : null,
      lastAnnounce: this.state === 'paused' ? null : Date.now() - 60_000 * (i + 1),
      peers: i === 2 ? 0 : 30 + i * 11,
      seeders: i === 2 ? null : 12 + i,
      leechers: i === 2 ? null : 40 + i * 3,
    }));
  }
}

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export class SimEngine implements ClientTransport {
  private readonly torrents = new Map<string, SimTorrent>();
  private onEvent: (raw: unknown) => void = () => undefined;
  private readonly rand: () => number;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private subscribed = false;
  private last = 0;
  private summariesDirty = true;
  private settings: Settings = {
    downloadDir: '/home/user/Downloads',
    listenPort: 6881,
    maxPeersPerTorrent: 80,
    notifyOnComplete: true,
    downloadLimit: 0,
    uploadLimit: 0,
    encryption: 'allow',
    confirmAdd: true,
  };
  /** Events sent, by type (benchmark report). */
  readonly sent: Record<string, number> = {};

  constructor(private readonly options: SimOptions = {}) {
    this.rand = rng(options.seed ?? 42);
    const now = Date.now();
    for (const spec of options.torrents ?? []) {
      const t = new SimTorrent(spec, this.rand, now);
      this.torrents.set(t.infoHash, t);
    }
  }

  client(): TesseraClient {
    return createClient(this);
  }

  infoHashOf(name: string): string {
    return hexHash(name);
  }

  listen(onEvent: (raw: unknown) => void, onStatus: (status: 'connecting' | 'open' | 'closed') => void): void {
    this.onEvent = onEvent;
    onStatus('connecting');
    setTimeout(() => onStatus('open'), 0);
    this.last = performance.now();
    const tickMs = this.options.tickMs ?? 10;
    this.timers.push(setInterval(() => this.tick(), tickMs));
    const deltaMs = 1000 / (this.options.deltaHz ?? 4);
    this.timers.push(setInterval(() => this.flushDeltas(), deltaMs));
    const summaryMs = 1000 / (this.options.summaryHz ?? 4);
    this.timers.push(setInterval(() => this.flushSummaries(), summaryMs));
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private send(e: ServerEvent): void {
    this.sent[e.type] = (this.sent[e.type] ?? 0) + 1;
    this.onEvent(this.options.wire ? JSON.parse(JSON.stringify(e)) : e);
  }

  private tick(): void {
    const now = performance.now();
    const dt = Math.min(250, now - this.last);
    this.last = now;
    for (const t of this.torrents.values()) {
      const before = t.state;
      if (t.tick(dt, now)) this.summariesDirty = true;
      if (before === 'downloading' && t.state === 'seeding') this.send({ type: 'completed', infoHash: t.infoHash, name: t.spec.name });
    }
  }

  private flushDeltas(): void {
    for (const t of this.torrents.values()) {
      if (!t.watched) continue;
      const e = t.deltaEvent();
      if (e) this.send(e);
    }
  }

  private flushSummaries(): void {
    if (!this.subscribed || !this.summariesDirty) return;
    this.summariesDirty = false;
    this.send({ type: 'summaries', torrents: this.list(), session: this.session() });
  }

  private list(): TorrentSummary[] {
    return [...this.torrents.values()].map((t) => t.summary());
  }

  private session() {
    let downloadRate = 0, uploadRate = 0, peers = 0;
    for (const t of this.torrents.values()) {
      const s = t.summary();
      downloadRate += s.downloadRate;
      uploadRate += s.uploadRate;
      peers += s.peers;
    }
    return { downloadRate, uploadRate, peers, listenPort: 6881, downloadLimit: this.settings.downloadLimit, uploadLimit: this.settings.uploadLimit };
  }

  private add(spec: SimTorrentSpec): Reply {
    const probe = hexHash(spec.name);
    const existing = this.torrents.get(probe);
    if (existing) return { ok: true, result: { infoHash: probe, name: existing.spec.name, duplicate: true } };
    const t = new SimTorrent(spec, this.rand, Date.now());
    this.torrents.set(t.infoHash, t);
    if (this.subscribed) this.send({ type: 'torrentAdded', torrent: t.summary() });
    return { ok: true, result: { infoHash: t.infoHash, name: spec.name, duplicate: false } };
  }

  async invoke(command: CommandName, payload: unknown): Promise<unknown> {
    await Promise.resolve();
    const p = (payload ?? {}) as Record<string, unknown>;
    const hash = typeof p.infoHash === 'string' ? p.infoHash : '';
    const t = this.torrents.get(hash);
    const notFound: Reply = { ok: false, error: { code: 'not-found', message: 'No such torrent' } };
    switch (command) {
      case 'subscribe':
        this.subscribed = true;
        setTimeout(() => this.send({
          type: 'snapshot',
          torrents: this.list(),
          session: this.session(),
          settings: this.settings,
          capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false },
          offers: [],
        }), 0);
        return { ok: true, result: null };
      case 'addTorrentFile': {
        const bytes = base64ToBytes(String(p.data ?? ''));
        const fileName = String(p.fileName ?? 'torrent');
        if (bytes[0] !== 0x64) return { ok: false, error: { code: 'invalid-torrent', message: `${fileName} is not a valid .torrent file (not bencoded)` } };
        return this.add({ name: fileName.replace(/\.torrent$/i, ''), pieceCount: 800 + bytes.length, blocksPerSecond: 900, peers: 9 });
      }
      case 'addMagnet': {
        const uri = String(p.uri ?? '');
        const m = /xt=urn:btih:([0-9a-f]{40}|[a-z2-7]{32})/i.exec(uri);
        if (!m) return { ok: false, error: { code: 'invalid-torrent', message: 'Invalid magnet link: no BitTorrent info-hash (xt=urn:btih:…)' } };
        const dn = /[?&]dn=([^&]*)/.exec(uri)?.[1];
        return this.add({ name: dn ? decodeURIComponent(dn.replace(/\+/g, ' ')) : (m[1] ?? '').toLowerCase(), pieceCount: 1200, blocksPerSecond: 700, peers: 6 });
      }
      case 'pause':
        if (!t) return notFound;
        if (t.state !== 'seeding' || t.verified === t.pieceCount) t.state = 'paused';
        this.summariesDirty = true;
        return { ok: true, result: null };
      case 'resume':
        if (!t) return notFound;
        t.state = t.verified === t.pieceCount ? 'seeding' : 'downloading';
        t.error = null;
        this.summariesDirty = true;
        return { ok: true, result: null };
      case 'remove':
        if (!t) return notFound;
        this.torrents.delete(hash);
        this.send({ type: 'torrentRemoved', infoHash: hash });
        return { ok: true, result: null };
      case 'setFilePriorities':
        if (!t) return notFound;
        for (const c of (p.priorities as Array<{ index: number; priority: FilePriority }>) ?? []) t.priorities[c.index] = c.priority;
        if (typeof p.runs === 'string') forEachFilePriorityRun(p.runs, (first, count, priority) => t.priorities.fill(priority, first, first + count));
        return { ok: true, result: null };
      case 'setSequential':
        if (!t) return notFound;
        t.sequential = p.sequential === true;
        this.summariesDirty = true;
        return { ok: true, result: null };
      case 'setTorrentLimits':
        if (!t) return notFound;
        t.limits = { download: Number(p.download) || 0, upload: Number(p.upload) || 0 };
        this.summariesDirty = true;
        return { ok: true, result: null };
      case 'setFirstLastPiecesFirst':
        if (!t) return notFound;
        t.firstLastPiecesFirst = p.firstLastPiecesFirst === true;
        this.summariesDirty = true;
        return { ok: true, result: null };
      case 'watchPieces':
        if (!t) return notFound;
        t.watched = true;
        setTimeout(() => this.send(t.snapshotEvent()), 0);
        return { ok: true, result: null };
      case 'unwatchPieces':
        if (t) t.watched = false;
        return { ok: true, result: null };
      case 'getInfo':
        if (!t) return notFound;
        return {
          ok: true,
          result: {
            infoHash: t.infoHash, name: t.spec.name, size: t.size, pieceLength: t.pieceLength, pieceCount: t.pieceCount,
            lastPieceLength: t.size - (t.pieceCount - 1) * t.pieceLength, comment: t.spec.comment ?? null,
            createdBy: t.spec.createdBy ?? null, creationDate: Math.floor(t.addedAt / 1000) - 86400, private: false,
            hasMetadata: t.state !== 'metadata', savePath: '/home/user/Downloads',
          },
        };
      case 'getPeers':
        return t ? { ok: true, result: t.peers() } : notFound;
      case 'getFiles':
        return t ? { ok: true, result: t.files() } : notFound;
      case 'getTrackers':
        return t ? { ok: true, result: t.trackers() } : notFound;
      // The simulator keeps one tracker a tier: edits change the spec's list.
      case 'addTrackers':
        if (!t) return notFound;
        t.spec.trackers = [...new Set([...(t.spec.trackers ?? []), ...(p.tiers as string[][]).flat()])];
        return { ok: true, result: null };
      case 'editTracker':
        if (!t) return notFound;
        t.spec.trackers = (t.spec.trackers ?? []).map((u) => (u === p.url ? String(p.newUrl) : u));
        return { ok: true, result: null };
      case 'removeTrackers':
        if (!t) return notFound;
        t.spec.trackers = (t.spec.trackers ?? []).filter((u) => !(p.urls as string[]).includes(u));
        return { ok: true, result: null };
      case 'reannounce':
        return { ok: true, result: null };
      case 'getHealth':
        return t ? { ok: true, result: t.health() } : notFound;
      case 'getInFlight': {
        if (!t) return notFound;
        const now = Date.now();
        const pieces = t.inflight.slice(0, 64).map((index) => {
          const got = t.blocks[index] ?? 0;
          const blocks = 'R'.repeat(got) + 'r'.repeat(Math.min(4, t.blocksPerPiece - got)) + '.'.repeat(Math.max(0, t.blocksPerPiece - got - 4));
          const peer = t.pieceSources.sources[index % t.pieceSources.sources.length]!.label;
          const slow = index % 17 === 0;
          return { index, blocks, from: got > 0 ? [{ peer, blocks: got }] : [], waitingOn: [{ peer, blocks: Math.min(4, t.blocksPerPiece - got) }], oldestRequest: now - (slow ? 14_000 : 800), slow, state: 'downloading' as const };
        });
        return { ok: true, result: packInFlight({ now, total: t.inflight.length, pieces }) };
      }
      case 'getPeerPieces':
        return t ? { ok: true, result: simPeerPieces(t.peers(), t.states, payload as PeerPiecesQuery) } : notFound;
      case 'getPieceSources': {
        const q = payload as { from: number; sourcesFrom: number; generation?: number; limit?: number };
        return t ? { ok: true, result: t.pieceSources.query(q.from, q.sourcesFrom, q.generation, q.limit) } : notFound;
      }
      case 'openFolder':
        return { ok: true, result: { path: '/home/user/Downloads', opened: false } };
      case 'getSettings':
        return { ok: true, result: this.settings };
      case 'setSettings':
        this.settings = { ...this.settings, ...(p as Partial<Settings>) };
        this.summariesDirty = true;
        this.send({ type: 'settings', settings: this.settings });
        return { ok: true, result: this.settings };
      case 'chooseDownloadDir':
        return { ok: false, error: { code: 'unsupported', message: 'The web UI cannot open folder dialogs' } };
    }
  }
}

/** The demo's torrents: a realistic mix of states. */
export function demoTorrents(): SimTorrentSpec[] {
  return [
    {
      name: 'debian-13.2.0-amd64-DVD-1.iso', pieceCount: 3_020, pieceLength: 1_048_576, done: 0.41, blocksPerSecond: 1800, window: 48, peers: 37,
      files: ['debian-13.2.0-amd64-DVD-1.iso'], trackers: ['http://bttracker.debian.org:6969/announce'],
      comment: '"Debian CD from cdimage.debian.org"', createdBy: 'mktorrent 1.1', failRate: 0.01,
    },
    {
      name: 'Big Buck Bunny (2008) [1080p]', pieceCount: 1_400, pieceLength: 524_288, done: 1, peers: 8,
      files: ['Big Buck Bunny/bbb_sunflower_1080p_60fps_normal.mp4', 'Big Buck Bunny/poster.jpg', 'Big Buck Bunny/README.txt'],
      trackers: ['udp://tracker.opentrackr.org:1337/announce', 'udp://open.demonii.com:1337/announce', 'udp://tracker.example.invalid:80/announce'],
      createdBy: 'qBittorrent v4.6.2',
    },
    { name: 'archlinux-2026.11.01-x86_64.iso', pieceCount: 2_900, pieceLength: 524_288, done: 0.73, state: 'paused', peers: 0, createdBy: 'mktorrent 1.1' },
    { name: 'Sintel.2010.4k.mkv', pieceCount: 1, state: 'metadata', peers: 3 },
    {
      name: 'blender-4.3-linux-x64.tar.xz', pieceCount: 1_300, pieceLength: 262_144, done: 0.12, state: 'error', peers: 0,
      error: 'Disk full: no space left on device while writing piece 157',
    },
    {
      name: 'Wikipedia dump enwiki-20261101-pages-articles (100k pieces)', pieceCount: 100_000, pieceLength: 262_144, done: 0.18,
      blocksPerSecond: 6000, window: 300, peers: 64, files: ['enwiki-20261101-pages-articles-multistream.xml.bz2', 'enwiki-20261101-pages-articles-multistream-index.txt.bz2'],
      trackers: ['udp://tracker.opentrackr.org:1337/announce', 'http://tracker.example.org/announce'],
    },
  ];
}
