/**
 * Per-torrent announcer: BEP 12 tiers over HTTP(S) and UDP trackers.
 *
 * - At most MAX_TRACKERS_PER_TORRENT trackers (after dropping blanks and duplicates) are
 *   used; the rest are ignored with one warning.
 * - Each tier is shuffled once; within a tier trackers are tried in order and the one that
 *   answers moves to the front (BEP 12).
 * - By default (as libtorrent's announce_to_all_tiers=false) one tracker is asked at a time:
 *   tiers are tried strictly in order, the next tier only once every tracker of the tier
 *   before failed, and the first tracker that answers ends the round (plain BEP 12). With
 *   `announceToAllTiers: true` every tier announces independently, at most
 *   `maxConcurrentAnnounces` at once.
 * - The shared TrackerClient bounds announces across the whole session on top of that.
 * - `started` goes first to each tracker, `completed` once (only when the download finished
 *   while we were running), `stopped` on stop() — best-effort, with a short deadline.
 * - Re-announce at the tracker's `interval` (clamped, never before `min interval`); a round
 *   in which every tracker failed is retried with exponential back-off.
 * - Tracker problems (network, garbage, refusals) become per-tracker status 'error' with a
 *   one-line message and a 'warning' event; nothing thrown by a tracker escapes.
 */
import { randomInt } from 'node:crypto';
import type { PeerAddress, TrackerStats } from '../api.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { TrackerClient, asTrackerError, trackerProtocol, unsupportedReason } from './client.js';
import { ignoredTrackersMessage, limitTrackerTiers, MAX_ANNOUNCES_PER_TORRENT, MAX_TRACKERS_PER_TORRENT } from './limits.js';
import { Slots } from './slots.js';
import { printable, type AnnounceEvent, type AnnounceParams, type AnnounceResult } from './types.js';

/** Transfer totals for the announce, in bytes. */
export interface AnnounceStats {
  uploaded: number;
  downloaded: number;
  /** Bytes still needed. A magnet without metadata should report a non-zero guess (e.g. 16384), never 0 (0 = seed). */
  left: number;
}

/** What the announcer needs from its torrent. Read at every announce, so values may change. */
export interface AnnouncerTorrent {
  /** 20 bytes (v1 info-hash). */
  readonly infoHash: Uint8Array;
  /** 20 bytes. */
  readonly peerId: Uint8Array;
  /** Our listening port. */
  readonly port: number;
  getStats(): AnnounceStats;
}

/** The part of TrackerClient the announcer uses (tests substitute a fake). */
export type AnnounceClient = Pick<TrackerClient, 'announce' | 'close'>;

export interface AnnouncerOptions {
  /** BEP 12 announce-list (a .torrent's `announce-list`, or `[[announce]]`, or one tier per magnet `tr`). */
  tiers: ReadonlyArray<ReadonlyArray<string>>;
  /** Shared client (the session's TrackerClient). If absent the announcer makes one and closes it in destroy(). */
  client?: AnnounceClient;
  /** Peers asked for per announce. Default 50. */
  numwant?: number;
  /** Announce to every tier in parallel (true) or try tiers in order, one tracker at a time (false, the default). */
  announceToAllTiers?: boolean;
  /** Trackers used; the rest are ignored (one warning at start). Default MAX_TRACKERS_PER_TORRENT. */
  maxTrackers?: number;
  /** Announces of this torrent on the wire at once (`stopped` included). Default MAX_ANNOUNCES_PER_TORRENT. */
  maxConcurrentAnnounces?: number;
  /** Smallest `interval` obeyed, in seconds (a tracker asking for less is ignored). Default 60. */
  minAnnounceIntervalSec?: number;
  /** Largest `interval` obeyed, in seconds. Default 3 h. */
  maxAnnounceIntervalSec?: number;
  /** Back-off after a round where every tracker failed: base × 2^(failures-1), capped. Defaults 15 s, 30 min. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Time limit for one announce once it is on the wire (the wait for a slot not counted).
   * Default 30 s, libtorrent's tracker_completion_timeout: with one tracker at a time, a dead
   * one must not hold up the rest of its tier for long.
   */
  announceTimeoutMs?: number;
  /** Deadline for the best-effort `stopped` announces in stop(). Default 5 s. */
  stopTimeoutMs?: number;
  /**
   * UDP retransmissions per announce before moving on to the next tracker of the tier.
   * Default 3 (packets after 0, 15, 45, 105 s; gives up at 225 s), though announceTimeoutMs
   * ends it sooner (30 s: packets at 0 and 15 s). BEP 15 allows 8 (over an hour), which
   * would keep a dead tracker blocking its tier for that long.
   */
  udpMaxRetransmits?: number;
  /** The BEP 3 `key`. Default: random. */
  key?: number;
  /** [0, 1) random source for shuffling and jitter (tests make it deterministic). */
  random?: () => number;
}

export interface AnnouncerEvents {
  /** Peers from one tracker reply (de-duplicated within the reply, port 0 dropped). */
  peers: (peers: PeerAddress[], trackerUrl: string) => void;
  /** One tracker's status changed (trackers() gives the whole list). */
  update: (tracker: TrackerStats) => void;
  /** A tracker problem worth logging: a failure, a garbage reply, a warning message. */
  warning: (trackerUrl: string, message: string) => void;
}

interface Entry {
  url: string;
  tier: number;
  supported: boolean;
  status: TrackerStats['status'];
  message: string | null;
  lastAnnounce: number | null;
  peers: number;
  seeders: number | null;
  leechers: number | null;
  trackerId: string | null;
  startedSent: boolean;
  completedSent: boolean;
  /** An announce to it is on the wire right now. */
  inFlight: boolean;
}

interface Worker {
  tiers: number[];
  timer: NodeJS.Timeout | null;
  busy: boolean;
  /** announceNow() arrived while busy: go again when done (after min interval). */
  again: boolean;
  failures: number;
  abort: AbortController | null;
  lastSuccessAt: number | null;
  minIntervalMs: number;
}

export class Announcer extends TypedEmitter<AnnouncerEvents> {
  private readonly torrent: AnnouncerTorrent;
  private readonly client: AnnounceClient;
  private readonly ownsClient: boolean;
  private readonly entries: Entry[] = [];
  /** Current try order of each tier (shuffled, then promotions). */
  private readonly tierOrder: Entry[][] = [];
  private readonly workers: Worker[] = [];
  private readonly opts: Required<Omit<AnnouncerOptions, 'client' | 'tiers' | 'maxTrackers' | 'maxConcurrentAnnounces'>>;
  /** This torrent's announces on the wire. */
  private readonly slots: Slots;
  /** Trackers beyond maxTrackers, reported once at the first start(). */
  private ignoredTrackers: number;
  private readonly maxTrackers: number;
  private running = false;
  private destroyed = false;
  private startedIncomplete = false;
  private completedPending = false;
  private stopping: Promise<void> | null = null;

  constructor(torrent: AnnouncerTorrent, options: AnnouncerOptions) {
    super();
    this.torrent = torrent;
    this.ownsClient = !options.client;
    this.client = options.client ?? new TrackerClient();
    this.opts = {
      numwant: options.numwant ?? 50,
      announceToAllTiers: options.announceToAllTiers ?? false,
      minAnnounceIntervalSec: options.minAnnounceIntervalSec ?? 60,
      maxAnnounceIntervalSec: options.maxAnnounceIntervalSec ?? 3 * 3600,
      retryBaseMs: options.retryBaseMs ?? 15_000,
      retryMaxMs: options.retryMaxMs ?? 30 * 60_000,
      announceTimeoutMs: options.announceTimeoutMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
      udpMaxRetransmits: options.udpMaxRetransmits ?? 3,
      key: options.key ?? randomInt(0, 0x1_0000_0000),
      random: options.random ?? Math.random,
    };

    this.slots = new Slots(Math.max(1, Math.floor(options.maxConcurrentAnnounces ?? MAX_ANNOUNCES_PER_TORRENT)), 'tracker announce');
    this.maxTrackers = Math.max(0, Math.floor(options.maxTrackers ?? MAX_TRACKERS_PER_TORRENT));
    const limited = limitTrackerTiers(options.tiers, this.maxTrackers);
    this.ignoredTrackers = limited.ignored;
    for (const tierUrls of limited.tiers) {
      const tier: Entry[] = [];
      for (const url of tierUrls) {
        const supported = trackerProtocol(url) !== null;
        const e: Entry = {
          url,
          tier: this.tierOrder.length,
          supported,
          status: supported ? 'idle' : 'error',
          message: supported ? null : unsupportedReason(url),
          lastAnnounce: null,
          peers: 0,
          seeders: null,
          leechers: null,
          trackerId: null,
          startedSent: false,
          completedSent: false,
          inFlight: false,
        };
        this.entries.push(e);
        tier.push(e);
      }
      this.shuffle(tier);
      this.tierOrder.push(tier);
    }
    const newWorker = (tiers: number[]): Worker => ({
      tiers,
      timer: null,
      busy: false,
      again: false,
      failures: 0,
      abort: null,
      lastSuccessAt: null,
      minIntervalMs: 0,
    });
    const usable = this.tierOrder.map((_, i) => i).filter((i) => this.tierOrder[i]?.some((e) => e.supported));
    if (this.opts.announceToAllTiers) for (const i of usable) this.workers.push(newWorker([i]));
    else if (usable.length > 0) this.workers.push(newWorker(usable));
  }

  /** True between start() and stop()/destroy(). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts announcing (`started` first). Call again after stop() to resume. */
  start(): void {
    if (this.running || this.destroyed) return;
    this.running = true;
    if (this.ignoredTrackers > 0) {
      this.emitSafely('warning', '', ignoredTrackersMessage(this.ignoredTrackers, this.maxTrackers));
      this.ignoredTrackers = 0;
    }
    this.startedIncomplete = this.safeStats().left > 0;
    this.completedPending = false;
    for (const e of this.entries) {
      e.startedSent = false;
      e.completedSent = false;
    }
    const go = (): void => {
      if (!this.running) return;
      for (const w of this.workers) {
        w.failures = 0;
        w.lastSuccessAt = null;
        w.minIntervalMs = 0;
        this.schedule(w, 0);
      }
    };
    if (this.stopping) void this.stopping.then(go);
    else go();
  }

  /**
   * The download just finished: tell trackers (`completed`, once per tracker) right away.
   * Ignored when the torrent was already complete when start() was called (BEP 3).
   */
  completed(): void {
    if (!this.running || !this.startedIncomplete || this.completedPending) return;
    this.completedPending = true;
    for (const w of this.workers) {
      if (w.busy) w.again = true;
      else this.schedule(w, 0);
    }
  }

  /** Re-announce now (e.g. "force re-announce", or we need more peers); waits out each tracker's `min interval`. */
  announceNow(): void {
    if (!this.running) return;
    for (const w of this.workers) {
      if (w.busy) {
        w.again = true;
        continue;
      }
      this.schedule(w, this.minIntervalWait(w));
    }
  }

  /**
   * Stops announcing and sends `stopped` (in parallel, best-effort, within stopTimeoutMs) to
   * every tracker that was told `started`. Resolves when those are answered or timed out; never rejects.
   */
  stop(): Promise<void> {
    if (!this.running) return this.stopping ?? Promise.resolve();
    this.running = false;
    const targets = new Set(this.entries.filter((e) => e.supported && (e.startedSent || e.inFlight)));
    this.halt();
    const stats = this.safeStats();
    // One deadline for all: waiting for a slot (this torrent's or the session's) counts too.
    const until = Date.now() + this.opts.stopTimeoutMs;
    const call = (): { deadlineMs: number; maxRetransmits: number } => ({ deadlineMs: Math.max(1, until - Date.now()), maxRetransmits: 0 });
    const stopping = Promise.allSettled(
      [...targets].map(async (e) => {
        this.setStatus(e, 'announcing', null);
        try {
          await this.slots.run({ deadlineMs: this.opts.stopTimeoutMs }, async () => {
            // A `completed` still owed (the download finished just before we stopped) goes first,
            // or the tracker would never count the completion — as Transmission keeps it queued.
            if (this.completedPending && e.startedSent && !e.completedSent) {
              await this.client
                .announce(e.url, this.params(e, 'completed', stats, 0), call())
                .then(() => (e.completedSent = true))
                .catch(() => undefined); // `stopped` still follows
            }
            await this.client.announce(e.url, this.params(e, 'stopped', stats, 0), call());
          });
          this.setStatus(e, 'idle', null);
        } catch (err) {
          this.setStatus(e, 'error', `stopped: ${asTrackerError(err).message}`);
        }
      }),
    ).then(() => {
      for (const e of this.entries) {
        if (e.supported && e.status !== 'error') this.setStatus(e, 'idle', e.message);
        e.startedSent = false;
        e.completedSent = false;
      }
      if (this.stopping === stopping) this.stopping = null;
    });
    this.stopping = stopping;
    for (const e of this.entries) if (e.supported && !targets.has(e)) this.setStatus(e, 'idle', e.message);
    return stopping;
  }

  /** Stops at once without telling trackers; closes the client if the announcer made it. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.running = false;
    this.halt();
    if (this.ownsClient) this.client.close();
  }

  /** Snapshot for the UI, in the order the trackers were given. */
  trackers(): TrackerStats[] {
    return this.entries.map(view);
  }

  // ---- internals ----

  private shuffle(list: Entry[]): void {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.opts.random() * (i + 1)));
      const a = list[i] as Entry;
      list[i] = list[j] as Entry;
      list[j] = a;
    }
  }

  private halt(): void {
    for (const w of this.workers) {
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
      w.again = false;
      w.abort?.abort();
    }
  }

  private safeStats(): AnnounceStats {
    try {
      const s = this.torrent.getStats();
      const n = (v: number): number => (Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
      return { uploaded: n(s.uploaded), downloaded: n(s.downloaded), left: n(s.left) };
    } catch {
      return { uploaded: 0, downloaded: 0, left: 0 };
    }
  }

  private params(e: Entry, event: AnnounceEvent, stats: AnnounceStats, numwant: number): AnnounceParams {
    return {
      infoHash: this.torrent.infoHash,
      peerId: this.torrent.peerId,
      port: this.torrent.port,
      uploaded: stats.uploaded,
      downloaded: stats.downloaded,
      left: stats.left,
      event,
      numwant,
      key: this.opts.key,
      trackerId: e.trackerId,
    };
  }

  /** Tells 'update' listeners about one tracker; costs nothing when nobody listens. */
  private changed(e: Entry): void {
    if (this.listenerCount('update') > 0) this.emitSafely('update', view(e));
  }

  private setStatus(e: Entry, status: TrackerStats['status'], message: string | null): void {
    if (e.status === status && e.message === message) return;
    e.status = status;
    e.message = message;
    this.changed(e);
  }

  private emitSafely<K extends keyof AnnouncerEvents>(event: K, ...args: Parameters<AnnouncerEvents[K]>): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      // A listener's bug must not be blamed on a tracker nor stall the schedule.
      if (event !== 'warning') {
        try {
          this.emit('warning', '', `listener for "${event}" threw: ${printable(err instanceof Error ? err.message : String(err))}`);
        } catch {
          // nothing more to do
        }
      }
    }
  }

  private minIntervalWait(w: Worker): number {
    if (w.lastSuccessAt === null) return 0;
    return Math.max(0, w.lastSuccessAt + w.minIntervalMs - Date.now());
  }

  private schedule(w: Worker, delayMs: number): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = null;
      void this.run(w);
    }, Math.max(0, delayMs));
    w.timer.unref();
  }

  private eventFor(e: Entry): AnnounceEvent {
    if (!e.startedSent) return 'started';
    if (this.completedPending && !e.completedSent) return 'completed';
    return 'none';
  }

  private async run(w: Worker): Promise<void> {
    if (!this.running || w.busy) return;
    w.busy = true;
    const abort = new AbortController();
    w.abort = abort;
    let nextMs: number | null = null;
    try {
      nextMs = await this.round(w, abort.signal);
    } catch (err) {
      this.emitSafely('warning', '', `announcer internal error: ${printable(err instanceof Error ? err.message : String(err))}`);
      nextMs = null;
    } finally {
      w.busy = false;
      w.abort = null;
    }
    if (!this.running || abort.signal.aborted) return;
    if (nextMs === null) {
      w.failures++;
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(30, w.failures - 1));
      nextMs = backoff * (1 + 0.1 * this.opts.random());
    } else {
      w.failures = 0;
    }
    if (w.again) {
      w.again = false;
      nextMs = Math.min(nextMs, this.minIntervalWait(w));
    }
    this.schedule(w, nextMs);
  }

  /** One pass over the worker's trackers. Returns ms until the next regular announce, or null if every tracker failed. */
  private async round(w: Worker, signal: AbortSignal): Promise<number | null> {
    for (const tierIndex of w.tiers) {
      const tier = this.tierOrder[tierIndex] ?? [];
      for (const e of [...tier]) {
        if (!e.supported) continue;
        if (!this.running || signal.aborted) return null;
        const event = this.eventFor(e);
        const stats = this.safeStats();
        const params = this.params(e, event, stats, this.opts.numwant);
        this.setStatus(e, 'announcing', e.message);
        let res: AnnounceResult;
        try {
          res = await this.slots.run({ signal }, () => {
            e.inFlight = true;
            return this.client.announce(e.url, params, { signal, timeoutMs: this.opts.announceTimeoutMs, maxRetransmits: this.opts.udpMaxRetransmits });
          });
        } catch (err) {
          e.inFlight = false;
          const te = asTrackerError(err);
          if (te.kind === 'aborted' || signal.aborted) return null;
          e.status = 'error';
          e.message = te.message;
          e.lastAnnounce = Date.now();
          this.changed(e);
          this.emitSafely('warning', e.url, te.message);
          continue;
        }
        e.inFlight = false;
        if (signal.aborted) return null;
        const now = Date.now();
        if (event === 'started') e.startedSent = true;
        if (event === 'completed' || params.left === 0) e.completedSent = true;
        e.status = 'working';
        e.message = res.warning;
        e.lastAnnounce = now;
        e.peers = res.peers.length;
        e.seeders = res.complete;
        e.leechers = res.incomplete;
        if (res.trackerId !== null) e.trackerId = res.trackerId;
        // BEP 12: the tracker that answered goes to the front of its tier.
        const at = tier.indexOf(e);
        if (at > 0) {
          tier.splice(at, 1);
          tier.unshift(e);
        }
        const intervalSec = Math.min(this.opts.maxAnnounceIntervalSec, Math.max(this.opts.minAnnounceIntervalSec, res.interval));
        const minSec = Math.min(intervalSec, Math.max(0, res.minInterval ?? 0));
        w.lastSuccessAt = now;
        w.minIntervalMs = minSec * 1000;
        this.changed(e);
        if (res.warning) this.emitSafely('warning', e.url, `tracker warning: ${res.warning}`);
        if (res.peers.length > 0) this.emitSafely('peers', res.peers, e.url);
        return intervalSec * 1000;
      }
    }
    return null;
  }
}

function view(e: Entry): TrackerStats {
  return {
    url: e.url,
    tier: e.tier,
    status: e.status,
    message: e.message,
    lastAnnounce: e.lastAnnounce,
    peers: e.peers,
    seeders: e.seeders,
    leechers: e.leechers,
  };
}
