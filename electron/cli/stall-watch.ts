/**
 * `tessera download --verbose`: notices a download that makes no progress (no payload byte
 * received, no piece verified) for STALL_MS and says why, with the engine's health diagnosis.
 * Says it again every STALL_MS while the stall lasts, so a long stall shows how causes change.
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

  constructor(now: number, private readonly stallMs = STALL_MS) {
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
      return false;
    }
    if (now < this.nextReportAt) return false;
    this.nextReportAt = now + this.stallMs;
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
