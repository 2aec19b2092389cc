/** A block the remote asked us for. */
export interface UploadRequest {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** Requests we hold per peer at most (advertised as our `reqq`); libtorrent's default is 500 too. */
export const MAX_QUEUED_UPLOAD_REQUESTS = 500;

/**
 * The requests a peer sent us that we have not answered: bounded, first come first served.
 * A request is `waiting`, then `started` (its data is being read or waits for the rate
 * limit) until its block is handed to the socket. A cancel or a choke removes it in either
 * state; a started one then finds out when it finishes (`finish` returns false).
 *
 * `preparingBytes` counts the blocks taken and not yet finished, cancelled or not: with the
 * socket's own backlog it is what this peer makes us hold in memory.
 */
export class UploadQueue {
  private readonly waiting = new Map<number, UploadRequest>();
  private readonly started = new Map<number, UploadRequest>();
  private preparing = 0;
  private inProgress = 0;

  constructor(private readonly limit = MAX_QUEUED_UPLOAD_REQUESTS) {}

  /** Requests held (waiting or started). */
  get size(): number {
    return this.waiting.size + this.started.size;
  }

  get hasWaiting(): boolean {
    return this.waiting.size > 0;
  }

  /** Bytes of the requests taken by `next` and not finished yet. */
  get preparingBytes(): number {
    return this.preparing;
  }

  /** Requests taken by `next` whose work (read, rate wait) is not over, cancelled ones included. */
  get startedCount(): number {
    return this.inProgress;
  }

  /** Queues a request; false when the queue is full. A duplicate is accepted and kept once. */
  add(req: UploadRequest): boolean {
    const key = uploadKey(req.index, req.begin);
    if (this.waiting.has(key) || this.started.has(key)) return true;
    if (this.size >= this.limit) return false;
    this.waiting.set(key, req);
    return true;
  }

  /** Removes a request (the peer cancelled it); true when it was held. */
  cancel(index: number, begin: number): boolean {
    const key = uploadKey(index, begin);
    return this.waiting.delete(key) || this.started.delete(key);
  }

  /** Drops every request (we choked the peer); returns them, e.g. to reject each. */
  clear(): UploadRequest[] {
    const dropped = [...this.waiting.values(), ...this.started.values()];
    this.waiting.clear();
    this.started.clear();
    return dropped;
  }

  /** Takes the oldest waiting request and starts it; its bytes count as preparing until `finish`. */
  next(): UploadRequest | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [key, req] = first.value;
    this.waiting.delete(key);
    this.started.set(key, req);
    this.preparing += req.length;
    this.inProgress++;
    return req;
  }

  /**
   * A started request's work is over: the caller now writes its block to the socket or drops
   * it. True when it is still wanted (not cancelled, no choke meanwhile).
   */
  finish(req: UploadRequest): boolean {
    this.inProgress--;
    this.preparing -= req.length;
    return this.started.delete(uploadKey(req.index, req.begin));
  }
}

/** Key for a peer's request to us: pieces < 2^21 and offsets < 2^29, so the product stays exact. */
function uploadKey(index: number, begin: number): number {
  return index * 2 ** 29 + begin;
}
