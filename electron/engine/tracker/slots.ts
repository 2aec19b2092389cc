/**
 * A counting semaphore with a FIFO queue: at most `limit` holders at once, the rest wait
 * their turn. Waiting can be cancelled (AbortSignal) or bounded (deadline); either leaves
 * the queue at once, so a cancelled announce never takes a slot later.
 */
import { TrackerError } from './types.js';

/** Gives the slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Give up waiting after this long (TrackerError 'timeout'). */
  deadlineMs?: number;
}

interface Waiter {
  grant: () => void;
}

export class Slots {
  private holders = 0;
  /** Insertion-ordered: the first entry is the next to be served; a cancelled waiter is deleted in O(1). */
  private readonly waiting = new Set<Waiter>();

  constructor(
    readonly limit: number,
    /** For messages: what a slot is ("HTTP announce", …). */
    private readonly what: string,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`slot limit must be a positive integer, got ${limit}`);
  }

  /** Slots in use. */
  get active(): number {
    return this.holders;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Resolves with a release function once a slot is free; rejects with TrackerError ('aborted' or 'timeout') only. */
  acquire(options: AcquireOptions = {}): Promise<ReleaseSlot> {
    const { signal, deadlineMs } = options;
    if (signal?.aborted) return Promise.reject(new TrackerError('aborted', `${this.what} cancelled`));
    if (this.holders < this.limit && this.waiting.size === 0) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const leave = (): void => {
        this.waiting.delete(waiter);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        reject(new TrackerError('aborted', `${this.what} cancelled`));
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          this.holders++;
          resolve(this.releaser());
        },
      };
      this.waiting.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadlineMs !== undefined) {
        timer = setTimeout(() => {
          leave();
          reject(new TrackerError('timeout', `no free ${this.what} slot within ${deadlineMs} ms (${this.limit} busy)`));
        }, Math.max(0, deadlineMs));
        timer.unref();
      }
    });
  }

  /** Runs `task` holding a slot. */
  async run<T>(options: AcquireOptions, task: () => Promise<T>): Promise<T> {
    const release = await this.acquire(options);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders--;
      const next = this.waiting.values().next();
      if (!next.done) next.value.grant();
    };
  }
}
