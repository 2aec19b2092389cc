/**
 * The torrent list's heartbeat: every `intervalMs` while someone is subscribed, recompute
 * every summary, hand them all to the platform hook (taskbar progress) and publish only what
 * changed since the last publication — the torrents whose summary differs, each with only
 * its changed fields, and the session totals when they differ. With 1,000 torrents and one
 * downloading, that is one small change a tick instead of the whole list.
 * Each tick also lets the caller do periodic work (availability).
 */
import { summaryChange, type SessionSummary, type TorrentSummary, type TorrentSummaryChange } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';

export interface Summaries {
  torrents: TorrentSummary[];
  session: SessionSummary;
}

export interface SummaryChanges {
  torrents: TorrentSummaryChange[];
  /** Present when the totals changed. */
  session?: SessionSummary;
}

export interface SummaryFeedOptions {
  intervalMs: number;
  collect(): Summaries;
  /** Called with what changed since the last publication (never with nothing). */
  publish(changes: SummaryChanges): void;
  /** Called with every tick's summaries, changed or not. */
  onSummaries?(torrents: readonly TorrentSummary[]): void;
  /** Called at the end of every tick. */
  afterTick?(): void;
  log(message: string): void;
}

export class SummaryFeed {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** What subscribers hold: the summaries last published (or snapshotted by sync). */
  private published = new Map<string, TorrentSummary>();
  private publishedSession: SessionSummary | null = null;

  constructor(private readonly options: SummaryFeedOptions) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts ticking (no-op when running). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops ticking and forgets what was published: nobody holds it any more. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.published = new Map();
    this.publishedSession = null;
  }

  /** Subscribers were just sent this torrent whole (torrentAdded): later changes are relative to it. */
  announced(summary: TorrentSummary): void {
    if (this.running) this.published.set(summary.infoHash, summary);
  }

  /**
   * Publishes pending changes to the current subscribers now and returns the summaries they
   * then hold: a new subscriber's snapshot, so that every subscriber shares one baseline.
   * Null when the summaries cannot be computed.
   */
  sync(): Summaries | null {
    return this.tick();
  }

  tick(): Summaries | null {
    let summaries: Summaries;
    try {
      summaries = this.options.collect();
    } catch (err) {
      this.options.log(`summaries failed: ${errorLine(err)}`);
      return null;
    }
    try {
      this.options.onSummaries?.(summaries.torrents);
    } catch (err) {
      this.options.log(`onSummaries hook failed: ${errorLine(err)}`);
    }
    const changes: TorrentSummaryChange[] = [];
    const next = new Map<string, TorrentSummary>();
    for (const t of summaries.torrents) {
      const before = this.published.get(t.infoHash);
      // A torrent subscribers have not been sent goes whole.
      const change = before ? summaryChange(before, t) : t;
      if (change) changes.push(change);
      next.set(t.infoHash, t);
    }
    this.published = next;
    const sessionChanged = this.publishedSession === null || !sameSession(this.publishedSession, summaries.session);
    this.publishedSession = summaries.session;
    if (changes.length > 0 || sessionChanged) {
      this.options.publish(sessionChanged ? { torrents: changes, session: summaries.session } : { torrents: changes });
    }
    this.options.afterTick?.();
    return summaries;
  }
}

function sameSession(a: SessionSummary, b: SessionSummary): boolean {
  return ([...Object.keys(a), ...Object.keys(b)] as Array<keyof SessionSummary>).every((key) => a[key] === b[key]);
}
