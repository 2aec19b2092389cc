/**
 * A token bucket for rate limits (bytes per second; 0 = unlimited). Callers take what they
 * used and are told how long to wait before the next transfer, so a burst is allowed to
 * complete and the average still holds — the way libtorrent's bandwidth channels behave.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private rate = 0, private readonly burstSeconds = 1, private readonly now: () => number = Date.now) {
    this.tokens = rate * burstSeconds;
    this.last = now();
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = Math.max(0, rate);
    this.tokens = Math.min(this.tokens, this.rate * this.burstSeconds);
  }

  get limit(): number {
    return this.rate;
  }

  /** Bytes that may be spent now without waiting (Infinity when unlimited). */
  available(): number {
    if (this.rate <= 0) return Infinity;
    this.refill();
    return Math.max(0, this.tokens);
  }

  /** Spends `bytes`; returns milliseconds to wait before spending more (0 = go on). */
  take(bytes: number): number {
    if (this.rate <= 0) return 0;
    this.refill();
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.rate * this.burstSeconds, this.tokens + elapsed * this.rate);
  }
}

/** Bytes all of the buckets let through now (Infinity when none limits). */
export function availableAll(buckets: readonly TokenBucket[]): number {
  let available = Infinity;
  for (const b of buckets) available = Math.min(available, b.available());
  return available;
}

/** The longest wait any of the buckets asks for (a torrent's own limit and the global one). */
export function takeAll(buckets: readonly TokenBucket[], bytes: number): number {
  let wait = 0;
  for (const b of buckets) wait = Math.max(wait, b.take(bytes));
  return wait;
}
