/**
 * Round-trip time and the retransmission timeout (RFC 6298, as libutp: rto = rtt + 4·rttvar,
 * at least MIN_RTO). Samples come only from packets sent once (Karn's rule).
 */
export const MIN_RTO_MS = 1000;
export const INITIAL_RTO_MS = 1000;
export const MAX_RTO_MS = 60_000;

export class RttEstimator {
  rtt = 0;
  rttVar = 0;
  private hasSample = false;

  sample(ms: number): void {
    const m = Math.max(0, ms);
    if (!this.hasSample) {
      this.rtt = m;
      this.rttVar = m / 2;
      this.hasSample = true;
      return;
    }
    this.rttVar += (Math.abs(this.rtt - m) - this.rttVar) / 4;
    this.rtt += (m - this.rtt) / 8;
  }

  get rto(): number {
    if (!this.hasSample) return INITIAL_RTO_MS;
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.rtt + 4 * this.rttVar));
  }
}
