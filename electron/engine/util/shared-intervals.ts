/** Calls `listener` every `ms` milliseconds until the returned function is called. */
export type Every = (ms: number, listener: () => void) => () => void;

/** An interval timer of its own (what a torrent uses without a session). */
export const ownInterval: Every = (ms, listener) => {
  const timer = setInterval(listener, ms);
  return () => clearInterval(timer);
};

/**
 * One timer per period for every listener of the session, instead of one per torrent: 10,000
 * torrents each ticking once a second on their own timer wake the process at up to 1,000
 * different instants a second (each wake-up a system call and a turn of the event loop, which
 * was most of the idle CPU); sharing the timer wakes it once. Listeners run in the order they
 * were added; one removed during a round is not called in it.
 */
export class SharedIntervals {
  private readonly groups = new Map<number, { timer: NodeJS.Timeout; listeners: Set<() => void> }>();

  readonly every: Every = (ms, listener) => {
    let group = this.groups.get(ms);
    if (!group) {
      const listeners = new Set<() => void>();
      const timer = setInterval(() => {
        for (const l of [...listeners]) if (listeners.has(l)) l();
      }, ms);
      group = { timer, listeners };
      this.groups.set(ms, group);
    }
    const { listeners } = group;
    // A function object of its own, so the same listener added twice runs twice and is removed once.
    const entry = (): void => listener();
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      const current = this.groups.get(ms);
      if (current && current.listeners.size === 0) {
        clearInterval(current.timer);
        this.groups.delete(ms);
      }
    };
  };

  /** Stops every timer (the session is closing). */
  close(): void {
    for (const { timer, listeners } of this.groups.values()) {
      clearInterval(timer);
      listeners.clear();
    }
    this.groups.clear();
  }
}
