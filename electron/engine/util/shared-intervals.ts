/** Calls `listener` every `ms` milliseconds until the returned function is called. */
export type Every = (ms: number, listener: () => void) => () => void;

/** An interval timer of its own (what a torrent uses without a session). */
export const ownInterval: Every = (ms, listener) => {
  const timer = setInterval(listener, ms);
  return () => clearInterval(timer);
};

/** One subscription; its own object, so the same listener added twice runs twice and is removed once. */
interface Entry {
  readonly listener: () => void;
  /** The round that was last started when it was added: it first runs in the next one. */
  readonly since: number;
}

interface Group {
  readonly timer: NodeJS.Timeout;
  readonly entries: Set<Entry>;
  /** Rounds started so far. */
  round: number;
}

/**
 * One timer per period for every listener of the session, instead of one per torrent: 10,000
 * torrents each ticking once a second on their own timer wake the process at up to 1,000
 * different instants a second (each wake-up a system call and a turn of the event loop, which
 * was most of the idle CPU); sharing the timer wakes it once. Listeners run in the order they
 * were added; one removed during a round is not called in it, one added during a round first
 * runs in the next. A round walks the live set (a Set's iterator skips entries deleted before
 * it reaches them and visits those added meanwhile, which the round number skips): copying
 * it each round allocated an array as long as the set, every second.
 */
export class SharedIntervals {
  private readonly groups = new Map<number, Group>();

  readonly every: Every = (ms, listener) => {
    let group = this.groups.get(ms);
    if (!group) {
      const entries = new Set<Entry>();
      const timer = setInterval(() => runRound(made), ms);
      const made: Group = { timer, entries, round: 0 };
      group = made;
      this.groups.set(ms, group);
    }
    const entry: Entry = { listener, since: group.round };
    const { entries } = group;
    entries.add(entry);
    return () => {
      entries.delete(entry);
      const current = this.groups.get(ms);
      if (current && current.entries.size === 0) {
        clearInterval(current.timer);
        this.groups.delete(ms);
      }
    };
  };

  /** Stops every timer (the session is closing). */
  close(): void {
    for (const { timer, entries } of this.groups.values()) {
      clearInterval(timer);
      entries.clear();
    }
    this.groups.clear();
  }
}

function runRound(group: Group): void {
  const round = ++group.round;
  for (const entry of group.entries) if (entry.since < round) entry.listener();
}
