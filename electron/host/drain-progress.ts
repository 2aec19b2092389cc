/**
 * Whether a tab takes what the host sends it. A tab that stops reading its socket (a hung
 * page, a client that fires requests and never reads) used to be judged by nothing but the
 * bound on its queue: once its requests filled the request window its frames were no longer
 * read, the heartbeat skipped it (its pongs wait unread), and on a quiet host it held its tab
 * place and up to its part of the queue (with one tab 256 MiB and the largest reply: +440 MiB
 * RSS measured) for good. So the heartbeat also looks, each tick, at whether anything it was
 * sent has left since the last tick (as nginx's send_timeout: no progress for a while ends the
 * connection, however slow the progress is).
 *
 * "Left" is what the kernel took: a write the socket finished (counted by `wrote`), or bytes
 * of the write under way (libuv writes a large one in parts while the reader drains: a 64 MiB
 * reply read slowly is one write for minutes). The kernel's own buffers lie between us and the
 * reader, so progress is seen in steps of what they free at a time, seconds for a slow link.
 */

/** A tab's outgoing side as it is now. */
export interface Outgoing {
  /** Bytes handed to the socket that the kernel has not taken (the WebSocket's bufferedAmount). */
  readonly queued: number;
  /** Of the write under way, the bytes the kernel has not taken yet; 0 when none. */
  readonly inWrite: number;
}

/** Since the last look: nothing waits for the tab, some of it left, or nothing left. */
export type Drain = 'idle' | 'moving' | 'stuck';

export class DrainProgress {
  private writes = 0;
  private last: { writes: number; queued: number; inWrite: number } | null = null;

  /** One of the tab's writes was taken by the kernel in full. */
  wrote(): void {
    this.writes++;
  }

  /** Looked at once a heartbeat tick. */
  sample(now: Outgoing): Drain {
    const last = this.last;
    this.last = now.queued > 0 ? { writes: this.writes, queued: now.queued, inWrite: now.inWrite } : null;
    if (now.queued <= 0) return 'idle';
    // Queued since the last look (or first looked at): it has not had a whole tick yet.
    if (last === null) return 'moving';
    // Only a finished write lowers `queued`; control frames the library writes itself (close,
    // pongs to the tab's pings) are not counted by `wrote` but show there.
    const moved = this.writes !== last.writes || now.inWrite < last.inWrite || now.queued < last.queued;
    return moved ? 'moving' : 'stuck';
  }
}

/**
 * Of `socket`'s write under way, the bytes the kernel has not taken: libuv's write queue, the
 * figure Node's own socket timeout watches to tell a large write in progress from a stalled one
 * (net.js `_onTimeout`). Not public API: where it is missing the count is 0 and progress is seen
 * only as whole writes finish. Over TLS, pass the TCP socket beneath: the TLS layer's figure
 * does not move until its write is done.
 */
export function unsentOfWrite(socket: object): number {
  const handle = (socket as { _handle?: { writeQueueSize?: unknown } | null })._handle;
  const size = handle?.writeQueueSize;
  return typeof size === 'number' && size > 0 ? size : 0;
}
