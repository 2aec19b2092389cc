/**
 * qBittorrent's "slow torrent" rule: a running torrent whose payload rate stays below the
 * threshold (download rate while downloading, upload rate while seeding) for the inactivity
 * time is slow, and does not count against the queue's active limits. A torrent that is not
 * running is never slow (it has had no chance to move anything), so a queued torrent that is
 * let in counts until it has shown it is slow.
 */

/** qBittorrent's defaults: 2 KiB/s each way, for 60 s. */
export const SLOW_DOWNLOAD_RATE = 2 * 1024;
export const SLOW_UPLOAD_RATE = 2 * 1024;
export const SLOW_AFTER_MS = 60_000;

export class SlowWatch {
  /** When the rate last was at or above the threshold (or the torrent started running). */
  private readonly lastBusy = new Map<string, number>();

  constructor(private readonly afterMs = SLOW_AFTER_MS) {}

  /** Records one observation and returns whether the torrent is slow now. */
  observe(id: string, now: number, sample: { running: boolean; finished: boolean; downloadRate: number; uploadRate: number }): boolean {
    if (!sample.running) {
      this.lastBusy.delete(id);
      return false;
    }
    const busy = sample.finished ? sample.uploadRate >= SLOW_UPLOAD_RATE : sample.downloadRate >= SLOW_DOWNLOAD_RATE;
    const since = this.lastBusy.get(id);
    if (busy || since === undefined) {
      this.lastBusy.set(id, now);
      return false;
    }
    return now - since >= this.afterMs;
  }

  forget(id: string): void {
    this.lastBusy.delete(id);
  }
}
