/**
 * What tabs that do not read may make the host hold. Each tab's unsent messages used to be
 * bounded on their own (64 MiB), so the 32 tabs the host accepts could hold 2 GiB: 32 paused
 * tabs while the session pushed events took the host to 2.2 GiB RSS. Now all tabs share one
 * total, split equally among the open ones with a floor (as the engine does for peers,
 * engine/peer/send-shares.ts), and a tab over its part is dropped (it reconnects and reloads
 * its state when it reads again). A tab's part is at most MAX_TAB_QUEUE_BYTES however few tabs
 * there are.
 *
 * Replies to a tab's own requests are counted apart from that part: one legitimate reply can
 * be far larger than any part (`getFiles` on a 1M-file torrent is over 64 MiB), and a tab
 * still reading it must not be dropped for the events pushed meanwhile. So the largest reply
 * the tab has not yet received is allowed on top of its part; the number of replies waiting is
 * bounded by the request window (request-window.ts), and everything else (events, the other
 * replies) must fit in the part.
 */
import { SendShares } from '../engine/peer/send-shares.js';

/** All tabs' unsent events (and replies beyond the largest of each) together, at most. */
export const ALL_TABS_QUEUE_BYTES = 256 * 1024 * 1024;
/** A tab's part never falls below this: several seconds of a busy session's events. */
export const MIN_TAB_QUEUE_BYTES = 8 * 1024 * 1024;
/**
 * Nor rises above this, however few tabs are open: a tab that reads keeps its queue of events
 * near empty (they come at a bounded rate; the largest, a snapshot of 10,000 torrents, is a few
 * MiB), so one alone had no use for the whole 256 MiB total, which a tab that stopped reading
 * held until the heartbeat found it (drain-progress.ts).
 */
export const MAX_TAB_QUEUE_BYTES = 32 * 1024 * 1024;

export class TabQueues {
  private readonly shares: SendShares;

  constructor(
    total = ALL_TABS_QUEUE_BYTES,
    floor = MIN_TAB_QUEUE_BYTES,
    private readonly ceiling = MAX_TAB_QUEUE_BYTES,
  ) {
    this.shares = new SendShares(total, floor);
  }

  /** Tabs counted now. */
  get count(): number {
    return this.shares.count;
  }

  /** Bytes one tab may have queued now, beyond its largest pending reply. */
  get part(): number {
    return Math.min(this.ceiling, this.shares.share);
  }

  /** Counts a tab until its queue is closed. */
  open(): TabQueue {
    return new TabQueue(this, this.shares.join());
  }
}

export class TabQueue {
  /** Sizes of replies handed to the socket and not yet sent, oldest first (at most the request window). */
  private readonly replies: number[] = [];

  constructor(
    private readonly queues: TabQueues,
    readonly close: () => void,
  ) {}

  /** A reply of `bytes` is queued; call the function it returns once it has left. */
  reply(bytes: number): () => void {
    this.replies.push(bytes);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const i = this.replies.indexOf(bytes);
      if (i >= 0) this.replies.splice(i, 1);
    };
  }

  /** True when `buffered` unsent bytes are more than this tab may hold: its part plus its largest pending reply. */
  over(buffered: number): boolean {
    let largest = 0;
    for (const r of this.replies) if (r > largest) largest = r;
    return buffered - largest > this.queues.part;
  }
}
