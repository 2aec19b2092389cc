/**
 * Finds WebSocket clients that are gone without a word (a laptop closed, a phone off the
 * network) or that stopped reading: each tick pings every tab, and one that has answered
 * nothing (no pong, no frame) for `misses` ticks in a row is terminated. Without it such a
 * connection lasted for ever on a quiet host (nothing written to it, so TCP never noticed) and
 * held one of the 32 tab places: enough of them locked the UI out (503) until a restart.
 *
 * A tab with something queued for it is also judged by whether it takes it (drain-progress.ts):
 * nothing of it left for `misses` ticks in a row and it is terminated, paused or not, whatever
 * frames it sends meanwhile; some of it left and its silence is not counted, since our ping
 * waits behind that queue (a slow link reading a large reply must not be cut). A tab whose frames the
 * host is not reading (its requests wait: request-window.ts) is not counted against for its
 * silence — its pongs are not read either — but, paused because its replies do not leave, it is
 * judged by those. Paused with nothing queued it waits on the host's own commands, whose
 * replies then judge it.
 */
import type { Drain } from './drain-progress.js';

export interface HeartbeatSocket {
  readonly isPaused: boolean;
  ping(): void;
  /** `silent`: answered no ping; `stuck`: took nothing of what was queued for it. */
  terminate(reason: 'silent' | 'stuck'): void;
  /** Its outgoing side since the last tick (DrainProgress.sample); called once a tick. */
  drain(): Drain;
}

interface Watch {
  /** Ticks without a sign of life (pong, frame) while our ping could have reached it. */
  silent: number;
  /** Ticks in a row with something queued for it and nothing of it gone. */
  stuck: number;
}

export class Heartbeat<S extends HeartbeatSocket> {
  private readonly tabs = new Map<S, Watch>();

  constructor(private readonly misses: number) {}

  track(socket: S): void {
    this.tabs.set(socket, { silent: 0, stuck: 0 });
  }

  /** A pong or a frame came from it. */
  seen(socket: S): void {
    const watch = this.tabs.get(socket);
    if (watch) watch.silent = 0;
  }

  forget(socket: S): void {
    this.tabs.delete(socket);
  }

  tick(): void {
    for (const [socket, watch] of [...this.tabs]) {
      const drain = socket.drain();
      watch.stuck = drain === 'stuck' ? watch.stuck + 1 : 0;
      if (watch.stuck >= this.misses) {
        this.tabs.delete(socket);
        socket.terminate('stuck');
        continue;
      }
      if (socket.isPaused) {
        watch.silent = 0;
        continue;
      }
      // Our last ping may still wait behind what is queued for it: its silence does not count
      // (nor is its queue moving a sign of life: the kernel takes bytes for a peer that is gone,
      // until its buffers are full; then it is stuck).
      if (drain !== 'idle') continue;
      if (watch.silent >= this.misses) {
        this.tabs.delete(socket);
        socket.terminate('silent');
        continue;
      }
      watch.silent++;
      try {
        socket.ping();
      } catch {
        // Closing already: its close event forgets it.
      }
    }
  }
}
