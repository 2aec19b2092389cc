/**
 * TesseraService: the one handler object behind both transports (Electron IPC and the web
 * host's WebSocket). It validates every incoming command against shared/contract, calls the
 * engine, and turns the engine's (possibly very fast) events into contract events at a
 * bounded rate: summary changes at most every `summaryIntervalMs` (summary-feed.ts), piece deltas
 * per watched torrent at most every `pieceIntervalMs` and availability at most every
 * `availabilityIntervalMs` (piece-watch.ts). Nothing thrown by the engine or sent by a
 * client escapes `handle`: every outcome is a Reply. docs/ARCHITECTURE.md shows where it sits.
 */
import {
  altSpeedOf,
  categoriesOf,
  isCommandName,
  watchFolderOf,
  MAX_NAME_CHARS,
  MAX_PENDING_OFFERS,
  MAX_PREVIEW_FILES,
  type AddOffer,
  type AddPreview,
  type AnswerAddOfferPayload,
  type Capabilities,
  type CommandPayload,
  type CommandResult,
  type MoveDestination,
  type Reply,
  type ServerEvent,
  type Settings,
  type SettingsPatch,
  type TorrentSummary,
} from '../../../shared/contract/index.js';
import { errorLine, firstLine } from '../../../shared/error-text.js';
import type { EngineSession, EngineTorrent, TorrentSource } from '../api.js';
import { AddOffers } from './add-offers.js';
import { FileChoices } from './file-choices.js';
import { AltSpeedScheduler } from './alt-speed-scheduler.js';
import { WatchFolder } from './watch-folder.js';
import { addToSession, magnetSource, type AddChoices } from './add-torrent.js';
import { categorySavePath, insideDownloadDir } from './categories.js';
import { Client, type WatchTiming } from './client.js';
import { findTorrent, runCommand, type CommandHost } from './commands.js';
import { CommandFailure, isTorrentInputError, toFailure } from './failure.js';
import { applySettingsPatch, pushPeerSources, pushSettingsToSession } from './settings-apply.js';
import { SummaryFeed } from './summary-feed.js';
import { TorrentWiring } from './torrent-wiring.js';
import { clipText, previewView, sessionSummary, torrentSummary } from './views.js';
import { CreationJob, type CreateFunction } from './torrent-creation.js';
import { createTorrent as engineCreateTorrent } from '../metainfo/index.js';
import { randomUUID } from 'node:crypto';

/** What the embedding process (Electron shell or web host) can do for the service. */
export interface ServicePlatform {
  capabilities: Capabilities;
  /** Open a folder in the OS file manager (Electron: shell.openPath). */
  openPath?(path: string): Promise<void>;
  /** Main-owned folder dialog; resolves null when cancelled. */
  chooseDirectory?(current: string): Promise<string | null>;
  /** Main-owned file or folder dialog for the creator's source; resolves null when cancelled. */
  chooseSourcePath?(kind: 'file' | 'folder'): Promise<string | null>;
  /**
   * A created torrent may seed from any folder (the desktop app: the user's own machine).
   * Without it (the web host) only from inside the download folder, the one place the web UI
   * may rename or delete files.
   */
  seedCreatedAnywhere?: boolean;
  /** A torrent completed (Electron: native notification). */
  onCompleted?(summary: TorrentSummary): void;
  /** A torrent failed (the desktop shell notifies, as it does on completion). */
  onFailed?(summary: TorrentSummary, message: string): void;
  /** The settings changed (the desktop shell applies start-on-login and the tray behaviour). */
  onSettings?(settings: Settings): void;
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
  /** Least time between two progress events of a creation job (default 250 ms). */
  creationProgressIntervalMs?: number;
  /** Makes a .torrent (default: the engine's createTorrent; tests pass their own). */
  createTorrent?: CreateFunction;
  log?(message: string): void;
}

/**
 * Creation jobs running at once across all connections: each hashes on up to 4 threads with a
 * few MiB of buffers, and 32 web tabs must not make that 128 threads.
 */
export const MAX_RUNNING_CREATIONS = 2;

/** One client: an Electron webContents or one WebSocket. */
export interface ServiceConnection {
  /** Handles one command. Never rejects; never throws. */
  handle(command: unknown, payload: unknown): Promise<Reply<unknown>>;
  /** Stops events to this connection. */
  close(): void;
}

/** Notices raised before any UI subscribed (e.g. a bad .torrent on the command line) wait, up to this many. */
const MAX_PENDING_NOTICES = 20;

export class TesseraService implements CommandHost {
  readonly session: EngineSession;
  private settings: Settings;
  private readonly platform: ServicePlatform;
  private readonly saveSettings: ((settings: Settings) => Promise<void> | void) | undefined;
  private readonly watchTiming: WatchTiming;
  private readonly log: (message: string) => void;
  private readonly clients = new Set<Client>();
  private readonly offers = new AddOffers();
  /** Magnets whose metadata arrived, waiting for the user's file choice. */
  private readonly fileChoices = new FileChoices();
  /** Settings changes run one at a time, each from the settings the previous one left (memory = disk). */
  private settingsTurn: Promise<unknown> = Promise.resolve();
  private readonly wiring: TorrentWiring;
  private readonly feed: SummaryFeed;
  private pendingNotices: ServerEvent[] = [];
  private readonly altSpeed: AltSpeedScheduler;
  private watcher: WatchFolder | null = null;
  private closed = false;
  private readonly creationProgressIntervalMs: number;
  private readonly createFunction: CreateFunction;

  private readonly onAdded = (infoHash: string): void => {
    const t = this.session.get(infoHash);
    if (!t || !this.wiring.attach(t)) return;
    const torrent = torrentSummary(t);
    this.feed.announced(torrent);
    this.broadcast({ type: 'torrentAdded', torrent });
    this.offerFileChoice(t);
  };

  private readonly onRemoved = (infoHash: string): void => {
    if (!this.wiring.detach(infoHash)) return;
    for (const c of this.clients) c.unwatch(infoHash);
    this.broadcast({ type: 'torrentRemoved', infoHash });
    const choice = this.fileChoices.closeFor(infoHash);
    if (choice !== undefined) this.broadcast({ type: 'addOfferClosed', id: choice });
  };

  constructor(options: ServiceOptions) {
    this.session = options.session;
    this.settings = { ...options.settings };
    this.platform = options.platform;
    this.saveSettings = options.saveSettings;
    this.watchTiming = { intervalMs: options.pieceIntervalMs ?? 250, availabilityIntervalMs: options.availabilityIntervalMs ?? 1000 };
    this.log = options.log ?? (() => undefined);
    this.creationProgressIntervalMs = options.creationProgressIntervalMs ?? 250;
    this.createFunction = options.createTorrent ?? engineCreateTorrent;
    this.wiring = new TorrentWiring({
      piecesChanged: (t) => this.forEachWatch(t.infoHash, (w) => w.touch()),
      pieceFailed: (t, index) => this.forEachWatch(t.infoHash, (w) => w.pieceFailed(index)),
      completed: (t) => this.completed(t),
      failed: (t, message) => {
        this.broadcast({ type: 'torrentError', infoHash: t.infoHash, message: firstLine(message) });
        try {
          this.platform.onFailed?.(torrentSummary(t), firstLine(message));
        } catch (err) {
          this.log(`onFailed hook failed: ${errorLine(err)}`);
        }
      },
      // The piece count changed: every watcher gets a fresh snapshot.
      metadataArrived: (t) => this.forEachWatch(t.infoHash, (w) => w.snapshot()),
      filesToChoose: (t) => this.offerFileChoice(t),
    });
    this.feed = new SummaryFeed({
      intervalMs: options.summaryIntervalMs ?? 250,
      collect: () => ({ torrents: this.session.list().map(torrentSummary), session: sessionSummary(this.session) }),
      publish: ({ torrents, session }) =>
        this.broadcast(session ? { type: 'summaryChanges', torrents, session } : { type: 'summaryChanges', torrents }),
      onSummaries: (torrents) => this.platform.onSummaries?.(torrents),
      afterTick: () => {
        for (const c of this.clients) for (const w of c.allWatches()) w.checkAvailability();
      },
      log: this.log,
    });
    // The stored settings reach the engine at startup (Electron shell and web host alike).
    try {
      pushSettingsToSession(this.session, this.settings, null);
    } catch (err) {
      this.log(`applying settings to the engine failed: ${errorLine(err)}`);
    }
    pushPeerSources(this.session, this.settings, null).catch((err: unknown) => this.log(`switching DHT, PEX, LSD or port mapping failed: ${errorLine(err)}`));
    this.session.on('added', this.onAdded);
    this.session.on('removed', this.onRemoved);
    for (const t of this.session.list()) {
      this.wiring.attach(t);
      this.offerFileChoice(t);
    }
    this.altSpeed = new AltSpeedScheduler({
      settings: () => this.settings,
      setActive: (active) => {
        this.setSettings({ altSpeed: { ...altSpeedOf(this.settings), active } }).catch((err: unknown) => this.log(`alternative speed schedule: ${errorLine(err)}`));
      },
    });
    this.altSpeed.start();
    this.applyWatchFolder();
  }

  /** (Re)starts the watch folder when its setting or the download folder changed. */
  private applyWatchFolder(): void {
    const wanted = watchFolderOf(this.settings);
    let folder: string | null = null;
    try {
      folder = wanted.enabled && !this.closed ? insideDownloadDir(this.settings.downloadDir, wanted.folder) : null;
    } catch (err) {
      this.log(`watch folder: ${errorLine(err)}`);
    }
    if (this.watcher?.folder === folder) return;
    void this.watcher?.stop();
    this.watcher = null;
    if (folder === null) return;
    this.watcher = new WatchFolder(folder, {
      add: async (bytes, fileName) => {
        await this.addTorrent({ kind: 'torrent', bytes }, fileName, false);
      },
      log: (m) => this.notice('error', m),
    });
    this.watcher.start();
  }

  /** Current settings (a copy). */
  getSettings(): Settings {
    return { ...this.settings };
  }

  /** Opens a connection; `send` receives its events once it subscribes (and piece events for what it watches). */
  connect(send: (event: ServerEvent) => void): ServiceConnection {
    const client = new Client(send, this.log);
    this.clients.add(client);
    return {
      handle: (command, payload) => this.handle(client, command, payload),
      close: () => this.disconnect(client),
    };
  }

  /** Shows a message in every connected UI (e.g. a .torrent from the OS that could not be added). */
  notice(level: 'info' | 'error', message: string): void {
    const event: ServerEvent = { type: 'notice', level, message: firstLine(message) };
    if (this.anySubscribed()) this.broadcast(event);
    else if (this.pendingNotices.length < MAX_PENDING_NOTICES) this.pendingNotices.push(event);
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
      const input: TorrentSource = source.kind === 'torrent' ? { kind: 'torrent', bytes: source.bytes } : magnetSource({ uri: source.uri });
      if (this.settings.confirmAdd) await this.openOffer(input, true);
      else await this.addTorrent(input, what, false);
    } catch (err) {
      this.notice('error', `Could not add ${what}: ${toFailure(err).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.altSpeed.stop();
    await this.watcher?.stop();
    this.watcher = null;
    for (const c of [...this.clients]) this.disconnect(c);
    this.session.off('added', this.onAdded);
    this.session.off('removed', this.onRemoved);
    this.wiring.detachAll();
  }

  // --- CommandHost: the commands that touch the service's own state -----------------------

  subscribe(client: Client): void {
    // Subscribers so far get what changed up to now; the newcomer's snapshot is that same
    // state (a client subscribing again gets the snapshot instead of the changes).
    client.subscribed = false;
    const current = this.feed.sync() ?? { torrents: this.session.list().map(torrentSummary), session: sessionSummary(this.session) };
    client.subscribed = true;
    client.send({
      type: 'snapshot',
      torrents: current.torrents,
      session: current.session,
      settings: this.getSettings(),
      capabilities: { ...this.platform.capabilities },
      // The contract carries at most MAX_PENDING_OFFERS; older file choices follow as they are answered.
      offers: [...this.offers.shellOffers(), ...this.fileChoices.offers()].slice(0, MAX_PENDING_OFFERS),
    });
    const notices = this.pendingNotices;
    this.pendingNotices = [];
    for (const n of notices) client.send(n);
    if (!this.closed) this.feed.start();
  }

  async addTorrent(source: TorrentSource, what: string, paused: boolean, choices: AddChoices = {}): Promise<CommandResult<'addMagnet'>> {
    const category = choices.category ?? null;
    this.checkCategory(category);
    const savePath =
      choices.saveFolder !== undefined
        ? insideDownloadDir(this.settings.downloadDir, choices.saveFolder)
        : category === null
          ? this.settings.downloadDir
          : categorySavePath(this.settings, category);
    const { torrent, duplicate } = await addToSession(this.session, source, { savePath, paused, what, log: this.log, choices });
    if (!this.wiring.has(torrent.infoHash)) this.onAdded(torrent.infoHash);
    return { infoHash: torrent.infoHash, name: clipText(torrent.stats().name, MAX_NAME_CHARS), duplicate };
  }

  async moveTarget(destination: MoveDestination, current: string): Promise<string | null> {
    if (destination.kind === 'inside') return insideDownloadDir(this.settings.downloadDir, destination.folder);
    if (!this.platform.chooseDirectory || !this.platform.capabilities.chooseDownloadDir) {
      throw new CommandFailure('unsupported', 'Choosing a folder is only possible in the desktop app; move into a folder inside the download folder instead');
    }
    return this.platform.chooseDirectory(current);
  }

  checkCategory(category: string | null): void {
    if (category !== null && !categoriesOf(this.settings).some((c) => c.name === category)) {
      throw new CommandFailure('not-found', `No category named ${JSON.stringify(category)} (add it in Settings first)`);
    }
  }

  offer(source: TorrentSource): Promise<AddOffer> {
    return this.openOffer(source, false);
  }

  async answerOffer(answer: AnswerAddOfferPayload): Promise<CommandResult<'answerAddOffer'>> {
    const chooser = this.fileChoices.take(answer.id);
    if (chooser !== undefined) return this.answerFileChoice(answer, chooser);
    const pending = this.offers.take(answer.id);
    if (!pending) throw new CommandFailure('not-found', 'This add request is no longer waiting (answered elsewhere, or too many were waiting)');
    if (pending.fromShell) this.broadcast({ type: 'addOfferClosed', id: answer.id });
    if (!answer.accept) return null;
    const what = pending.source.kind === 'magnet' ? 'magnet link' : (pending.offer.preview.name ?? 'torrent');
    const { category, saveFolder, filePriorities, sequential, firstLastPiecesFirst } = answer;
    const choices: AddChoices = {
      ...(category !== undefined ? { category } : {}),
      ...(saveFolder !== undefined ? { saveFolder } : {}),
      ...(filePriorities !== undefined ? { filePriorities } : {}),
      ...(sequential !== undefined ? { sequential } : {}),
      ...(firstLastPiecesFirst !== undefined ? { firstLastPiecesFirst } : {}),
      // Only a magnet has files still to learn; a duplicate keeps the torrent it already is.
      ...(answer.chooseFiles && pending.source.kind === 'magnet' && !pending.offer.preview.duplicate ? { chooseFilesFirst: true } : {}),
    };
    return this.addTorrent(pending.source, what, answer.paused ?? false, choices);
  }

  /**
   * The answer to a file choice: accept applies the priorities before storage exists (so a
   * skipped file is never created) and the download starts; decline removes the torrent,
   * which has nothing on disk yet — as qBittorrent's Cancel adds nothing.
   */
  private async answerFileChoice(answer: AnswerAddOfferPayload, infoHash: string): Promise<CommandResult<'answerAddOffer'>> {
    this.broadcast({ type: 'addOfferClosed', id: answer.id });
    const t = findTorrent(this.session, infoHash);
    if (!answer.accept) {
      await this.session.remove(infoHash, { deleteData: false });
      return null;
    }
    if (!t.chooseFiles) throw new CommandFailure('unsupported', 'This engine cannot choose files of a magnet');
    try {
      await t.chooseFiles(answer.filePriorities ?? []);
    } catch (err) {
      throw new CommandFailure('internal', errorLine(err));
    }
    return { infoHash, name: clipText(t.stats().name, MAX_NAME_CHARS), duplicate: false };
  }

  /** Shows every UI the file choice of a magnet that waits for one (once per torrent). */
  private offerFileChoice(t: EngineTorrent): void {
    const offer = this.fileChoices.open(t, t.stats().savePath);
    if (offer) this.broadcast({ type: 'addOffer', offer });
  }

  async openFolder(infoHash: string | undefined): Promise<CommandResult<'openFolder'>> {
    const path = infoHash !== undefined ? findTorrent(this.session, infoHash).stats().savePath : this.settings.downloadDir;
    if (!this.platform.openPath || !this.platform.capabilities.openFolder) return { path, opened: false };
    await this.platform.openPath(path);
    return { path, opened: true };
  }

  setSettings(patch: SettingsPatch): Promise<Settings> {
    return this.oneSettingsChangeAtATime(async () => {
      const previous = this.settings;
      const next = applySettingsPatch(previous, patch);
      await this.commitSettings(next);
      pushSettingsToSession(this.session, next, previous);
      // Replied once the switches are carried out, so the settings the UI gets back are in effect.
      await pushPeerSources(this.session, next, previous).catch((err: unknown) => this.log(`switching DHT, PEX, LSD or port mapping failed: ${errorLine(err)}`));
      return this.getSettings();
    });
  }

  async chooseDownloadDir(): Promise<CommandResult<'chooseDownloadDir'>> {
    if (!this.platform.chooseDirectory || !this.platform.capabilities.chooseDownloadDir) {
      throw new CommandFailure('unsupported', 'Choosing the download folder is only possible in the desktop app; start the web host with --download-dir');
    }
    const chosen = await this.platform.chooseDirectory(this.settings.downloadDir);
    if (chosen === null || chosen === this.settings.downloadDir) return { changed: false, settings: this.getSettings() };
    await this.oneSettingsChangeAtATime(() => this.commitSettings({ ...this.settings, downloadDir: chosen }));
    return { changed: true, settings: this.getSettings() };
  }

  watch(client: Client, t: EngineTorrent): void {
    client.watch(t, this.watchTiming);
  }

  createTorrent(client: Client, payload: CommandPayload<'createTorrent'>): CommandResult<'createTorrent'> {
    if (client.creation?.running) throw new CommandFailure('unsupported', 'A torrent is already being created here: wait for it or cancel it first');
    let running = 0;
    for (const c of this.clients) if (c.creation?.running) running++;
    if (running >= MAX_RUNNING_CREATIONS) {
      throw new CommandFailure('unsupported', `${running} torrents are being created already (in other windows); try again when one has finished`);
    }
    const job = new CreationJob({
      id: randomUUID(),
      payload,
      create: this.createFunction,
      send: (event) => client.send(event),
      seed: (bytes, savePath) => this.seedCreated(bytes, savePath),
      seedRoot: this.platform.seedCreatedAnywhere === true ? null : this.settings.downloadDir,
      progressIntervalMs: this.creationProgressIntervalMs,
      log: this.log,
    });
    client.creation = job;
    return { id: job.id };
  }

  async chooseCreateSource(kind: 'file' | 'folder'): Promise<CommandResult<'chooseCreateSource'>> {
    if (!this.platform.chooseSourcePath || !this.platform.capabilities.chooseDownloadDir) {
      throw new CommandFailure('unsupported', 'Choosing a file is only possible in the desktop app; type the path on the server instead');
    }
    return { path: await this.platform.chooseSourcePath(kind) };
  }

  /** Adds a torrent just created, its data where it was made from: it checks the data and seeds. */
  private async seedCreated(bytes: Uint8Array, savePath: string): Promise<CommandResult<'addTorrentFile'>> {
    const { torrent, duplicate } = await addToSession(this.session, { kind: 'torrent', bytes }, { savePath, paused: false, what: 'created torrent', log: this.log });
    if (!this.wiring.has(torrent.infoHash)) this.onAdded(torrent.infoHash);
    return { infoHash: torrent.infoHash, name: clipText(torrent.stats().name, MAX_NAME_CHARS), duplicate };
  }

  // --- internals ---------------------------------------------------------------------------

  private async handle(client: Client, command: unknown, payload: unknown): Promise<Reply<unknown>> {
    try {
      if (client.closed) throw new CommandFailure('disconnected', 'connection closed');
      if (!isCommandName(command)) throw new CommandFailure('invalid-payload', `unknown command ${JSON.stringify(command)?.slice(0, 80)}`);
      return { ok: true, result: await runCommand(this, client, command, payload) };
    } catch (err) {
      const failure = toFailure(err);
      if (failure.code === 'internal') this.log(`command ${String(command)} failed: ${failure.message}`);
      return { ok: false, error: { code: failure.code, message: failure.message } };
    }
  }

  /** Parses `source` into a kept offer; a shell offer is shown by every UI. Throws CommandFailure('invalid-torrent') for bad input. */
  private async openOffer(source: TorrentSource, fromShell: boolean): Promise<AddOffer> {
    let facts;
    try {
      facts = await this.session.inspect(source, MAX_PREVIEW_FILES);
    } catch (err) {
      if (isTorrentInputError(err)) throw new CommandFailure('invalid-torrent', errorLine(err));
      throw err;
    }
    const preview: AddPreview = previewView(source.kind, facts, this.settings.downloadDir, this.session.get(facts.infoHash) !== undefined);
    const { offer, dropped, reused } = this.offers.open(source, preview, fromShell);
    for (const d of dropped) if (d.fromShell) this.broadcast({ type: 'addOfferClosed', id: d.offer.id });
    if (fromShell && !reused) this.broadcast({ type: 'addOffer', offer: offer.offer });
    return offer.offer;
  }

  private oneSettingsChangeAtATime<T>(change: () => Promise<T>): Promise<T> {
    const run = this.settingsTurn.then(change);
    this.settingsTurn = run.catch(() => undefined);
    return run;
  }

  private async commitSettings(next: Settings): Promise<void> {
    if (this.saveSettings) await this.saveSettings({ ...next });
    this.settings = next;
    this.applyWatchFolder();
    this.broadcast({ type: 'settings', settings: this.getSettings() });
    try {
      this.platform.onSettings?.(this.getSettings());
    } catch (err) {
      this.log(`onSettings hook failed: ${errorLine(err)}`);
    }
  }

  private completed(t: EngineTorrent): void {
    const summary = torrentSummary(t);
    this.broadcast({ type: 'completed', infoHash: t.infoHash, name: summary.name });
    try {
      this.platform.onCompleted?.(summary);
    } catch (err) {
      this.log(`onCompleted hook failed: ${errorLine(err)}`);
    }
    this.forEachWatch(t.infoHash, (w) => w.touch());
  }

  private forEachWatch(infoHash: string, act: (w: NonNullable<ReturnType<Client['watching']>>) => void): void {
    for (const c of this.clients) {
      const w = c.watching(infoHash);
      if (w) act(w);
    }
  }

  private anySubscribed(): boolean {
    for (const c of this.clients) if (c.subscribed) return true;
    return false;
  }

  private broadcast(event: ServerEvent): void {
    for (const c of this.clients) if (c.subscribed) c.send(event);
  }

  private disconnect(client: Client): void {
    if (client.closed) return;
    client.close();
    this.clients.delete(client);
    if (!this.anySubscribed()) this.feed.stop();
  }
}
