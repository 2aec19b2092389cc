/**
 * Transfer rate over a sliding window of one-second buckets, like the rates
 * qBittorrent and Transmission display (smooth, not per-packet jittery).
 */
export class RateMeter {
  /**
   * Made by the first add(): every torrent and peer has meters, and most of a big session's
   * torrents never move a byte (a small Float64Array is ~240 bytes of heap).
   */
  private buckets: Float64Array | null = null;
  private currentSecond = 0;
  private total = 0;

  constructor(private readonly windowSeconds = 5, private readonly now: () => number = Date.now) {
    this.currentSecond = Math.floor(this.now() / 1000);
  }

  add(bytes: number): void {
    this.advance();
    (this.buckets ??= new Float64Array(this.windowSeconds))[this.currentSecond % this.windowSeconds]! += bytes;
    this.total += bytes;
  }

  /** Bytes per second averaged over the window (the partial current second counted fractionally). */
  rate(): number {
    if (this.buckets === null) return 0;
    this.advance();
    const nowMs = this.now();
    const elapsedInSecond = (nowMs % 1000) / 1000;
    let sum = 0;
    for (const value of this.buckets) sum += value;
    const span = this.windowSeconds - 1 + Math.max(elapsedInSecond, 0.001);
    return sum / span;
  }

  get totalBytes(): number {
    return this.total;
  }

  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.currentSecond) return;
    const steps = Math.min(second - this.currentSecond, this.windowSeconds);
    if (this.buckets) for (let i = 1; i <= steps; i++) this.buckets[(this.currentSecond + i) % this.windowSeconds] = 0;
    this.currentSecond = second;
  }
}
