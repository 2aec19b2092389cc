/**
 * The session-wide bound on the memory uploads read into. Each torrent's ReadCache holds
 * pieces read for upload, spare buffers to read into, and pieces still borrowed by blocks
 * queued in sockets; each of these was bounded per torrent (16 MiB), so a swarm of peers that
 * request blocks and read nothing could make us hold ~48 MiB per seeding torrent — gigabytes
 * over a hundred of them. So the torrents that are uploading share one total, as peers share
 * SESSION_SEND_BYTES (peer/send-shares.ts) and as libtorrent's cache_size is session-wide:
 * each gets an equal part, never more than one torrent had alone (one busy torrent seeds
 * exactly as fast as before), and an idle torrent leaves and holds nothing.
 */

/** What all uploading torrents' read caches hold together, at most (each of cache, held, spare). */
export const SESSION_READ_CACHE_BYTES = 32 * 1024 * 1024;
/** One torrent's part when few are uploading: what a torrent alone always had. */
export const MAX_READ_CACHE_SHARE = 16 * 1024 * 1024;
/**
 * A torrent's part never falls below this however many are uploading: one 1 MiB window (see
 * upload-window.ts) cached while the next is read, so every torrent is still served.
 */
export const MIN_READ_CACHE_SHARE = 1024 * 1024;

export class ReadCacheShares {
  private readonly members = new Set<() => void>();

  constructor(
    readonly total = SESSION_READ_CACHE_BYTES,
    readonly most = MAX_READ_CACHE_SHARE,
    readonly floor = MIN_READ_CACHE_SHARE,
  ) {}

  /** Torrents counted as uploading now. */
  get count(): number {
    return this.members.size;
  }

  /** Bytes one uploading torrent's cache may hold now (and as much again held, and spare). */
  get share(): number {
    return Math.min(this.most, Math.max(this.floor, Math.floor(this.total / Math.max(1, this.members.size))));
  }

  /**
   * Counts a torrent's cache until the function it returns is called (more calls do nothing).
   * `shrink` is called when another joins and the parts got smaller: a cache that reads nothing
   * more would otherwise keep its old, larger part.
   */
  join(shrink: () => void): () => void {
    const before = this.share;
    this.members.add(shrink);
    if (this.share < before) for (const other of this.members) if (other !== shrink) other();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.members.delete(shrink);
    };
  }
}

/** A budget for one cache alone (tests, tools): `bytes` always. */
export function unshared(bytes: number): ReadCacheShares {
  return new ReadCacheShares(bytes, bytes, 0);
}
