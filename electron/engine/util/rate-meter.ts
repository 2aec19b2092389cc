/**
 * Transfer rate over a sliding window of one-second buckets, like the rates
 * qBittorrent and Transmission display (smooth, not per-packet jittery).
 */
export class RateMeter {
  /**
   * Per bucket, in one array: [0, window) bytes, [window, 2 × window) the second they were added
   * in (a bucket of an earlier second is stale: started afresh when its slot comes round again,
   * left out of the rate). Stamped rather than cleared as the clock moves on, so add() runs the
   * same code every time: a clearing pass run only once a second had gone by was first run
   * after V8 had optimised the per-block code that inlines add(), which threw that code away.
   *
   * Made by the first add(): every torrent and peer has meters, and most of a big session's
   * torrents never move a byte (a small Float64Array is ~240 bytes of heap).
   */
  private buckets: Float64Array | null = null;
  private total = 0;

  constructor(private readonly windowSeconds = 5, private readonly now: () => number = Date.now) {}

  add(bytes: number): void {
    const window = this.windowSeconds;
    const second = Math.floor(this.now() / 1000);
    const slot = second % window;
    const buckets = (this.buckets ??= new Float64Array(2 * window).fill(-Infinity, window));
    const held = buckets[window + slot] === second ? buckets[slot]! : 0;
    buckets[slot] = held + bytes;
    buckets[window + slot] = second;
    this.total += bytes;
  }

  /** Bytes per second averaged over the window (the partial current second counted fractionally). */
  rate(): number {
    const buckets = this.buckets;
    if (buckets === null) return 0;
    const window = this.windowSeconds;
    const nowMs = this.now();
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let slot = 0; slot < window; slot++) if (second - buckets[window + slot]! < window) sum += buckets[slot]!;
    const elapsedInSecond = (nowMs % 1000) / 1000;
    const span = window - 1 + Math.max(elapsedInSecond, 0.001);
    return sum / span;
  }

  get totalBytes(): number {
    return this.total;
  }
}
