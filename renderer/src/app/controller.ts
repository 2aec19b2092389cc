/**
 * Glue between the TesseraClient (either transport) and the UI: feeds events into the store
 * and the piece registry, and wraps every command so a failure becomes a readable notice
 * instead of an exception.
 */
import {
  base64ToBytes,
  bytesToBase64,
  encodeFilePriorityChanges,
  type AnswerAddOfferPayload,
  type FilePriority,
  type QueueMove,
  TesseraError,
  type TesseraClient,
  type TesseraEvent,
  type TorrentCreationEvent,
  type TorrentSeedingLimits,
} from '../../../shared/contract/index.js';

/** The add dialog's choices beyond "paused". */
export type AddChoices = Pick<AnswerAddOfferPayload, 'category' | 'saveFolder' | 'filePriorities' | 'sequential' | 'firstLastPiecesFirst' | 'chooseFiles'>;
import { errorText } from '../../../shared/error-text.js';
import { PieceRegistry } from '../state/pieces.js';
import type { ListFilter } from '../state/filters.js';
import type { DetailsTab, SortKey } from '../state/reducer.js';
import { magnetLink } from '../util/magnetLink.js';
import { ClosedCreations } from './closedCreations.js';
import { saveBytes, torrentFileName } from '../util/saveFile.js';
import { dispatch, type AppStore } from '../state/store.js';
import { extractMagnets, magnetProblem, torrentBytesProblem, torrentFileProblem } from '../util/input.js';


export class Controller {
  readonly pieces = new PieceRegistry();
  private watching: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private expireTimer: ReturnType<typeof setInterval> | null = null;
  private readonly creationListeners = new Set<(event: TorrentCreationEvent) => void>();
  private readonly closedCreations = new ClosedCreations({ save: (bytes, fileName) => saveBytes(bytes, fileName), notify: (level, message) => this.notify(level, message) });

  constructor(
    readonly client: TesseraClient,
    readonly store: AppStore,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.client.subscribe((e) => this.onEvent(e));
    // Info notices fade after a few seconds; errors stay until dismissed.
    this.expireTimer = setInterval(() => dispatch(this.store, { type: 'ui/expire', before: Date.now() - 6000 }), 1000);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.expireTimer = null;
  }

  onEvent(e: TesseraEvent): void {
    switch (e.type) {
      case 'piecesSnapshot':
      case 'piecesDelta':
        if (e.infoHash !== this.watching) return; // a late event for a torrent we stopped watching
        if (this.pieces.apply(e, this.now()) === 'resync') void this.call(() => this.client.watchPieces({ infoHash: e.infoHash }), false);
        return;
      case 'torrentCreation':
        // Only the connection that started the job gets these: the Create torrent dialog.
        for (const l of [...this.creationListeners]) l(e);
        this.closedCreations.onEvent(e);
        return;
      case 'connection':
        if (e.status !== 'open') this.closedCreations.clear();
        break;
      case 'torrentRemoved':
        this.pieces.drop(e.infoHash);
        if (this.watching === e.infoHash) this.watching = null;
        break;
      default:
        break;
    }
    dispatch(this.store, e);
    // Selection may have been cleared by the event (torrent removed / gone from the list).
    this.syncWatch();
  }

  /** Follows the progress of "Create torrent" jobs started from this window; returns the unsubscribe. */
  onCreation(listener: (event: TorrentCreationEvent) => void): () => void {
    this.creationListeners.add(listener);
    return () => {
      this.creationListeners.delete(listener);
    };
  }

  /**
   * The Create torrent dialog closed while job `id` ran (it asked the engine to cancel): should
   * the job end with its .torrent made after all, that is offered for saving here.
   */
  followClosedCreation(id: string): void {
    this.closedCreations.follow(id);
  }

  // ---- UI actions ----

  select(infoHash: string | null): void {
    dispatch(this.store, { type: 'ui/select', infoHash });
    this.syncWatch();
  }

  /** Several rows at once (Ctrl/Shift+click, Ctrl+A); the details show `primary`. */
  selectMany(infoHashes: readonly string[], primary: string | null): void {
    dispatch(this.store, { type: 'ui/selectMany', infoHashes, primary });
    this.syncWatch();
  }

  setFilter(filter: Partial<ListFilter>): void {
    dispatch(this.store, { type: 'ui/filter', filter });
  }

  setTab(tab: DetailsTab): void {
    dispatch(this.store, { type: 'ui/tab', tab });
  }

  sortBy(key: SortKey): void {
    dispatch(this.store, { type: 'ui/sort', key });
  }

  notify(level: 'info' | 'error', message: string): void {
    dispatch(this.store, { type: 'ui/notice', level, message, at: Date.now() });
  }

  dismiss(id: number): void {
    dispatch(this.store, { type: 'ui/dismiss', id });
  }

  // ---- Commands ----

  /** Adds every magnet in `text`; returns true if at least one was sent. */
  async addMagnetText(text: string): Promise<boolean> {
    const magnets = extractMagnets(text);
    if (magnets.length === 0) {
      const shown = text.trim().slice(0, 80);
      this.notify('error', shown ? `Not a magnet link: "${shown}${text.trim().length > 80 ? '…' : ''}"` : 'Nothing to add: the text is empty.');
      return false;
    }
    let any = false;
    for (const uri of magnets) {
      const problem = magnetProblem(uri);
      if (problem) {
        this.notify('error', problem);
        continue;
      }
      if (this.confirming()) {
        const offer = await this.call(() => this.client.offerMagnet({ uri }));
        if (offer) {
          any = true;
          dispatch(this.store, { type: 'ui/offer', offer });
        }
        continue;
      }
      const r = await this.call(() => this.client.addMagnet({ uri }));
      if (r) {
        any = true;
        this.afterAdd(r.infoHash, r.name, r.duplicate);
      }
    }
    return any;
  }

  async addFiles(files: readonly File[]): Promise<void> {
    for (const file of files) {
      const problem = torrentFileProblem(file);
      if (problem) {
        this.notify('error', problem);
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await file.arrayBuffer());
      } catch (err) {
        this.notify('error', `Could not read ${file.name}: ${errorText(err)}`);
        continue;
      }
      const bad = torrentBytesProblem(file.name, bytes);
      if (bad) {
        this.notify('error', bad);
        continue;
      }
      const payload = { fileName: file.name, data: bytesToBase64(bytes) };
      if (this.confirming()) {
        const offer = await this.call(() => this.client.offerTorrentFile(payload));
        if (offer) dispatch(this.store, { type: 'ui/offer', offer });
        continue;
      }
      const r = await this.call(() => this.client.addTorrentFile(payload));
      if (r) this.afterAdd(r.infoHash, r.name, r.duplicate);
    }
  }

  /**
   * Answers the add dialog: accept adds the torrent (paused if asked), decline forgets it.
   * `dontAskAgain` turns the dialog off in Settings (qBittorrent's "Do not show again").
   */
  async answerOffer(id: string, answer: { accept: boolean; paused?: boolean; dontAskAgain?: boolean; choices?: AddChoices }): Promise<void> {
    dispatch(this.store, { type: 'ui/offerDone', id });
    if (answer.dontAskAgain) await this.call(() => this.client.setSettings({ confirmAdd: false }));
    const r = await this.call(() => this.client.answerAddOffer({ id, accept: answer.accept, paused: answer.paused ?? false, ...answer.choices }));
    if (r) this.afterAdd(r.infoHash, r.name, r.duplicate);
  }

  /** Adds go through the add dialog unless the user turned it off. */
  private confirming(): boolean {
    return this.store.getState().settings?.confirmAdd ?? true;
  }

  pause(infoHash: string): Promise<unknown> {
    return this.call(() => this.client.pause({ infoHash }));
  }

  resume(infoHash: string): Promise<unknown> {
    return this.call(() => this.client.resume({ infoHash }));
  }

  /** Hash the data on disk again ("Force recheck"). */
  recheck(infoHash: string): Promise<unknown> {
    return this.call(() => this.client.recheck({ infoHash }));
  }

  remove(infoHash: string, deleteData: boolean): Promise<unknown> {
    return this.call(() => this.client.remove({ infoHash, deleteData }));
  }

  /** The same command for each of several torrents (multi-select); resolves when all answered. */
  async forEach(infoHashes: readonly string[], command: 'pause' | 'resume' | 'recheck'): Promise<void> {
    await Promise.all(infoHashes.map((h) => this[command](h)));
  }

  async removeMany(infoHashes: readonly string[], deleteData: boolean): Promise<void> {
    await Promise.all(infoHashes.map((h) => this.remove(h, deleteData)));
  }

  /** Puts the torrent's magnet link (name and trackers included) on the clipboard. */
  async copyMagnet(infoHash: string): Promise<boolean> {
    const t = this.store.getState().torrents[infoHash];
    if (!t) return false;
    const trackers = await this.call(() => this.client.getTrackers({ infoHash }));
    const link = magnetLink(infoHash, t.name, (trackers ?? []).map((x) => x.url));
    try {
      await navigator.clipboard.writeText(link);
      this.notify('info', 'Magnet link copied');
      return true;
    } catch {
      this.notify('error', `Could not use the clipboard. The magnet link: ${link}`);
      return false;
    }
  }

  /** "Export .torrent": saves each torrent's .torrent as a download; resolves to how many were saved. */
  async exportTorrents(infoHashes: readonly string[], save: (bytes: Uint8Array, fileName: string) => void = saveBytes): Promise<number> {
    let saved = 0;
    for (const infoHash of infoHashes) {
      const file = await this.call(() => this.client.exportTorrent({ infoHash }));
      if (!file) continue;
      try {
        save(base64ToBytes(file.data), torrentFileName(file.name));
        saved++;
      } catch (err) {
        this.notify('error', `Could not save ${torrentFileName(file.name)}: ${errorText(err)}`);
      }
    }
    return saved;
  }

  /**
   * Resolves to true when the engine took the change. Sent as packed runs of file indexes
   * (file-priority-runs.ts): listed one by one, "all files" of a 750,000-file torrent was past
   * the web host's largest message.
   */
  setFilePriorities(infoHash: string, priorities: ReadonlyArray<{ index: number; priority: FilePriority }>): Promise<boolean> {
    if (priorities.length === 0) return Promise.resolve(true);
    return this.succeeds(() => this.client.setFilePriorities({ infoHash, runs: encodeFilePriorityChanges(priorities) }));
  }

  /** The per-torrent switches resolve to true when the engine took the change. */
  setSequential(infoHash: string, sequential: boolean): Promise<boolean> {
    return this.succeeds(() => this.client.setSequential({ infoHash, sequential }));
  }

  setFirstLastPiecesFirst(infoHash: string, firstLastPiecesFirst: boolean): Promise<boolean> {
    return this.succeeds(() => this.client.setFirstLastPiecesFirst({ infoHash, firstLastPiecesFirst }));
  }

  /** Limits in bytes per second, 0 = unlimited. */
  setTorrentLimits(infoHash: string, download: number, upload: number): Promise<boolean> {
    return this.succeeds(() => this.client.setTorrentLimits({ infoHash, download, upload }));
  }

  /** Queue order: move these torrents up, down, to the top or the bottom. */
  moveInQueue(infoHashes: string[], to: QueueMove): Promise<boolean> {
    return this.succeeds(() => this.client.moveInQueue({ infoHashes, to }));
  }

  setCategory(infoHashes: string[], category: string | null): Promise<boolean> {
    return this.succeeds(() => this.client.setCategory({ infoHashes, category }));
  }

  /** New tiers after the torrent's own (the Trackers tab's "Add trackers…"). */
  addTrackers(infoHash: string, tiers: string[][]): Promise<boolean> {
    return this.succeeds(() => this.client.addTrackers({ infoHash, tiers }));
  }

  editTracker(infoHash: string, url: string, newUrl: string): Promise<boolean> {
    return this.succeeds(() => this.client.editTracker({ infoHash, url, newUrl }));
  }

  removeTrackers(infoHash: string, urls: string[]): Promise<boolean> {
    return this.succeeds(() => this.client.removeTrackers({ infoHash, urls }));
  }

  /** "Force reannounce": running torrents ask their trackers and the DHT for peers now. */
  reannounce(infoHashes: string[]): Promise<boolean> {
    return this.succeeds(() => this.client.reannounce({ infoHashes }));
  }

  setSeedingLimits(infoHash: string, limits: TorrentSeedingLimits): Promise<boolean> {
    return this.succeeds(() => this.client.setTorrentSeedingLimits({ infoHash, ...limits }));
  }

  async openFolder(infoHash?: string): Promise<void> {
    const r = await this.call(() => this.client.openFolder(infoHash ? { infoHash } : {}));
    if (r && !r.opened) this.notify('info', `Saved in ${r.path}`);
  }

  /** Runs a command whose result is `null`; on failure shows the error. Resolves to whether it worked. */
  private async succeeds(fn: () => Promise<unknown>): Promise<boolean> {
    return (await this.call(async () => {
      await fn();
      return true;
    })) === true;
  }

  /** Runs a command; on failure shows the error (if `report`) and resolves to null. */
  async call<R>(fn: () => Promise<R>, report = true): Promise<R | null> {
    try {
      return await fn();
    } catch (err) {
      // Refused while disconnected: marked, so the notice goes once the connection is back.
      const offline = err instanceof TesseraError && err.code === 'disconnected' ? { offline: true as const } : {};
      if (report) dispatch(this.store, { type: 'ui/notice', level: 'error', message: errorText(err), at: Date.now(), ...offline });
      return null;
    }
  }

  private afterAdd(infoHash: string, name: string, duplicate: boolean): void {
    if (duplicate) this.notify('info', `${name || 'This torrent'} is already in the list.`);
    // Select the new torrent if nothing is selected, so its pieces show at once.
    if (this.store.getState().selected === null && infoHash in this.store.getState().torrents) this.select(infoHash);
    else if (this.store.getState().selected === null) this.pendingSelect = infoHash;
  }

  private pendingSelect: string | null = null;

  /** Keeps exactly the selected torrent watched. */
  private syncWatch(): void {
    const s = this.store.getState();
    if (s.selected === null && this.pendingSelect && this.pendingSelect in s.torrents) {
      const h = this.pendingSelect;
      this.pendingSelect = null;
      dispatch(this.store, { type: 'ui/select', infoHash: h });
    }
    const want = this.store.getState().selected;
    if (want === this.watching) return;
    const prev = this.watching;
    this.watching = want;
    if (prev) {
      this.pieces.drop(prev);
      void this.call(() => this.client.unwatchPieces({ infoHash: prev }), false);
    }
    if (want) void this.call(() => this.client.watchPieces({ infoHash: want }), false);
  }
}
