/**
 * Recycles piece-sized buffers. Without it a 1 GiB download allocates 1 GiB of
 * short-lived external memory, which is what makes V8 run full GCs and pushes the
 * resident set up; with it, memory stays at (pieces in flight × piece length).
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private retained = 0;

  constructor(private readonly maxRetainedBytes = 64 * 1024 * 1024) {}

  take(length: number): Buffer {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.retained -= length;
      return reused;
    }
    return Buffer.allocUnsafeSlow(length);
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
