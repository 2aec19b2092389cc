import type { PieceDownload } from '../picker/piece-download.js';
import type { BlockPick, PiecePicker } from '../picker/piece-picker.js';
import { errorText } from '../../../shared/error-text.js';
import { BlockClaim } from './block-claim.js';
import { WebSeedError } from './errors.js';
import { DEFAULT_LIMITS, fetchRange, type FetchContext, type FetchLimits, type RangeRequest } from './http-fetch.js';
import { contiguousRuns, planFileRanges, planPieceRanges, type PlanFile, type RangePart, type Run } from './range-plan.js';
import { RunWriter } from './run-writer.js';
import { fileUrl, httpSeedUrl, type WebSeedSource } from './url-mapping.js';
import { BAN_AFTER_HASH_FAILURES, WebSeed } from './web-seed.js';

/** What fetching from web seeds needs from the torrent's transfer. */
export interface WebSeedHost {
  readonly picker: PiecePicker;
  readonly infoHash: Buffer;
  readonly pieceLength: number;
  readonly totalLength: number;
  readonly multiFile: boolean;
  readonly files: readonly (PlanFile & { pathElements: readonly string[] })[];
  /** Requests may go out: the torrent runs and the disk keeps up. */
  canRequest(): boolean;
  /**
   * A block's bytes are in its piece buffer, or in `staged` for a piece without one (to be written;
   * from `picker.buffers`, the host's from now on): count it like a block from a peer (may complete the piece).
   */
  blockDone(seed: WebSeed, piece: PieceDownload, block: number, length: number, staged: Buffer | null): void;
  /** Download rate limits: how long to pause after `bytes` (0 = go on). */
  throttle(bytes: number): number;
  warn(message: string): void;
}

/** Requests (runs of pieces) in flight per web seed. */
const PARALLEL_PER_SEED = 2;
/**
 * Bytes asked for per job (one or more requests): about two seconds' worth at the seed's rate,
 * between these bounds, and never less than a piece. A new seed starts small, so that it does
 * not take the whole torrent from peers before its speed is known.
 */
const MIN_JOB_BYTES = 256 * 1024;
const MAX_JOB_BYTES = 4 * 1024 * 1024;
/**
 * Requests in flight over all of a torrent's web seeds: bounds the piece buffers they hold.
 * A seed with no request running may always start one (as a peer may always start a piece):
 * otherwise two seeds that hold their connections open, or trickle just above the drip limit,
 * took all four slots, and a good seed listed after them fetched nothing for minutes.
 */
const MAX_JOBS_PER_TORRENT = 4;
/** Web seeds per torrent (a stranger's url-list may name thousands). */
export const MAX_WEB_SEEDS = 16;

/**
 * The web seeds of one torrent (BEP 19 and BEP 17), used alongside peers like peers: each
 * takes blocks from the picker (whole pieces or runs of adjacent pieces, preferably none that
 * peers are fetching), fetches them with HTTP range requests and hands every block to the
 * transfer, which verifies the piece like any other. A failing seed is backed off; one that
 * sends pieces failing their hash is dropped after a few.
 */
export class WebSeeds {
  private readonly seeds: WebSeed[] = [];
  private active = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  downloadedBytes = 0;

  constructor(
    private readonly host: WebSeedHost,
    private readonly limits: FetchLimits = DEFAULT_LIMITS,
    private readonly userAgent = 'Tessera',
  ) {}

  get list(): readonly WebSeed[] {
    return this.seeds;
  }

  add(sources: readonly WebSeedSource[]): void {
    for (const source of sources) {
      if (this.seeds.length >= MAX_WEB_SEEDS) return;
      if (this.seeds.some((s) => s.url === source.url && s.kind === source.kind)) continue;
      this.seeds.push(new WebSeed(source, PARALLEL_PER_SEED));
    }
    this.pump();
  }

  setActive(active: boolean): void {
    this.active = active;
    if (active) return this.pump();
    this.stopAll();
  }

  /** Nothing more to fetch (finished) or the torrent stops: close connections. */
  stopAll(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const seed of this.seeds) seed.stop();
  }

  /** A piece a web seed contributed to failed its hash. */
  hashFailed(seed: WebSeed): void {
    seed.hashFailures++;
    if (seed.hashFailures < BAN_AFTER_HASH_FAILURES || seed.banned) return;
    seed.banned = true;
    seed.stop();
    this.host.warn(`web seed ${seed.url}: dropped after ${seed.hashFailures} pieces failed their hash check`);
  }

  /** Starts requests on every seed that is ready, up to its parallel limit. */
  pump(): void {
    if (!this.active) return;
    const now = Date.now();
    let soonest = Infinity;
    let jobs = this.seeds.reduce((n, s) => n + s.running, 0);
    for (const seed of this.seeds) {
      if (seed.banned) continue;
      if (!seed.backoff.ready(now)) {
        soonest = Math.min(soonest, seed.backoff.notBefore);
        continue;
      }
      // A seed whose server is silent gets no new request: it would take back the blocks it let go.
      while (seed.running < PARALLEL_PER_SEED && seed.silent === 0 && (jobs < MAX_JOBS_PER_TORRENT || seed.running === 0) && this.host.canRequest() && !this.host.picker.finished) {
        if (!this.startJob(seed)) break;
        jobs++;
      }
    }
    if (soonest < Infinity && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.pump();
      }, Math.max(0, soonest - now));
      this.retryTimer.unref();
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private startJob(seed: WebSeed): boolean {
    const { picker } = this.host;
    const picks: BlockPick[] = [];
    const jobBytes = Math.max(this.host.pieceLength, Math.min(MAX_JOB_BYTES, Math.max(MIN_JOB_BYTES, seed.meter.rate() * 2)));
    picker.pick(seed, Math.ceil(jobBytes / (16 * 1024)), picks);
    if (picks.length === 0) return false;
    const mine = picks.filter((p) => p.piece.owner === seed);
    if (mine.length > 0 && mine.length < picks.length) {
      // Whole pieces of its own where there are any: blocks of pieces peers are fetching (and
      // endgame duplicates) only once nothing else is left, to help finish.
      for (const p of picks) if (p.piece.owner !== seed) p.piece.release(p.block);
      picks.length = 0;
      picks.push(...mine);
    }
    for (const p of picks) seed.requested(p.piece.index, p.block);
    seed.running++;
    const runs = contiguousRuns(picks, (p) => p.piece.index * this.host.pieceLength + p.begin, (p) => p.length, jobBytes);
    void this.runJob(seed, runs).finally(() => {
      seed.running--;
      this.schedulePump();
    });
    return true;
  }

  private async runJob(seed: WebSeed, runs: Run<BlockPick>[]): Promise<void> {
    const undelivered = new Set<BlockPick>(runs.flatMap((r) => r.items));
    const claim = new BlockClaim(undelivered, (p) => this.live(p) && !p.piece.hasArrived(p.block));
    const progress: JobProgress = { bytes: 0, atLastFailure: 0 };
    try {
      for (const run of runs) await this.fetchRun(seed, run, undelivered, claim, progress);
      seed.backoff.succeeded();
      seed.lastError = null;
    } catch (err) {
      this.giveBack(seed, undelivered, claim);
      if (err instanceof WebSeedError && err.kind === 'aborted') return;
      this.failed(seed, err);
    } finally {
      if (claim.released) seed.silent--;
    }
  }

  /** Backs the seed off after a failed request; returns the delay. */
  private failed(seed: WebSeed, err: unknown): number {
    const retryAfter = err instanceof WebSeedError ? err.retryAfterMs : null;
    const delay = seed.backoff.failed(Date.now(), retryAfter);
    const text = errorText(err);
    if (text !== seed.lastError) this.host.warn(`web seed ${seed.url}: ${text}; retrying in ${Math.round(delay / 1000)} s`);
    seed.lastError = text;
    return delay;
  }

  /** Whether the block's piece is still being fetched (not done, dropped or being verified). */
  private live(p: BlockPick): boolean {
    return this.host.picker.inFlight.get(p.piece.index) === p.piece && !p.piece.verifying;
  }

  private async fetchRun(seed: WebSeed, run: Run<BlockPick>, undelivered: Set<BlockPick>, claim: BlockClaim, progress: JobProgress): Promise<void> {
    const writer = new RunWriter(
      run.items,
      (p) => this.live(p) && !p.piece.hasArrived(p.block),
      (p, staged) => {
        undelivered.delete(p);
        seed.settled(p.piece.index, p.block);
        seed.meter.add(p.length);
        this.downloadedBytes += p.length;
        if (this.live(p)) this.host.blockDone(seed, p.piece, p.block, p.length, staged);
        else if (staged) this.host.picker.buffers.give(staged);
      },
      (length) => this.host.picker.buffers.take(length),
    );
    const parts =
      seed.kind === 'url'
        ? planFileRanges(this.host.files, run.start, run.length)
        : planPieceRanges(this.host.pieceLength, this.host.totalLength, run.start, run.length);
    for (const part of parts) {
      if (seed.signal.aborted) throw new WebSeedError('aborted', 'stopped');
      if (part.zeros) {
        writer.zeros(part.length);
        continue;
      }
      // A request that fails after this job made progress is resumed where its bytes stopped
      // (after the back-off), so a server that fails now and then still gets every block out;
      // one that fails without any progress gives its blocks back to the picker.
      for (let done = 0; ; ) {
        const before = writer.received;
        try {
          await fetchRange(this.request(seed, part, done), (chunk) => {
            // Bytes again (also on the request after a back-off): the blocks are ours again first.
            if (claim.released) this.retake(seed, claim);
            progress.bytes += chunk.length;
            writer.push(chunk);
          }, this.fetchContext(seed, claim));
          seed.backoff.succeeded();
          break;
        } catch (err) {
          done += writer.received - before;
          if ((err instanceof WebSeedError && err.kind === 'aborted') || progress.bytes === progress.atLastFailure) throw err;
          progress.atLastFailure = progress.bytes;
          // Nothing comes while we wait out the back-off: others may fetch these blocks meanwhile.
          this.letGo(seed, claim);
          await abortableSleep(this.failed(seed, err), seed.signal);
        }
      }
    }
  }

  /** The HTTP request for `part` of a run, from its byte `done` on. */
  private request(seed: WebSeed, part: RangePart, done: number): RangeRequest {
    const start = part.targetOffset + done;
    const length = part.length - done;
    if (seed.kind === 'http-seed') {
      return { url: httpSeedUrl(seed.url, this.host.infoHash, part.target, start, start + length), start, length, rangeInUrl: true, resourceLength: null };
    }
    const file = this.host.files[part.target]!;
    return { url: fileUrl(seed.url, this.host.multiFile, file.pathElements), start, length, rangeInUrl: false, resourceLength: file.length };
  }

  private fetchContext(seed: WebSeed, claim: BlockClaim): FetchContext {
    return {
      agents: seed.agents,
      limits: this.limits,
      signal: seed.signal,
      userAgent: this.userAgent,
      throttle: (bytes) => this.host.throttle(bytes),
      onSilence: (silent) => (silent ? this.letGo(seed, claim) : this.retake(seed, claim)),
    };
  }

  /** A job's server is silent: its blocks are free for others, and an idle seed may take them now. */
  private letGo(seed: WebSeed, claim: BlockClaim): void {
    if (!claim.released) seed.silent++;
    claim.release();
    this.schedulePump();
  }

  /** Bytes again from a job's server: its blocks are its own again. */
  private retake(seed: WebSeed, claim: BlockClaim): void {
    if (claim.released) seed.silent--;
    claim.retake();
  }

  /** Blocks a failed or stopped request did not deliver go back to the picker for anyone. */
  private giveBack(seed: WebSeed, undelivered: Set<BlockPick>, claim: BlockClaim): void {
    const { picker } = this.host;
    const pieces = new Set<PieceDownload>();
    for (const p of undelivered) {
      seed.settled(p.piece.index, p.block);
      if (!this.live(p)) continue;
      if (claim.holds(p)) p.piece.release(p.block);
      pieces.add(p.piece);
    }
    picker.disown(seed);
    for (const piece of pieces) picker.abandonIfUntouched(piece);
  }
}

/** Bytes a job received, and how many it had at its last failed request. */
interface JobProgress {
  bytes: number;
  atLastFailure: number;
}

/** Resolves after `ms`, or rejects as aborted when the seed is stopped meanwhile. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new WebSeedError('aborted', 'stopped'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new WebSeedError('aborted', 'stopped'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
