/**
 * Finds WebSocket clients that are gone without a word (a laptop closed, a phone off the
 * network): each tick pings every tab, and one that has answered nothing (no pong, no frame)
 * for `misses` ticks in a row is terminated. Without it such a connection lasted for ever on a
 * quiet host (nothing written to it, so TCP never noticed) and held one of the 32 tab places:
 * enough of them locked the UI out (503) until a restart.
 * A tab whose frames the host is not reading (its requests wait: request-window.ts) is not
 * counted against: its pongs are not read either. Its unsent replies make TCP find a dead peer.
 */
export interface HeartbeatSocket {
  readonly isPaused: boolean;
  ping(): void;
  terminate(): void;
}

export class Heartbeat<S extends HeartbeatSocket> {
  /** Ticks each tab has gone without a sign of life. */
  private readonly silent = new Map<S, number>();

  constructor(private readonly misses: number) {}

  track(socket: S): void {
    this.silent.set(socket, 0);
  }

  /** A pong or a frame came from it. */
  seen(socket: S): void {
    if (this.silent.has(socket)) this.silent.set(socket, 0);
  }

  forget(socket: S): void {
    this.silent.delete(socket);
  }

  tick(): void {
    for (const [socket, count] of [...this.silent]) {
      if (socket.isPaused) {
        this.silent.set(socket, 0);
        continue;
      }
      if (count >= this.misses) {
        this.silent.delete(socket);
        socket.terminate();
        continue;
      }
      this.silent.set(socket, count + 1);
      try {
        socket.ping();
      } catch {
        // Closing already: its close event forgets it.
      }
    }
  }
}
