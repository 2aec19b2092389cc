/**
 * When a failing web seed may be asked again: the delay doubles with each failure in a row
 * (1 s, 2 s, 4 s … up to 5 minutes) and a success resets it. A server's Retry-After is
 * honoured when it asks for longer (bounded: a stranger cannot park the seed for a year).
 */
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 5 * 60_000;
/** The longest Retry-After we honour. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

export class Backoff {
  /** Failures since the last success. */
  failures = 0;
  /** Time (ms since the epoch) before which the seed is not asked. */
  notBefore = 0;

  constructor(
    private readonly firstMs = FIRST_RETRY_MS,
    private readonly maxMs = MAX_RETRY_MS,
  ) {}

  /** A request failed at `now`; `retryAfterMs` is what the server asked for, if anything. Returns the delay. */
  failed(now: number, retryAfterMs: number | null = null): number {
    this.failures++;
    const grown = Math.min(this.maxMs, this.firstMs * 2 ** Math.min(this.failures - 1, 30));
    const asked = retryAfterMs === null ? 0 : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, retryAfterMs));
    const delay = Math.max(grown, asked);
    this.notBefore = now + delay;
    return delay;
  }

  succeeded(): void {
    this.failures = 0;
    this.notBefore = 0;
  }

  ready(now: number): boolean {
    return now >= this.notBefore;
  }
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
