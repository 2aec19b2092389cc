/**
 * Whole pieces read for upload, least-recently-used, bounded in bytes. Peers ask for
 * 16 KiB blocks; reading the whole piece once serves all of its blocks from memory
 * (64 requests per read for 1 MiB pieces) instead of one disk read per request.
 *
 * The piece buffers are recycled: a fresh 1 MiB buffer per read costs page faults and a
 * munmap on every piece (measured: 3× the system time of reading into a reused buffer, and
 * most of the seeding process's garbage collection). A buffer goes back to the spare list
 * only once it has left the cache and every borrower has released it — a block handed to a
 * socket is released by the write's callback, after the kernel has copied it.
 *
 * Its budget is its torrent's part of a session-wide total (see ReadCacheShares): it joins
 * when it reads a piece, and a cache that served nothing for IDLE_MS leaves and drops every
 * piece and spare buffer, so an idle torrent holds nothing.
 */
import { ReadCacheShares, unshared } from './read-cache-shares.js';
import { LazyMap } from '../util/lazy-collections.js';

/** A cache that served nothing for this long gives its memory back (and its part of the total). */
export const IDLE_MS = 10_000;
export interface CachedPiece {
  readonly data: Buffer;
  /** Idempotent. Until it is called, the buffer is never reused. */
  release(): void;
}

interface Entry {
  readonly data: Promise<Buffer>;
  readonly size: number;
  /** The recyclable buffer the piece was read into (null when it failed or is not poolable). */
  slab: Buffer | null;
  pins: number;
  evicted: boolean;
  /** Evicted while borrowed: its size counts in `held` until the last borrower releases it. */
  held: boolean;
}

export class ReadCache {
  private readonly entries = new LazyMap<number, Entry>();
  private readonly spare: Buffer[] = [];
  private bytes = 0;
  private heldBytes = 0;
  private readonly shares: ReadCacheShares;
  /** Leaves the shares; null while not counted (idle). */
  private leave: (() => void) | null = null;
  private usedSinceCheck = false;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param budget    the session's shares, or a fixed budget for this cache alone
   * @param slabSize  size of the recycled buffers (the torrent's piece length); 0 = no recycling
   */
  constructor(
    budget: ReadCacheShares | number = 16 * 1024 * 1024,
    private readonly slabSize = 0,
  ) {
    this.shares = typeof budget === 'number' ? unshared(budget) : budget;
  }

  /** Bytes of pieces this cache may hold now (held beyond it, and spares, as much again each). */
  get maxBytes(): number {
    return this.shares.share;
  }

  /** Counted in the session's shares (it served something within IDLE_MS). */
  get active(): boolean {
    return this.leave !== null;
  }

  /** Bytes of pieces in the cache. */
  get cachedBytes(): number {
    return this.bytes;
  }

  /** The piece's bytes, read with `load` into the buffer it is given when not cached. */
  async borrow(index: number, size: number, load: (into: Buffer) => Promise<Buffer>): Promise<CachedPiece> {
    this.touch();
    const entry = this.lookup(index, size, load);
    entry.pins++;
    let data: Buffer;
    try {
      data = await entry.data;
    } catch (err) {
      entry.pins--;
      this.unhold(entry);
      throw err;
    }
    let released = false;
    return {
      data,
      release: () => {
        if (released) return;
        released = true;
        entry.pins--;
        this.unhold(entry);
        this.recycle(entry);
      },
    };
  }

  /**
   * Bytes of pieces that left the cache but are still borrowed — blocks of them wait in the
   * sockets of peers that do not read. They are memory the cache's budget no longer bounds: a
   * peer asking for one block of each piece and reading nothing would pin a whole piece per
   * 16 KiB block. Past the budget a borrower should copy its block and release the piece.
   */
  get heldBeyondCache(): number {
    return this.heldBytes;
  }

  /** Pieces held outside the cache come to more than its own budget (see heldBeyondCache). */
  get overHeld(): boolean {
    return this.heldBytes >= this.maxBytes;
  }

  /** Buffers waiting for reuse (for tests and diagnostics). */
  get spareCount(): number {
    return this.spare.length;
  }

  /** Leaves the shares and drops every piece and spare buffer; borrowed pieces go when released. */
  release(): void {
    this.leave?.();
    this.leave = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
    this.bytes = 0;
    this.spare.length = 0;
  }

  private touch(): void {
    this.usedSinceCheck = true;
    // A function made at each join (it is the member, until leave): none kept while idle.
    if (!this.leave) this.leave = this.shares.join(() => this.fitBudget());
    if (!this.idleTimer) this.scheduleIdleCheck();
  }

  private scheduleIdleCheck(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (!this.usedSinceCheck) return this.release();
      this.usedSinceCheck = false;
      this.scheduleIdleCheck();
    }, IDLE_MS);
    this.idleTimer.unref?.();
  }

  /** Another torrent joined and this one's part got smaller: give back what is over it now. */
  private fitBudget(): void {
    this.evict();
    this.trimSpares();
  }

  private trimSpares(): void {
    while (this.spare.length > 0 && !this.roomForSpare(this.spare.length - 1)) this.spare.pop();
  }

  /** Keep no more spares than the cache could hold at once (none while idle). */
  private roomForSpare(spares: number): boolean {
    return this.leave !== null && spares * this.slabSize < this.maxBytes + this.slabSize;
  }

  private lookup(index: number, size: number, load: (into: Buffer) => Promise<Buffer>): Entry {
    const hit = this.entries.get(index);
    if (hit) {
      this.entries.delete(index);
      this.entries.set(index, hit);
      return hit;
    }
    const slab = size <= this.slabSize ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(this.slabSize)) : null;
    const into = slab ? slab.subarray(0, size) : Buffer.allocUnsafeSlow(size);
    const entry: Entry = { data: load(into), size, slab, pins: 0, evicted: false, held: false };
    this.entries.set(index, entry);
    this.bytes += size;
    // A failed read is not cached: the next request tries the disk again. Its buffer is not
    // reused either — a read of another segment may still be writing into it.
    entry.data.catch(() => {
      entry.slab = null;
      if (this.entries.get(index) === entry) {
        this.entries.delete(index);
        this.bytes -= entry.size;
      }
      entry.evicted = true;
    });
    this.evict();
    return entry;
  }

  private evict(): void {
    for (const [index, entry] of this.entries) {
      if (this.bytes <= this.maxBytes || this.entries.size <= 1) return;
      this.entries.delete(index);
      this.bytes -= entry.size;
      this.retire(entry);
    }
  }

  private retire(entry: Entry): void {
    entry.evicted = true;
    if (entry.pins > 0) {
      entry.held = true;
      this.heldBytes += entry.size;
    }
    // A piece still being read cannot be recycled yet: its read settles first.
    void entry.data.then(
      () => this.recycle(entry),
      () => undefined,
    );
  }

  private unhold(entry: Entry): void {
    if (!entry.held || entry.pins > 0) return;
    entry.held = false;
    this.heldBytes -= entry.size;
  }

  private recycle(entry: Entry): void {
    if (!entry.evicted || entry.pins > 0 || !entry.slab) return;
    const slab = entry.slab;
    entry.slab = null;
    if (this.roomForSpare(this.spare.length)) this.spare.push(slab);
  }
}
