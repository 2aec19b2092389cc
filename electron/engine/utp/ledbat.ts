/**
 * LEDBAT congestion control as libutp and libtorrent do it: the one-way delay of our packets
 * (reported by the peer in timestamp_difference) minus the lowest delay seen recently (the base
 * delay: the path without queues) is the queuing delay we cause. Below the 100 ms target the
 * window grows (by at most GAIN bytes per round trip), above it the window shrinks, so uTP
 * yields to TCP on a shared bottleneck. Slow start (window += acked bytes) until the delay
 * nears the target or a loss; a loss halves the window, a timeout drops it to one packet.
 */
export const TARGET_DELAY_US = 100_000;
/** libtorrent's utp_gain_factor: the most the window grows per round trip (bytes). */
export const GAIN_BYTES_PER_RTT = 3000;
/** One-minute buckets of minimum delay, as libutp's DELAY_BASE_HISTORY. */
const BASE_HISTORY_MINUTES = 13;
/** The current delay is the lowest of the last few samples (libutp's CUR_DELAY_SIZE): filters jitter. */
const CURRENT_SAMPLES = 3;

/** a - b for 32-bit wrapping microsecond values, signed. */
function wrapDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

/**
 * Base-delay history over the last 13 minutes (one minimum per minute). Timestamps of the two
 * hosts are unrelated clocks, so only differences of samples mean anything; arithmetic wraps at 2^32.
 */
export class DelayHistory {
  private readonly minutes: number[] = [];
  private bucketStart = -Infinity;
  private base = 0;
  private hasBase = false;
  private readonly recent: number[] = [];

  /** Adds a raw sample (µs, wrapping) taken at `nowMs`. */
  add(sample: number, nowMs: number): void {
    if (nowMs - this.bucketStart >= 60_000 || this.minutes.length === 0) {
      this.minutes.push(sample);
      if (this.minutes.length > BASE_HISTORY_MINUTES) this.minutes.shift();
      this.bucketStart = nowMs;
      this.base = this.minutes.reduce((lo, s) => (wrapDiff(s, lo) < 0 ? s : lo));
      this.hasBase = true;
    } else {
      const last = this.minutes.length - 1;
      if (wrapDiff(sample, this.minutes[last] ?? sample) < 0) this.minutes[last] = sample;
    }
    if (!this.hasBase || wrapDiff(sample, this.base) < 0) {
      this.base = sample;
      this.hasBase = true;
    }
    this.recent.push(wrapDiff(sample, this.base));
    if (this.recent.length > CURRENT_SAMPLES) this.recent.shift();
  }

  /** Queuing delay now (µs, ≥ 0): the lowest recent sample above the base delay. */
  get queuingDelay(): number {
    if (this.recent.length === 0) return 0;
    let lo = Infinity;
    for (const d of this.recent) lo = Math.min(lo, d);
    return Math.max(0, lo);
  }

  get baseDelay(): number {
    return this.base;
  }
}

export interface LedbatOptions {
  packetSize: number;
  maxWindow: number;
  targetDelayUs?: number;
}

export class Ledbat {
  /** Congestion window in bytes. */
  cwnd: number;
  slowStart = true;
  /** Slow start ends above this window (0: no threshold yet). */
  ssthresh = 0;
  private readonly target: number;

  constructor(private readonly options: LedbatOptions) {
    // libtorrent starts with two packets' worth.
    this.cwnd = 2 * options.packetSize;
    this.target = options.targetDelayUs ?? TARGET_DELAY_US;
  }

  /**
   * `ackedBytes` were acknowledged while `inFlight` bytes were outstanding (before the ack),
   * with `queuingDelayUs` measured. `saturated`: the sender had more to send than the window
   * allowed (an application that is not using its window gains nothing, as in libtorrent).
   */
  onAck(ackedBytes: number, inFlight: number, queuingDelayUs: number, saturated: boolean): void {
    if (ackedBytes <= 0) return;
    // Not clamped below (as libtorrent): far above the target, the window shrinks faster.
    const delayFactor = Math.min(1, (this.target - queuingDelayUs) / this.target);
    const windowFactor = ackedBytes / Math.max(inFlight, ackedBytes);
    const linear = GAIN_BYTES_PER_RTT * delayFactor * windowFactor;
    let gain = linear;
    if (this.slowStart) {
      if (queuingDelayUs >= this.target) {
        // The queue reached the target: slow start is over. The delay we see is a round trip
        // old, so the window overshot by up to half: halve it (libtorrent halves ssthresh only
        // and then drains the overshoot at the linear rate, which takes a minute on a deep queue).
        this.slowStart = false;
        this.setWindow(this.cwnd / 2);
        this.ssthresh = this.cwnd;
        return;
      } else if (this.ssthresh !== 0 && this.cwnd + ackedBytes > this.ssthresh) {
        this.slowStart = false;
      } else gain = Math.max(ackedBytes, linear);
    }
    if (gain > 0 && !saturated) gain = 0;
    this.setWindow(this.cwnd + gain);
  }

  /** A packet was lost (duplicate ACKs or SACK): halve, as TCP and libutp do. */
  onLoss(): void {
    this.slowStart = false;
    this.setWindow(this.cwnd / 2);
    this.ssthresh = this.cwnd;
  }

  /** The retransmission timer fired: nothing is getting through; one packet at a time. */
  onTimeout(): void {
    this.ssthresh = Math.max(this.cwnd / 2, this.options.packetSize * 2);
    this.cwnd = this.options.packetSize;
    this.slowStart = true;
  }

  private setWindow(value: number): void {
    this.cwnd = Math.max(this.options.packetSize, Math.min(this.options.maxWindow, value));
  }
}
