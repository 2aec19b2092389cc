/** A block the remote asked us for. */
export interface UploadRequest {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** Requests we hold per peer at most (advertised as our `reqq`); libtorrent's default is 500 too. */
export const MAX_QUEUED_UPLOAD_REQUESTS = 500;
/**
 * Requests a peer may not make (while choked and not allowed fast, or invalid) that we refuse
 * since we last choked it, past which it is closed: an honest peer stops asking once choked, a
 * flood of such requests only makes us parse and reject them at line rate (libtorrent closes
 * such a peer too, "too many requests when choked", past twice its request queue).
 */
export const MAX_REFUSED_UPLOAD_REQUESTS = 2 * MAX_QUEUED_UPLOAD_REQUESTS;

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
  /** Waiting requests by key, and in arrival order as a doubly linked list (no allocation to take one). */
  private readonly waiting = new Map<number, Waiting>();
  private head: Waiting | null = null;
  private tail: Waiting | null = null;
  private readonly started = new Map<number, UploadRequest>();
  private preparing = 0;
  private inProgress = 0;
  private refused = 0;

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
  add(index: number, begin: number, length: number): boolean {
    const key = uploadKey(index, begin);
    if (this.waiting.has(key) || this.started.has(key)) return true;
    if (this.size >= this.limit) return false;
    const node: Waiting = { index, begin, length, key, prev: this.tail, next: null };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.waiting.set(key, node);
    return true;
  }

  /** Removes a request (the peer cancelled it); true when it was held. */
  cancel(index: number, begin: number): boolean {
    const key = uploadKey(index, begin);
    const node = this.waiting.get(key);
    if (node) {
      this.unlink(node);
      return true;
    }
    return this.started.delete(key);
  }

  /** Counts a request we refused; true while the peer stays within MAX_REFUSED_UPLOAD_REQUESTS. */
  refuse(): boolean {
    return ++this.refused <= MAX_REFUSED_UPLOAD_REQUESTS;
  }

  /** Drops every request (we choked the peer); returns them, e.g. to reject each. The refusals count anew. */
  clear(): UploadRequest[] {
    this.refused = 0;
    const dropped: UploadRequest[] = [...this.waiting.values(), ...this.started.values()];
    this.waiting.clear();
    this.head = this.tail = null;
    this.started.clear();
    return dropped;
  }

  /** Takes the oldest waiting request and starts it; its bytes count as preparing until `finish`. */
  next(): UploadRequest | undefined {
    const node = this.head;
    if (!node) return undefined;
    this.unlink(node);
    this.started.set(node.key, node);
    this.preparing += node.length;
    this.inProgress++;
    return node;
  }

  private unlink(node: Waiting): void {
    this.waiting.delete(node.key);
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
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

interface Waiting extends UploadRequest {
  readonly key: number;
  prev: Waiting | null;
  next: Waiting | null;
}

/** Key for a peer's request to us: pieces < 2^21 and offsets < 2^29, so the product stays exact. */
function uploadKey(index: number, begin: number): number {
  return index * 2 ** 29 + begin;
}
