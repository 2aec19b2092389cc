/**
 * What the session decides for its torrents as a whole, once a second (up to
 * POLICY_TORRENTS_PER_TICK torrents in turn) and, with the queue on, after state changes:
 * the all-time statistics, the seeding limits (pause or remove a finished torrent that
 * reached them) and the queue (set each torrent's `queued` lifecycle fact). The decisions are
 * the pure functions of queue-policy.ts, slow-watch.ts and seeding-limits.ts.
 */
import {
  DEFAULT_QUEUE_SETTINGS,
  DEFAULT_SEEDING_LIMITS,
  type QueueSettings,
  type SeedingLimits,
} from '../../../shared/contract/policies.js';
import type { Torrent } from '../torrent/torrent.js';
import { PacedTask } from '../util/paced-task.js';
import { roundRobinTurn } from '../util/round-robin.js';
import { admitted, type QueueCandidate } from './queue-policy.js';
import { anyLimit, effectiveLimits, seedingLimitReached, shareRatio } from './seeding-limits.js';
import { SlowWatch } from './slow-watch.js';
import type { StatisticsKeeper } from './statistics.js';

export interface PolicyHost {
  /** The torrents in queue order. */
  ordered(): readonly Torrent[];
  remove(infoHash: string): Promise<void>;
  warn(message: string): void;
}

/** How often statistics, limits and slowness are looked at (with the queue on, state changes also ask for a queue pass). */
export const POLICY_INTERVAL_MS = 1000;
/**
 * Torrents looked at per tick for statistics, limits and slowness, in turn: with 10,000
 * torrents, looking at every one every second was most of the idle CPU (12 % of a core);
 * each is now looked at every ceil(n / 1,000) seconds, every second up to 1,000 torrents.
 */
export const POLICY_TORRENTS_PER_TICK = 1000;
/** The all-time statistics are written at most this often (and on close). */
const STATISTICS_SAVE_MS = 60_000;

export class SessionPolicy {
  private queueSettings: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS };
  private seeding: SeedingLimits = { ...DEFAULT_SEEDING_LIMITS };
  private readonly slowWatch = new SlowWatch();
  private readonly slow = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** The queue pass state changes ask for: one pass over every torrent, paced by its cost. */
  private readonly queuePass = new PacedTask(() => this.setQueuedFacts());
  private lastStatisticsSave: number;
  /** Where the next tick's turn starts in the queue order. */
  private turn = 0;
  /** Torrents a limit was acted on (so a remove in progress is not started twice). */
  private readonly acting = new Set<string>();

  constructor(
    private readonly host: PolicyHost,
    readonly statistics: StatisticsKeeper,
    private readonly now: () => number = Date.now,
  ) {
    this.lastStatisticsSave = now();
  }

  get queue(): QueueSettings {
    return { ...this.queueSettings };
  }

  setQueueSettings(settings: QueueSettings): void {
    this.queueSettings = { ...settings };
    this.applyQueue();
  }

  setSeedingLimits(limits: SeedingLimits): void {
    this.seeding = { ...limits };
    this.applySeedingLimits();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), POLICY_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.queuePass.cancel();
    this.observeStatistics(this.host.ordered());
    await this.statistics.save();
  }

  /** A torrent left: its last bytes are counted, then it is forgotten. */
  forget(t: Torrent): void {
    this.statistics.observe(t.infoHash, t.allTimeTotals());
    this.statistics.forget(t.infoHash);
    this.slowWatch.forget(t.infoHash);
    this.slow.delete(t.infoHash);
    this.acting.delete(t.infoHash);
    this.schedule();
  }

  /**
   * Recomputes the queue soon: once for any number of calls, on the next turn when passes are
   * cheap, later when they are not (10,000 torrents restoring change state tens of thousands
   * of times; a pass for each was quadratic).
   */
  schedule(): void {
    // With the queue off every torrent that wants to run runs: no pass can change a `queued`
    // fact (turning it off clears them all at once, in setQueueSettings).
    if (this.queueSettings.enabled) this.queuePass.request();
  }

  tick(): void {
    const inTurn = this.nextTurn(this.host.ordered());
    this.observeStatistics(inTurn);
    this.applySeedingLimits(inTurn);
    if (this.queueSettings.enabled) {
      this.observeSlowness(inTurn);
      this.applyQueue();
    }
    const now = this.now();
    if (now - this.lastStatisticsSave >= STATISTICS_SAVE_MS) {
      this.lastStatisticsSave = now;
      void this.statistics.save();
    }
  }

  /** Sets every torrent's `queued` fact from the queue's answer, now. */
  applyQueue(): void {
    this.queuePass.runNow();
  }

  private setQueuedFacts(): void {
    const torrents = this.host.ordered();
    const candidates: QueueCandidate[] = torrents.map((t) => ({
      id: t.infoHash,
      wantsToRun: t.wantsToRun,
      finished: t.isFinished,
      slow: this.slow.has(t.infoHash),
    }));
    const allowed = admitted(candidates, this.queueSettings);
    // Stop first, then start: a slot is given up before another takes it.
    for (const t of torrents) if (t.wantsToRun && !allowed.has(t.infoHash)) t.setQueued(true);
    for (const t of torrents) if (!t.wantsToRun || allowed.has(t.infoHash)) t.setQueued(false);
  }

  /** The torrents whose turn it is: all of them, or the next POLICY_TORRENTS_PER_TICK in queue order. */
  private nextTurn(torrents: readonly Torrent[]): readonly Torrent[] {
    const { turn, next } = roundRobinTurn(torrents, this.turn, POLICY_TORRENTS_PER_TICK);
    this.turn = next;
    return turn;
  }

  private observeStatistics(torrents: readonly Torrent[]): void {
    for (const t of torrents) this.statistics.observe(t.infoHash, t.allTimeTotals());
  }

  private observeSlowness(torrents: readonly Torrent[]): void {
    const now = this.now();
    for (const t of torrents) {
      const s = t.rates();
      const running = t.wantsToRun && !t.isQueued;
      if (this.slowWatch.observe(t.infoHash, now, { running, finished: t.isFinished, ...s })) this.slow.add(t.infoHash);
      else this.slow.delete(t.infoHash);
    }
  }

  private applySeedingLimits(torrents: readonly Torrent[] = this.host.ordered()): void {
    for (const t of torrents) {
      // Looked at first, and cheap (no object made): with 10,000 torrents 1,000 are looked at
      // every second, nearly always without a limit; their state, totals and ratio cost
      // several objects each.
      if (!anyLimit(t.ownSeedingLimits, this.seeding)) continue;
      if (this.acting.has(t.infoHash) || t.state !== 'seeding') continue;
      const totals = t.allTimeTotals();
      const ratio = shareRatio({ ...totals, completedBytes: t.completedBytes() });
      const reached = seedingLimitReached({ ratio, seedingSeconds: t.seedingSeconds(this.now()) }, effectiveLimits(t.ownSeedingLimits, this.seeding));
      if (!reached) continue;
      const what = reached === 'ratio' ? `share ratio ${ratio.toFixed(2)}` : 'its seeding time';
      this.acting.add(t.infoHash);
      if (this.seeding.action === 'remove') {
        this.host.warn(`${t.name}: reached ${what}; removed (data kept)`);
        void this.host.remove(t.infoHash).catch((err: unknown) => this.host.warn(`${t.name}: removing failed: ${String(err)}`));
      } else {
        this.host.warn(`${t.name}: reached ${what}; paused`);
        void t.pause().finally(() => this.acting.delete(t.infoHash));
      }
    }
  }
}
