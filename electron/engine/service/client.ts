/**
 * One connected UI (an Electron webContents or one WebSocket): whether it subscribed, the
 * piece watches it holds, and a send that never throws into the engine's event handlers.
 */
import type { ServerEvent } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';
import type { EngineTorrent } from '../api.js';
import { PieceWatch, type PieceWatchOptions } from './piece-watch.js';
import type { CreationJob } from './torrent-creation.js';

export type WatchTiming = Omit<PieceWatchOptions, 'send' | 'log'>;

export class Client {
  subscribed = false;
  /** Its "Create torrent" job, running or the last one (one at a time per connection). */
  creation: CreationJob | null = null;
  private isClosed = false;
  private readonly watches = new Map<string, PieceWatch>();

  constructor(
    private readonly sink: (event: ServerEvent) => void,
    private readonly log: (message: string) => void,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  send(event: ServerEvent): void {
    if (this.isClosed) return;
    try {
      this.sink(event);
    } catch (err) {
      this.log(`sending ${event.type} failed: ${errorLine(err)}`);
    }
  }

  /** Starts watching (or restarts with a fresh snapshot). */
  watch(torrent: EngineTorrent, timing: WatchTiming): void {
    this.unwatch(torrent.infoHash);
    this.watches.set(torrent.infoHash, new PieceWatch(torrent, { ...timing, send: (e) => this.send(e), log: this.log }));
  }

  unwatch(infoHash: string): void {
    this.watches.get(infoHash)?.stop();
    this.watches.delete(infoHash);
  }

  watching(infoHash: string): PieceWatch | undefined {
    return this.watches.get(infoHash);
  }

  allWatches(): IterableIterator<PieceWatch> {
    return this.watches.values();
  }

  close(): void {
    // Nobody is left to receive the .torrent: stop hashing.
    this.creation?.cancel();
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
    this.isClosed = true;
  }
}
