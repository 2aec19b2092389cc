/** The alignment a disk thread needs to write memory straight to disk (O_DIRECT): a page. */
export const PAGE_BYTES = 4096;
/** WebAssembly memory grows in pages of this size; slabs are whole pages of it. */
export const WASM_PAGE_BYTES = 64 * 1024;
/**
 * WebAssembly memories alive at once, in the whole process. V8 reserves ~10 GiB of address space
 * for each (no memory: guard regions that spare it bounds checks), and a process has 128 TiB:
 * 10,000 torrents downloading at once must not each take one. Past this, pools use plain memory.
 */
export const MAX_ALIGNED_MEMORIES = 64;

let alignedMemories = 0;
const released = new FinalizationRegistry<null>(() => {
  alignedMemories--;
});

/** A slab: `bytes` of shared memory from `offset` in `buffer`, starting on a page. */
export interface Slab {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * Page-aligned shared memory for piece buffers. Why: a disk thread writes pieces past the page
 * cache (O_DIRECT), which takes memory that starts on a page; a SharedArrayBuffer or a Buffer
 * is allocated by malloc, 16 bytes past one, so every such write first copied the pieces into
 * an aligned staging buffer — a second copy of every downloaded byte. A shared WebAssembly
 * memory is mapped page by page, so pieces cut from it at page multiples are written where they
 * are. Slabs are carved in order and never given back: the pool that owns this keeps and reuses
 * its buffers, and the memory goes with the pool. `take` answers null past `maxBytes`, past
 * MAX_ALIGNED_MEMORIES in the process, or where there is no WebAssembly (`--jitless`).
 */
export class AlignedSlabs {
  /** undefined until the first slab; null once WebAssembly memory cannot be had. */
  private memory: WebAssembly.Memory | null | undefined = undefined;
  private used = 0;

  constructor(private readonly maxBytes: number) {
    if (maxBytes % WASM_PAGE_BYTES !== 0) throw new RangeError('the limit is whole WebAssembly pages');
  }

  /** A slab of at least `bytes` (rounded up to whole WebAssembly pages), or null. */
  take(bytes: number): Slab | null {
    const size = Math.ceil(bytes / WASM_PAGE_BYTES) * WASM_PAGE_BYTES;
    if (size <= 0 || this.used + size > this.maxBytes) return null;
    const memory = this.alignedMemory(size);
    if (memory === null) return null;
    try {
      const missing = this.used + size - memory.buffer.byteLength;
      if (missing > 0) memory.grow(missing / WASM_PAGE_BYTES);
      const buffer: unknown = memory.buffer;
      // (Typed as ArrayBuffer; a shared memory's is a SharedArrayBuffer.)
      if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('not shared memory');
      const slab = { buffer, offset: this.used, bytes: size };
      this.used += size;
      return slab;
    } catch {
      // Out of memory: none from here on.
      this.memory = null;
      return null;
    }
  }

  private alignedMemory(first: number): WebAssembly.Memory | null {
    if (this.memory !== undefined) return this.memory;
    this.memory = null;
    if (alignedMemories >= MAX_ALIGNED_MEMORIES) return null;
    try {
      this.memory = new WebAssembly.Memory({ initial: first / WASM_PAGE_BYTES, maximum: this.maxBytes / WASM_PAGE_BYTES, shared: true });
      alignedMemories++;
      released.register(this, null);
    } catch {
      this.memory = null;
    }
    return this.memory;
  }
}
