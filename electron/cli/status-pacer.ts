/**
 * When a status line goes to a file or a pipe (`tessera seed > log`, `| cat`), there is no
 * terminal line to redraw: the once-a-second line became a new line every second, 3,600 an
 * hour of the same text. aria2c prints its summary every 60 s when not on a terminal; we print
 * a line when something the reader cares about changed (the state, the peers, a tenth of the
 * download: the caller's `key`), at most once every MIN_GAP_MS, and otherwise at most every
 * HEARTBEAT_MS, and only when the line reads differently (an idle seed prints nothing more).
 */
export const MIN_GAP_MS = 10_000;
export const HEARTBEAT_MS = 60_000;

export class StatusPacer {
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastKey: string | null = null;
  private lastLine: string | null = null;

  constructor(
    private readonly minGapMs = MIN_GAP_MS,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  /** Whether to print `line` now; when true, it counts as printed. */
  due(now: number, key: string, line: string): boolean {
    const since = now - this.lastAt;
    const changed = this.lastKey === null || (key !== this.lastKey && since >= this.minGapMs);
    const heartbeat = since >= this.heartbeatMs && line !== this.lastLine;
    if (!changed && !heartbeat) return false;
    this.lastAt = now;
    this.lastKey = key;
    this.lastLine = line;
    return true;
  }
}

/**
 * `--json` status objects: one per line, machine-readable, but only when one of its fields
 * changed (sampled once a second by the caller), so an idle seed writes nothing more.
 */
export class ChangeFilter {
  private last: string | null = null;

  /** Whether `text` differs from the last one let through; when true, it counts as printed. */
  changed(text: string): boolean {
    if (text === this.last) return false;
    this.last = text;
    return true;
  }
}
