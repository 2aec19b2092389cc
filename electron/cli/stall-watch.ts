/**
 * `tessera download`: notices a download that makes no progress (no payload byte received, no
 * piece verified) for STALL_MS and says why, with the engine's health diagnosis. With --verbose
 * it says it again every STALL_MS while the stall lasts, so a long stall shows how causes
 * change; without, once per stall (a magnet with no peers used to wait at "fetching metadata"
 * without a word of why unless --verbose was given).
 */
export const STALL_MS = 30_000;

export interface ProgressFacts {
  downloaded: number;
  verifiedPieces: number;
}

export class StallWatch {
  private lastDownloaded = -1;
  private lastVerified = -1;
  /** When progress was last seen. */
  private progressAt: number;
  private nextReportAt: number;
  /** Reports made in the current stall. */
  private reports = 0;

  constructor(
    now: number,
    private readonly stallMs = STALL_MS,
    /** Reports per stall: Infinity with --verbose, else 1. */
    private readonly reportsPerStall = Number.POSITIVE_INFINITY,
  ) {
    this.progressAt = now;
    this.nextReportAt = now + stallMs;
  }

  /** True when it is time to explain a stall (the next report is due STALL_MS later). */
  check(now: number, facts: ProgressFacts): boolean {
    if (facts.downloaded !== this.lastDownloaded || facts.verifiedPieces !== this.lastVerified) {
      this.lastDownloaded = facts.downloaded;
      this.lastVerified = facts.verifiedPieces;
      this.progressAt = now;
      this.nextReportAt = now + this.stallMs;
      this.reports = 0;
      return false;
    }
    if (now < this.nextReportAt || this.reports >= this.reportsPerStall) return false;
    this.nextReportAt = now + this.stallMs;
    this.reports++;
    return true;
  }

  /** Milliseconds since progress was last seen. */
  quietFor(now: number): number {
    return now - this.progressAt;
  }
}

/** The lines printed for a stall: a heading, then one per cause. */
export function stallReport(seconds: number, diagnosis: readonly string[]): string {
  return [`tessera: no progress for ${Math.round(seconds)} s; why:`, ...diagnosis.map((line) => `  ${line}`)].join('\n') + '\n';
}
