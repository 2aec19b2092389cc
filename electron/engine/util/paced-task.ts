/**
 * A task that many events ask for and one run answers (the session's queue pass over every
 * torrent), run soon after it is asked for but paced by its own cost: after a run that took
 * d ms the next waits at least d × costFactor ms (at most maxGapMs). A cheap task (a few
 * torrents) runs on the next turn every time; an expensive one (10,000 torrents, each state
 * change during a restore asking for a pass) takes at most about 1/costFactor of a core
 * instead of one full pass per event — quadratic work that was most of a 10,000-torrent restart.
 */
export interface PacedTaskOptions {
  /** Idle time after a run, as a multiple of how long the run took. */
  costFactor?: number;
  /** The longest a request waits after the previous run. */
  maxGapMs?: number;
  /** Milliseconds on a monotonic clock (tests pass their own). */
  now?: () => number;
}

export const DEFAULT_COST_FACTOR = 10;
export const DEFAULT_MAX_GAP_MS = 200;

export class PacedTask {
  private readonly costFactor: number;
  private readonly maxGapMs: number;
  private readonly now: () => number;
  private nextAllowedAt = -Infinity;
  private pending: { cancel: () => void } | null = null;

  constructor(
    private readonly task: () => void,
    options: PacedTaskOptions = {},
  ) {
    this.costFactor = options.costFactor ?? DEFAULT_COST_FACTOR;
    this.maxGapMs = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** Asks for a run: on the next turn, or once the pacing gap has passed; any number of requests before it make one run. */
  request(): void {
    if (this.pending) return;
    const wait = this.nextAllowedAt - this.now();
    if (wait <= 0) {
      const immediate = setImmediate(() => this.runPending());
      immediate.unref();
      this.pending = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(() => this.runPending(), Math.ceil(wait));
      timer.unref();
      this.pending = { cancel: () => clearTimeout(timer) };
    }
  }

  /** Runs now (a pending request is answered by this run). */
  runNow(): void {
    this.cancel();
    const started = this.now();
    try {
      this.task();
    } finally {
      const ended = this.now();
      this.nextAllowedAt = ended + Math.min(this.maxGapMs, (ended - started) * this.costFactor);
    }
  }

  /** Drops a pending request. */
  cancel(): void {
    this.pending?.cancel();
    this.pending = null;
  }

  private runPending(): void {
    this.pending = null;
    this.runNow();
  }
}
