/** Shared buffers are cut from slabs of about this size (one buffer per slab when larger). */
const SLAB_BYTES = 1024 * 1024;

/**
 * Recycles piece-sized buffers. Without it a 1 GiB download allocates 1 GiB of
 * short-lived external memory, which is what makes V8 run full GCs and pushes the
 * resident set up; with it, memory stays at (pieces in flight × piece length).
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private retained = 0;
  /** Shared mode: the slab new buffers of each length are cut from, and how much of it is used. */
  private readonly slabs = new Map<number, { memory: SharedArrayBuffer; used: number }>();

  constructor(
    private readonly maxRetainedBytes = 64 * 1024 * 1024,
    /**
     * Cut buffers from SharedArrayBuffer slabs: a disk thread then reads them in place
     * (nothing transferred per piece, see DiskWorkers), and small buffers come many to an
     * allocation.
     */
    private readonly shared = false,
  ) {}

  take(length: number): Buffer {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.retained -= length;
      return reused;
    }
    return this.shared ? this.cut(length) : Buffer.allocUnsafeSlow(length);
  }

  private cut(length: number): Buffer {
    let slab = this.slabs.get(length);
    if (!slab || slab.used + length > slab.memory.byteLength) {
      const count = Math.max(1, Math.floor(SLAB_BYTES / Math.max(1, length)));
      this.slabs.set(length, (slab = { memory: new SharedArrayBuffer(count * length), used: 0 }));
    }
    const buffer = Buffer.from(slab.memory, slab.used, length);
    slab.used += length;
    return buffer;
  }

  /** Returns a buffer; the caller must hold no other reference to it. */
  give(buffer: Buffer): void {
    if (this.retained + buffer.length > this.maxRetainedBytes) return;
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    list.push(buffer);
    this.retained += buffer.length;
  }
}
