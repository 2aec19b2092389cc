/**
 * The torrent list's heartbeat: every `intervalMs` while someone is subscribed, recompute
 * every summary, hand them to the platform hook (taskbar progress) and publish them only
 * when something changed. Each tick also lets the caller do periodic work (availability).
 */
import type { SessionSummary, TorrentSummary } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';

export interface Summaries {
  torrents: TorrentSummary[];
  session: SessionSummary;
}

export interface SummaryFeedOptions {
  intervalMs: number;
  collect(): Summaries;
  /** Called with summaries that differ from the last ones published. */
  publish(summaries: Summaries): void;
  /** Called with every tick's summaries, changed or not. */
  onSummaries?(torrents: readonly TorrentSummary[]): void;
  /** Called at the end of every tick. */
  afterTick?(): void;
  log(message: string): void;
}

export class SummaryFeed {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastJson = '';

  constructor(private readonly options: SummaryFeedOptions) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts ticking (no-op when running); the first tick publishes whatever it finds. */
  start(): void {
    if (this.timer) return;
    this.lastJson = '';
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  tick(): void {
    let summaries: Summaries;
    try {
      summaries = this.options.collect();
    } catch (err) {
      this.options.log(`summaries failed: ${errorLine(err)}`);
      return;
    }
    try {
      this.options.onSummaries?.(summaries.torrents);
    } catch (err) {
      this.options.log(`onSummaries hook failed: ${errorLine(err)}`);
    }
    const json = JSON.stringify([summaries.torrents, summaries.session]);
    if (json !== this.lastJson) {
      this.lastJson = json;
      this.options.publish(summaries);
    }
    this.options.afterTick?.();
  }
}
