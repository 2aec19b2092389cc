/** Why a web seed request failed; every kind backs the seed off (see Backoff). */
export type WebSeedFailureKind =
  | 'unavailable' // 503 (with or without Retry-After), 429
  | 'http-status' // 404, 500, … or a 3xx without a usable Location
  | 'wrong-length' // more or fewer bytes than asked, or a Content-Range that is not what we asked
  | 'redirect' // too many redirects, a loop, or a redirect to something other than http/https
  | 'timeout' // the whole request took longer than its bound
  | 'drip' // bytes came slower than the minimum rate
  | 'network' // refused, reset, DNS, TLS
  | 'aborted'; // we stopped it (pause, stop): not the server's fault

export class WebSeedError extends Error {
  constructor(
    readonly kind: WebSeedFailureKind,
    message: string,
    /** What the server asked us to wait (Retry-After, or a BEP 17 503 body), in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'WebSeedError';
  }
}
