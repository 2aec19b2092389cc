/**
 * Bounds the requests one WebSocket client has in flight: once `max` of them wait for their
 * reply to leave (a slow command, or a reply the client does not read), the host stops reading
 * that client's frames (TCP backpressure) until one is done. Without it a tab could queue any
 * number of commands: 200,000 `setSettings` frames sent in one second took 180 MiB and kept
 * every settings change, the user's own included, waiting ~16 minutes behind one save each.
 * Frames already read when the window fills are still served (at most one socket read's worth),
 * so nothing is lost: the client only waits.
 */
export class RequestWindow {
  private inFlight = 0;
  private paused = false;

  constructor(
    private readonly max: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** Requests read and not yet answered. */
  get size(): number {
    return this.inFlight;
  }

  /** A request was read. */
  begin(): void {
    this.inFlight++;
    if (!this.paused && this.inFlight >= this.max) {
      this.paused = true;
      this.pause();
    }
  }

  /** Its reply left (or the connection ended): frees a place. */
  end(): void {
    if (this.inFlight > 0) this.inFlight--;
    if (this.paused && this.inFlight < this.max) {
      this.paused = false;
      this.resume();
    }
  }
}
