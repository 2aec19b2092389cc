/**
 * The service's listeners on each engine torrent, attached once per torrent and removed
 * with it, so a removed torrent (or a closed service) leaves no listener behind.
 */
import type { EngineTorrent, TorrentEvents } from '../api.js';

/** What the service does when a torrent's events fire. */
export interface TorrentReactions {
  /** Blocks arrived or a piece passed its check: piece watches have news. */
  piecesChanged(t: EngineTorrent): void;
  pieceFailed(t: EngineTorrent, index: number): void;
  completed(t: EngineTorrent): void;
  failed(t: EngineTorrent, message: string): void;
  /** A magnet's metadata arrived: the piece count changed. */
  metadataArrived(t: EngineTorrent): void;
  /** A magnet added with "choose files first" has its metadata and waits for the choice. */
  filesToChoose(t: EngineTorrent): void;
}

type Listeners = { [K in keyof TorrentEvents]: TorrentEvents[K] };

export class TorrentWiring {
  private readonly attached = new Map<string, { torrent: EngineTorrent; listeners: Listeners }>();

  constructor(private readonly react: TorrentReactions) {}

  has(infoHash: string): boolean {
    return this.attached.has(infoHash);
  }

  /** Listens to `t`; false when it already was. */
  attach(t: EngineTorrent): boolean {
    if (this.attached.has(t.infoHash)) return false;
    const listeners: Listeners = {
      block: () => this.react.piecesChanged(t),
      piece: (index, ok) => (ok ? this.react.piecesChanged(t) : this.react.pieceFailed(t, index)),
      state: () => undefined,
      done: () => this.react.completed(t),
      error: (message) => this.react.failed(t, message),
      metadata: () => this.react.metadataArrived(t),
      filesToChoose: () => this.react.filesToChoose(t),
    };
    for (const key of Object.keys(listeners) as Array<keyof TorrentEvents>) t.on(key, listeners[key] as never);
    this.attached.set(t.infoHash, { torrent: t, listeners });
    return true;
  }

  /** Stops listening; false when it was not. */
  detach(infoHash: string): boolean {
    const a = this.attached.get(infoHash);
    if (!a) return false;
    for (const key of Object.keys(a.listeners) as Array<keyof TorrentEvents>) a.torrent.off(key, a.listeners[key] as never);
    this.attached.delete(infoHash);
    return true;
  }

  detachAll(): void {
    for (const hash of [...this.attached.keys()]) this.detach(hash);
  }
}
