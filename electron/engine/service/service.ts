/**
 * TesseraService: the one handler object behind both transports (Electron IPC and the web
 * host's WebSocket). It validates every incoming command against shared/contract, calls the
 * engine, and turns the engine's (possibly very fast) events into contract events at a
 * bounded rate: summaries at most every `summaryIntervalMs`, piece deltas per watched
 * torrent at most every `pieceIntervalMs`, availability at most every
 * `availabilityIntervalMs`. Nothing thrown by the engine or sent by a client escapes
 * `handle`: every outcome is a Reply.
 */
import {
  MAX_RATE_LIMIT,
  PieceState,
  ValidationError,
  base64ToBytes,
  bytesToBase64,
  isCommandName,
  parseCommandPayload,
  MAX_PREVIEW_FILES,
  type AddPreview,
  type Capabilities,
  type CommandName,
  type CommandPayload,
  type CommandResult,
  type ErrorCode,
  type FileView,
  type PeerView,
  type PieceChange,
  type PieceStateCode,
  type Reply,
  type ServerEvent,
  type SessionSummary,
  type Settings,
  type TorrentInfoView,
  type TorrentSummary,
  type TrackerView,
} from '../../../shared/contract/index.js';
import { TorrentInputError, type EngineSession, type EngineTorrent, type TorrentEvents, type TorrentSource } from '../api.js';
import { AddOffers, type PendingOffer } from './add-offers.js';

/** What the embedding process (Electron shell or web host) can do for the service. */
export interface ServicePlatform {
  capabilities: Capabilities;
  /** Open a folder in the OS file manager (Electron: shell.openPath). */
  openPath?(path: string): Promise<void>;
  /** Main-owned folder dialog; resolves null when cancelled. */
  chooseDirectory?(current: string): Promise<string | null>;
  /** A torrent completed (Electron: native notification). */
  onCompleted?(summary: TorrentSummary): void;
  /** Summaries were recomputed (Electron: taskbar progress). */
  onSummaries?(torrents: readonly TorrentSummary[]): void;
}

export interface ServiceOptions {
  session: EngineSession;
  settings: Settings;
  /** Persist settings (called after every successful change). */
  saveSettings?(settings: Settings): Promise<void> | void;
  platform: ServicePlatform;
  summaryIntervalMs?: number;
  pieceIntervalMs?: number;
  availabilityIntervalMs?: number;
  log?(message: string): void;
}

/** One client: an Electron webContents or one WebSocket. */
export interface ServiceConnection {
  /** Handles one command. Never rejects; never throws. */
  handle(command: unknown, payload: unknown): Promise<Reply<unknown>>;
  /** Stops events to this connection. */
  close(): void;
}

class CommandFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Per-connection, per-torrent piece watch. */
interface Watch {
  infoHash: string;
  seq: number;
  /** Last state sent for each piece. */
  known: Uint8Array;
  /** Last fraction sent (quantized to 1/1000) for each piece. */
  knownFraction: Uint16Array;
  /** Pieces that failed their hash since the last flush. */
  failed: Set<number>;
  dirty: boolean;
  lastFlush: number;
  timer: ReturnType<typeof setTimeout> | null;
  lastAvailability: Uint8Array;
  lastAvailabilityCheck: number;
}

interface Conn {
  send: (event: ServerEvent) => void;
  subscribed: boolean;
  closed: boolean;
  watches: Map<string, Watch>;
}

interface Attached {
  torrent: EngineTorrent;
  listeners: { [K in keyof TorrentEvents]: TorrentEvents[K] };
}

const FRACTION_SCALE = 1000;

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 500 ? line.slice(0, 497) + '…' : line;
}

function errorMessage(err: unknown): string {
  return firstLine(err instanceof Error ? err.message : String(err));
}

function clampByte(n: number): number {
  return n > 255 ? 255 : n < 0 ? 0 : n;
}

export class TesseraService {
  private readonly session: EngineSession;
  private settings: Settings;
  private readonly platform: ServicePlatform;
  private readonly saveSettings: ((settings: Settings) => Promise<void> | void) | undefined;
  private readonly summaryIntervalMs: number;
  private readonly pieceIntervalMs: number;
  private readonly availabilityIntervalMs: number;
  private readonly log: (message: string) => void;

  private readonly conns = new Set<Conn>();
  private readonly offers = new AddOffers();
  private readonly attached = new Map<string, Attached>();
  private summaryTimer: ReturnType<typeof setInterval> | null = null;
  private lastSummariesJson = '';
  private pendingNotices: ServerEvent[] = [];
  private closed = false;
  private readonly onAdded = (infoHash: string): void => {
    const t = this.session.get(infoHash);
    if (!t) return;
    const isNew = !this.attached.has(infoHash);
    this.attach(t);
    if (isNew) this.broadcast({ type: 'torrentAdded', torrent: this.summarize(t) });
  };

  private readonly onRemoved = (infoHash: string): void => {
    if (!this.attached.has(infoHash)) return;
    this.detach(infoHash);
    for (const c of this.conns) this.dropWatch(c, infoHash);
    this.broadcast({ type: 'torrentRemoved', infoHash });
  };

  constructor(options: ServiceOptions) {
    this.session = options.session;
    this.settings = { ...options.settings };
    this.platform = options.platform;
    this.saveSettings = options.saveSettings;
    this.summaryIntervalMs = options.summaryIntervalMs ?? 250;
    this.pieceIntervalMs = options.pieceIntervalMs ?? 250;
    this.availabilityIntervalMs = options.availabilityIntervalMs ?? 1000;
    this.log = options.log ?? (() => undefined);
    // The stored settings reach the engine at startup (Electron shell and web host alike).
    try {
      this.applyToSession(this.settings, null);
    } catch (err) {
      this.log(`applying settings to the engine failed: ${errorMessage(err)}`);
    }
    this.session.on('added', this.onAdded);
    this.session.on('removed', this.onRemoved);
    for (const t of this.session.list()) this.attach(t);
  }

  /** Current settings (a copy). */
  getSettings(): Settings {
    return { ...this.settings };
  }

  /** Opens a connection; `send` receives its events once it subscribes (and piece events for what it watches). */
  connect(send: (event: ServerEvent) => void): ServiceConnection {
    const conn: Conn = { send, subscribed: false, closed: false, watches: new Map() };
    this.conns.add(conn);
    return {
      handle: (command, payload) => this.handle(conn, command, payload),
      close: () => this.disconnect(conn),
    };
  }

  /** Shows a message in every connected UI (e.g. a .torrent from the OS that could not be added). */
  notice(level: 'info' | 'error', message: string): void {
    const event: ServerEvent = { type: 'notice', level, message: firstLine(message) };
    if ([...this.conns].some((c) => c.subscribed)) this.broadcast(event);
    else if (this.pendingNotices.length < 20) this.pendingNotices.push(event); // e.g. argv at startup, before the window subscribed
  }

  /**
   * A torrent from the shell (file opened from the OS, magnet link followed — possibly on a web
   * page): with `confirmAdd` on it becomes an offer every UI shows (the add dialog) and nothing
   * is added until the user accepts; otherwise it is added as the addTorrentFile/addMagnet
   * commands would. Failures become a `notice`.
   */
  async addFromShell(source: { kind: 'torrent'; bytes: Uint8Array; fileName: string } | { kind: 'magnet'; uri: string }): Promise<void> {
    const what = source.kind === 'torrent' ? source.fileName : 'magnet link';
    try {
      const input: TorrentSource = source.kind === 'torrent' ? { kind: 'torrent', bytes: source.bytes } : this.magnetSource({ uri: source.uri });
      if (this.settings.confirmAdd) this.openOffer(input, true);
      else await this.addSource(input, what, false);
    } catch (err) {
      this.notice('error', `Could not add ${what}: ${this.toFailure(err).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.conns]) this.disconnect(c);
    this.session.off('added', this.onAdded);
    this.session.off('removed', this.onRemoved);
    for (const hash of [...this.attached.keys()]) this.detach(hash);
  }

  // -------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------

  private async handle(conn: Conn, command: unknown, payload: unknown): Promise<Reply<unknown>> {
    try {
      if (conn.closed) throw new CommandFailure('disconnected', 'connection closed');
      if (!isCommandName(command)) throw new CommandFailure('invalid-payload', `unknown command ${JSON.stringify(command)?.slice(0, 80)}`);
      const result = await this.dispatch(conn, command, payload);
      return { ok: true, result };
    } catch (err) {
      const failure = this.toFailure(err);
      if (failure.code === 'internal') this.log(`command ${String(command)} failed: ${failure.message}`);
      return { ok: false, error: { code: failure.code, message: failure.message } };
    }
  }

  private toFailure(err: unknown): CommandFailure {
    if (err instanceof CommandFailure) return err;
    if (err instanceof ValidationError) return new CommandFailure('invalid-payload', err.message);
    return new CommandFailure('internal', errorMessage(err));
  }

  private dispatch(conn: Conn, command: CommandName, raw: unknown): Promise<unknown> | unknown {
    switch (command) {
      case 'subscribe':
        parseCommandPayload(command, raw);
        return this.subscribe(conn);
      case 'addTorrentFile':
        return this.addTorrentFile(parseCommandPayload(command, raw));
      case 'addMagnet':
        return this.addMagnet(parseCommandPayload(command, raw));
      case 'offerTorrentFile':
        return this.openOffer(this.torrentFileSource(parseCommandPayload(command, raw)), false).offer;
      case 'offerMagnet':
        return this.openOffer(this.magnetSource(parseCommandPayload(command, raw)), false).offer;
      case 'answerAddOffer':
        return this.answerOffer(parseCommandPayload(command, raw));
      case 'pause':
      case 'resume': {
        const t = this.torrent(parseCommandPayload(command, raw).infoHash);
        return (command === 'pause' ? t.pause() : t.resume()).then(() => null);
      }
      case 'remove': {
        const p = parseCommandPayload(command, raw);
        this.torrent(p.infoHash);
        return this.session.remove(p.infoHash, { deleteData: p.deleteData }).then(() => null);
      }
      case 'setFilePriorities':
        return this.setFilePriorities(parseCommandPayload(command, raw));
      case 'setSequential': {
        const p = parseCommandPayload(command, raw);
        this.torrent(p.infoHash).setSequential(p.sequential);
        return null;
      }
      case 'setTorrentLimits': {
        const p = parseCommandPayload(command, raw);
        const t = this.torrent(p.infoHash);
        if (!t.setRateLimits) throw new CommandFailure('unsupported', 'This engine has no per-torrent speed limits');
        t.setRateLimits({ download: p.download, upload: p.upload });
        return null;
      }
      case 'setFirstLastPiecesFirst': {
        const p = parseCommandPayload(command, raw);
        const t = this.torrent(p.infoHash);
        if (!t.setFirstLastPiecesFirst) throw new CommandFailure('unsupported', 'This engine cannot fetch first and last pieces first');
        t.setFirstLastPiecesFirst(p.firstLastPiecesFirst);
        return null;
      }
      case 'recheck': {
        const t = this.torrent(parseCommandPayload(command, raw).infoHash);
        if (!t.recheck) throw new CommandFailure('unsupported', 'This engine cannot re-check torrents');
        return t.recheck().then(() => null);
      }
      case 'openFolder':
        return this.openFolder(parseCommandPayload(command, raw));
      case 'getSettings':
        parseCommandPayload(command, raw);
        return this.getSettings();
      case 'setSettings':
        return this.setSettings(parseCommandPayload(command, raw));
      case 'chooseDownloadDir':
        parseCommandPayload(command, raw);
        return this.chooseDownloadDir();
      case 'watchPieces':
        return this.watch(conn, parseCommandPayload(command, raw).infoHash);
      case 'unwatchPieces':
        this.dropWatch(conn, parseCommandPayload(command, raw).infoHash);
        return null;
      case 'getInfo':
        return this.infoView(this.torrent(parseCommandPayload(command, raw).infoHash));
      case 'getPeers':
        return this.torrent(parseCommandPayload(command, raw).infoHash).peers().map(peerView);
      case 'getFiles':
        return this.torrent(parseCommandPayload(command, raw).infoHash).files().map(fileView);
      case 'getTrackers':
        return this.torrent(parseCommandPayload(command, raw).infoHash).trackers().map(trackerView);
    }
  }

  private torrent(infoHash: string): EngineTorrent {
    const t = this.session.get(infoHash);
    if (!t) throw new CommandFailure('not-found', `No torrent with info-hash ${infoHash}`);
    return t;
  }

  private subscribe(conn: Conn): null {
    conn.subscribed = true;
    this.sendTo(conn, {
      type: 'snapshot',
      torrents: this.session.list().map((t) => this.summarize(t)),
      session: this.sessionSummary(),
      settings: this.getSettings(),
      capabilities: { ...this.platform.capabilities },
      offers: this.offers.shellOffers(),
    });
    const notices = this.pendingNotices;
    this.pendingNotices = [];
    for (const n of notices) this.sendTo(conn, n);
    this.ensureSummaryTimer();
    return null;
  }

  /** The .torrent bytes of an addTorrentFile / offerTorrentFile payload. */
  private torrentFileSource(p: CommandPayload<'addTorrentFile'>): TorrentSource {
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(p.data);
    } catch (err) {
      throw new CommandFailure('invalid-payload', `addTorrentFile.data: ${errorMessage(err)}`);
    }
    if (bytes.length === 0) throw new CommandFailure('invalid-torrent', `${p.fileName || 'The file'} is empty`);
    return { kind: 'torrent', bytes };
  }

  /** The magnet of an addMagnet / offerMagnet payload. */
  private magnetSource(p: CommandPayload<'addMagnet'>): TorrentSource {
    const uri = p.uri.trim();
    if (!/^magnet:\?/i.test(uri)) throw new CommandFailure('invalid-torrent', 'Not a magnet link (it must start with "magnet:?")');
    return { kind: 'magnet', uri };
  }

  private addTorrentFile(p: CommandPayload<'addTorrentFile'>): Promise<CommandResult<'addTorrentFile'>> {
    return this.addSource(this.torrentFileSource(p), p.fileName, p.paused ?? false);
  }

  private addMagnet(p: CommandPayload<'addMagnet'>): Promise<CommandResult<'addMagnet'>> {
    return this.addSource(this.magnetSource(p), 'magnet link', p.paused ?? false);
  }

  // ---- add offers (the add dialog) ----

  /** Parses `source` into a kept offer. Throws CommandFailure('invalid-torrent') for bad input. */
  private openOffer(source: TorrentSource, fromShell: boolean): PendingOffer {
    let facts;
    try {
      facts = this.session.inspect(source, MAX_PREVIEW_FILES);
    } catch (err) {
      if (err instanceof TorrentInputError) throw new CommandFailure('invalid-torrent', errorMessage(err));
      throw err;
    }
    const preview: AddPreview = {
      source: source.kind,
      ...facts,
      saveDir: this.settings.downloadDir,
      duplicate: this.session.get(facts.infoHash) !== undefined,
    };
    const { offer, dropped, reused } = this.offers.open(source, preview, fromShell);
    for (const d of dropped) if (d.fromShell) this.broadcast({ type: 'addOfferClosed', id: d.offer.id });
    if (fromShell && !reused) this.broadcast({ type: 'addOffer', offer: offer.offer });
    return offer;
  }

  private async answerOffer(p: CommandPayload<'answerAddOffer'>): Promise<CommandResult<'answerAddOffer'>> {
    const pending = this.offers.take(p.id);
    if (!pending) throw new CommandFailure('not-found', 'This add request is no longer waiting (answered elsewhere, or too many were waiting)');
    if (pending.fromShell) this.broadcast({ type: 'addOfferClosed', id: p.id });
    if (!p.accept) return null;
    const what = pending.source.kind === 'magnet' ? 'magnet link' : (pending.offer.preview.name ?? 'torrent');
    return this.addSource(pending.source, what, p.paused ?? false);
  }

  private async addSource(
    source: { kind: 'torrent'; bytes: Uint8Array } | { kind: 'magnet'; uri: string },
    what: string,
    paused: boolean,
  ): Promise<CommandResult<'addMagnet'>> {
    const before = new Set(this.session.list().map((t) => t.infoHash));
    let t: EngineTorrent;
    try {
      t = await this.session.add(source, { savePath: this.settings.downloadDir, paused });
    } catch (err) {
      const message = errorMessage(err);
      const isInput = err instanceof TorrentInputError;
      if (!isInput) this.log(`adding ${what} failed: ${message}`);
      throw new CommandFailure(isInput ? 'invalid-torrent' : 'internal', message);
    }
    const duplicate = before.has(t.infoHash);
    if (!this.attached.has(t.infoHash)) this.onAdded(t.infoHash);
    return { infoHash: t.infoHash, name: t.stats().name, duplicate };
  }

  private setFilePriorities(p: CommandPayload<'setFilePriorities'>): null {
    const t = this.torrent(p.infoHash);
    const count = t.files().length;
    for (const { index } of p.priorities) {
      if (index >= count) throw new CommandFailure('invalid-payload', `setFilePriorities: file index ${index} out of range (torrent has ${count} files)`);
    }
    for (const { index, priority } of p.priorities) t.setFilePriority(index, priority);
    return null;
  }

  private async openFolder(p: CommandPayload<'openFolder'>): Promise<CommandResult<'openFolder'>> {
    const path = p.infoHash !== undefined ? this.torrent(p.infoHash).stats().savePath : this.settings.downloadDir;
    if (!this.platform.openPath || !this.platform.capabilities.openFolder) return { path, opened: false };
    await this.platform.openPath(path);
    return { path, opened: true };
  }

  /** Settings changes run one at a time, each from the settings the previous one left (memory = disk). */
  private settingsTurn: Promise<unknown> = Promise.resolve();
  private oneSettingsChangeAtATime<T>(change: () => Promise<T>): Promise<T> {
    const run = this.settingsTurn.then(change);
    this.settingsTurn = run.catch(() => undefined);
    return run;
  }

  private setSettings(patch: CommandPayload<'setSettings'>): Promise<Settings> {
    return this.oneSettingsChangeAtATime(() => this.applySettingsPatch(patch));
  }

  private async applySettingsPatch(patch: CommandPayload<'setSettings'>): Promise<Settings> {
    const next: Settings = { ...this.settings };
    if (patch.listenPort !== undefined) next.listenPort = patch.listenPort;
    if (patch.maxPeersPerTorrent !== undefined) next.maxPeersPerTorrent = patch.maxPeersPerTorrent;
    if (patch.notifyOnComplete !== undefined) next.notifyOnComplete = patch.notifyOnComplete;
    if (patch.downloadLimit !== undefined) next.downloadLimit = patch.downloadLimit;
    if (patch.uploadLimit !== undefined) next.uploadLimit = patch.uploadLimit;
    if (patch.encryption !== undefined) next.encryption = patch.encryption;
    if (patch.confirmAdd !== undefined) next.confirmAdd = patch.confirmAdd;
    const limitsChange = next.downloadLimit !== this.settings.downloadLimit || next.uploadLimit !== this.settings.uploadLimit;
    if (limitsChange && !this.session.setRateLimits) throw new CommandFailure('unsupported', 'This engine has no global speed limits');
    const previous = this.settings;
    await this.commitSettings(next);
    this.applyToSession(next, previous);
    return this.getSettings();
  }

  /**
   * Pushes the settings the engine can take while running: global rate limits, peers per
   * torrent, encryption (`previous` null = all of them, at startup). An engine without a
   * setter gets max peers and encryption when it is next created (from the saved settings).
   */
  private applyToSession(next: Settings, previous: Settings | null): void {
    const s = this.session;
    if (!previous || next.downloadLimit !== previous.downloadLimit || next.uploadLimit !== previous.uploadLimit) {
      s.setRateLimits?.({ download: next.downloadLimit, upload: next.uploadLimit });
    }
    if (!previous || next.maxPeersPerTorrent !== previous.maxPeersPerTorrent) s.setMaxPeersPerTorrent?.(next.maxPeersPerTorrent);
    if (!previous || next.encryption !== previous.encryption) s.setEncryption?.(next.encryption);
  }

  private async chooseDownloadDir(): Promise<CommandResult<'chooseDownloadDir'>> {
    if (!this.platform.chooseDirectory || !this.platform.capabilities.chooseDownloadDir) {
      throw new CommandFailure('unsupported', 'Choosing the download folder is only possible in the desktop app; start the web host with --download-dir');
    }
    const chosen = await this.platform.chooseDirectory(this.settings.downloadDir);
    if (chosen === null || chosen === this.settings.downloadDir) return { changed: false, settings: this.getSettings() };
    await this.oneSettingsChangeAtATime(() => this.commitSettings({ ...this.settings, downloadDir: chosen }));
    return { changed: true, settings: this.getSettings() };
  }

  private async commitSettings(next: Settings): Promise<void> {
    if (this.saveSettings) await this.saveSettings({ ...next });
    this.settings = next;
    this.broadcast({ type: 'settings', settings: this.getSettings() });
  }

  // -------------------------------------------------------------------------------------
  // View models
  // -------------------------------------------------------------------------------------

  private summarize(t: EngineTorrent): TorrentSummary {
    const s = t.stats();
    const info = t.info();
    const size = Math.max(0, Math.floor(s.size));
    const completed = Math.min(size, Math.max(0, Math.floor(s.completedBytes)));
    const remaining = size - completed;
    const rate = Math.max(0, s.downloadRate);
    const eta = remaining > 0 && rate > 0 && s.state === 'downloading' ? Math.ceil(remaining / rate) : null;
    return {
      infoHash: s.infoHash,
      name: s.name,
      state: s.state,
      error: s.error,
      size,
      completedBytes: completed,
      progress: size > 0 ? completed / size : s.state === 'seeding' ? 1 : 0,
      downloadRate: rate,
      uploadRate: Math.max(0, s.uploadRate),
      downloaded: Math.max(0, Math.floor(s.downloaded)),
      uploaded: Math.max(0, Math.floor(s.uploaded)),
      peers: s.peers,
      seeds: s.seeds,
      eta,
      pieceCount: s.pieceCount,
      pieceLength: s.pieceLength,
      verifiedPieces: s.verifiedPieces,
      hashFailures: s.hashFailures,
      addedAt: Math.floor(s.addedAt),
      completedAt: s.completedAt === null ? null : Math.floor(s.completedAt),
      sequential: s.sequential,
      firstLastPiecesFirst: s.firstLastPiecesFirst,
      ...limitsView(t.rateLimits?.()),
      savePath: s.savePath,
      hasMetadata: info.hasMetadata,
    };
  }

  private sessionSummary(): SessionSummary {
    let downloadRate = 0;
    let uploadRate = 0;
    let peers = 0;
    for (const t of this.session.list()) {
      const s = t.stats();
      downloadRate += Math.max(0, s.downloadRate);
      uploadRate += Math.max(0, s.uploadRate);
      peers += s.peers;
    }
    return { downloadRate, uploadRate, peers, listenPort: this.session.port, ...limitsView(this.session.rateLimits?.()) };
  }

  private infoView(t: EngineTorrent): TorrentInfoView {
    const i = t.info();
    return {
      infoHash: i.infoHash,
      name: i.name,
      size: i.size,
      pieceLength: i.pieceLength,
      pieceCount: i.pieceCount,
      lastPieceLength: i.lastPieceLength,
      comment: i.comment,
      createdBy: i.createdBy,
      creationDate: i.creationDate,
      private: i.private,
      hasMetadata: i.hasMetadata,
      savePath: t.stats().savePath,
    };
  }

  // -------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------

  private attach(t: EngineTorrent): void {
    if (this.attached.has(t.infoHash)) return;
    const infoHash = t.infoHash;
    const markDirty = (): void => {
      for (const c of this.conns) {
        const w = c.watches.get(infoHash);
        if (w) this.touch(c, w);
      }
    };
    const listeners: Attached['listeners'] = {
      block: () => markDirty(),
      piece: (index, ok) => {
        if (!ok) {
          for (const c of this.conns) c.watches.get(infoHash)?.failed.add(index);
        }
        markDirty();
      },
      state: () => undefined,
      done: () => {
        const summary = this.summarize(t);
        this.broadcast({ type: 'completed', infoHash, name: summary.name });
        try {
          this.platform.onCompleted?.(summary);
        } catch (err) {
          this.log(`onCompleted hook failed: ${errorMessage(err)}`);
        }
        markDirty();
      },
      error: (message) => this.broadcast({ type: 'torrentError', infoHash, message: firstLine(message) }),
      metadata: () => {
        // The piece count changed: every watcher gets a fresh snapshot.
        for (const c of this.conns) {
          if (c.watches.has(infoHash)) this.startWatch(c, t);
        }
      },
    };
    for (const key of Object.keys(listeners) as Array<keyof TorrentEvents>) {
      t.on(key, listeners[key] as never);
    }
    this.attached.set(infoHash, { torrent: t, listeners });
  }

  private detach(infoHash: string): void {
    const a = this.attached.get(infoHash);
    if (!a) return;
    for (const key of Object.keys(a.listeners) as Array<keyof TorrentEvents>) {
      a.torrent.off(key, a.listeners[key] as never);
    }
    this.attached.delete(infoHash);
  }

  private sendTo(conn: Conn, event: ServerEvent): void {
    if (conn.closed) return;
    try {
      conn.send(event);
    } catch (err) {
      this.log(`sending ${event.type} failed: ${errorMessage(err)}`);
    }
  }

  private broadcast(event: ServerEvent): void {
    for (const c of this.conns) if (c.subscribed) this.sendTo(c, event);
  }

  private disconnect(conn: Conn): void {
    if (conn.closed) return;
    for (const hash of [...conn.watches.keys()]) this.dropWatch(conn, hash);
    conn.closed = true;
    this.conns.delete(conn);
    if (![...this.conns].some((c) => c.subscribed)) this.stopSummaryTimer();
  }

  private ensureSummaryTimer(): void {
    if (this.summaryTimer || this.closed) return;
    this.lastSummariesJson = '';
    this.summaryTimer = setInterval(() => this.tick(), this.summaryIntervalMs);
    (this.summaryTimer as { unref?: () => void }).unref?.();
  }

  private stopSummaryTimer(): void {
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    this.summaryTimer = null;
  }

  /** Runs every summaryIntervalMs while someone is subscribed. */
  private tick(): void {
    let torrents: TorrentSummary[];
    let session: SessionSummary;
    try {
      torrents = this.session.list().map((t) => this.summarize(t));
      session = this.sessionSummary();
    } catch (err) {
      this.log(`summaries failed: ${errorMessage(err)}`);
      return;
    }
    try {
      this.platform.onSummaries?.(torrents);
    } catch (err) {
      this.log(`onSummaries hook failed: ${errorMessage(err)}`);
    }
    const json = JSON.stringify([torrents, session]);
    if (json !== this.lastSummariesJson) {
      this.lastSummariesJson = json;
      this.broadcast({ type: 'summaries', torrents, session });
    }
    // Availability changes without piece events (peers come and go): check it here.
    const now = Date.now();
    for (const c of this.conns) {
      for (const w of c.watches.values()) {
        if (now - w.lastAvailabilityCheck >= this.availabilityIntervalMs) this.touch(c, w);
      }
    }
  }

  private watch(conn: Conn, infoHash: string): null {
    const t = this.torrent(infoHash);
    this.startWatch(conn, t);
    return null;
  }

  /** (Re)starts a watch with a full snapshot. */
  private startWatch(conn: Conn, t: EngineTorrent): void {
    const old = conn.watches.get(t.infoHash);
    if (old?.timer) clearTimeout(old.timer);
    const states = t.pieceStatus();
    const n = states.length;
    const known = new Uint8Array(n);
    const knownFraction = new Uint16Array(n);
    const fractions = new Map<number, number>();
    for (const [index, received, total] of t.inFlight()) {
      if (index < n && total > 0) fractions.set(index, Math.min(1, Math.max(0, received / total)));
    }
    const inFlight: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const s = normalizeState(states[i]);
      known[i] = s;
      if (s === PieceState.InFlight) {
        const f = fractions.get(i) ?? 0;
        knownFraction[i] = Math.round(f * FRACTION_SCALE);
        inFlight.push([i, f]);
      } else if (s === PieceState.Verified) {
        knownFraction[i] = FRACTION_SCALE;
      }
    }
    const availability = this.availabilityBytes(t, n);
    const now = Date.now();
    const w: Watch = {
      infoHash: t.infoHash,
      seq: 0,
      known,
      knownFraction,
      failed: new Set(),
      dirty: false,
      lastFlush: now,
      timer: null,
      lastAvailability: availability,
      lastAvailabilityCheck: now,
    };
    conn.watches.set(t.infoHash, w);
    this.sendTo(conn, {
      type: 'piecesSnapshot',
      infoHash: t.infoHash,
      seq: 0,
      pieceCount: n,
      states: bytesToBase64(known),
      inFlight,
      availability: bytesToBase64(availability),
    });
  }

  private dropWatch(conn: Conn, infoHash: string): void {
    const w = conn.watches.get(infoHash);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    conn.watches.delete(infoHash);
  }

  private availabilityBytes(t: EngineTorrent, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const avail = t.availability();
    const m = Math.min(n, avail.length);
    for (let i = 0; i < m; i++) out[i] = clampByte(avail[i] ?? 0);
    return out;
  }

  /** Marks a watch dirty and schedules its flush no sooner than pieceIntervalMs after the last one. */
  private touch(conn: Conn, w: Watch): void {
    w.dirty = true;
    if (w.timer) return;
    const wait = Math.max(0, w.lastFlush + this.pieceIntervalMs - Date.now());
    w.timer = setTimeout(() => {
      w.timer = null;
      this.flush(conn, w);
    }, wait);
    (w.timer as { unref?: () => void }).unref?.();
  }

  private flush(conn: Conn, w: Watch): void {
    if (conn.closed || conn.watches.get(w.infoHash) !== w) return;
    const t = this.session.get(w.infoHash);
    if (!t) return;
    w.dirty = false;
    w.lastFlush = Date.now();
    let states: Uint8Array;
    try {
      states = t.pieceStatus();
    } catch (err) {
      this.log(`pieceStatus failed: ${errorMessage(err)}`);
      return;
    }
    const n = w.known.length;
    if (states.length !== n) {
      this.startWatch(conn, t);
      return;
    }
    const fractions = new Map<number, number>();
    for (const [index, received, total] of t.inFlight()) {
      if (index < n && total > 0) fractions.set(index, Math.min(1, Math.max(0, received / total)));
    }
    const changes: PieceChange[] = [];
    let again = false;
    for (const index of w.failed) {
      if (index >= n) continue;
      changes.push([index, PieceState.Failed, 0]);
      w.known[index] = PieceState.Failed;
      w.knownFraction[index] = 0;
      again = true; // send what it became in the next delta
    }
    const failedNow = w.failed;
    w.failed = new Set();
    for (let i = 0; i < n; i++) {
      if (failedNow.has(i)) continue;
      const s = normalizeState(states[i]);
      let q = 0;
      let f = 0;
      if (s === PieceState.InFlight) {
        f = fractions.get(i) ?? 0;
        q = Math.round(f * FRACTION_SCALE);
      } else if (s === PieceState.Verified) {
        f = 1;
        q = FRACTION_SCALE;
      }
      if (w.known[i] !== s || w.knownFraction[i] !== q) {
        w.known[i] = s;
        w.knownFraction[i] = q;
        changes.push([i, s, f]);
      }
    }
    let availability: string | undefined;
    if (w.lastFlush - w.lastAvailabilityCheck >= this.availabilityIntervalMs) {
      w.lastAvailabilityCheck = w.lastFlush;
      const next = this.availabilityBytes(t, n);
      if (!sameBytes(next, w.lastAvailability)) {
        w.lastAvailability = next;
        availability = bytesToBase64(next);
      }
    }
    if (changes.length > 0 || availability !== undefined) {
      w.seq += 1;
      const event: ServerEvent =
        availability === undefined
          ? { type: 'piecesDelta', infoHash: w.infoHash, seq: w.seq, changes }
          : { type: 'piecesDelta', infoHash: w.infoHash, seq: w.seq, changes, availability };
      this.sendTo(conn, event);
    }
    if (again || w.dirty) this.touch(conn, w);
  }
}

/** An engine's limits as the contract carries them (0 = unlimited, or when the engine has none). */
function limitsView(limits: { download: number; upload: number } | undefined): { downloadLimit: number; uploadLimit: number } {
  const clamp = (n: number | undefined): number =>
    typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(MAX_RATE_LIMIT, Math.floor(n)) : 0;
  return { downloadLimit: clamp(limits?.download), uploadLimit: clamp(limits?.upload) };
}

function normalizeState(value: number | undefined): PieceStateCode {
  return value === 1 || value === 2 || value === 3 ? value : 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function peerView(p: ReturnType<EngineTorrent['peers']>[number]): PeerView {
  return {
    id: p.id,
    address: p.address,
    client: p.client,
    incoming: p.incoming,
    flags: p.flags,
    downloadRate: Math.max(0, p.downloadRate),
    uploadRate: Math.max(0, p.uploadRate),
    downloaded: Math.max(0, Math.floor(p.downloaded)),
    uploaded: Math.max(0, Math.floor(p.uploaded)),
    progress: Math.min(1, Math.max(0, p.progress)),
  };
}

function fileView(f: ReturnType<EngineTorrent['files']>[number]): FileView {
  return {
    index: f.index,
    path: f.path,
    size: f.size,
    completedBytes: Math.min(f.size, f.completedBytes),
    progress: f.size > 0 ? Math.min(1, f.completedBytes / f.size) : 1,
    priority: f.priority,
    pad: f.pad,
  };
}

function trackerView(t: ReturnType<EngineTorrent['trackers']>[number]): TrackerView {
  // `nextAnnounce` is not in the engine's TrackerStats yet; read it when the engine provides it.
  const next = (t as { nextAnnounce?: unknown }).nextAnnounce;
  return {
    url: t.url,
    tier: t.tier,
    status: t.status,
    message: t.message,
    lastAnnounce: t.lastAnnounce === null ? null : Math.floor(t.lastAnnounce),
    nextAnnounce: typeof next === 'number' && Number.isFinite(next) && next >= 0 ? Math.floor(next) : null,
    peers: t.peers,
    seeders: t.seeders,
    leechers: t.leechers,
  };
}
