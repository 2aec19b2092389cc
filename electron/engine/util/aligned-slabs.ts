/** The alignment a disk thread needs to write memory straight to disk (O_DIRECT): a page. */
export const PAGE_BYTES = 4096;
/** WebAssembly memory grows in pages of this size. */
const WASM_PAGE_BYTES = 64 * 1024;

/** A slab: `bytes` of shared memory from `offset` in `buffer`. */
export interface Slab {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
  /** True when the slab starts on a page in memory (see AlignedSlabs). */
  readonly aligned: boolean;
}

/**
 * Shared memory for piece buffers, page-aligned where the runtime offers it. Why: a disk thread
 * writes pieces past the page cache (O_DIRECT), which takes memory that starts on a page; a
 * SharedArrayBuffer is allocated by malloc, 16 bytes past one, so every such write first copied
 * the pieces into an aligned staging buffer — the second copy of every downloaded byte, ~7% of
 * a small-piece download's CPU. A shared WebAssembly memory is mapped page by page (V8 reserves
 * its address space up front, which costs no memory), so pieces cut from it at page multiples
 * are written where they are. Slabs are carved in order and never given back: the pool that
 * owns this keeps and reuses its buffers, and the memory goes with the pool. Past `maxBytes`,
 * or where there is no WebAssembly (`--jitless`), slabs are plain SharedArrayBuffers.
 */
export class AlignedSlabs {
  /** undefined until the first slab; null once WebAssembly memory cannot be had. */
  private memory: WebAssembly.Memory | null | undefined = undefined;
  private used = 0;

  constructor(
    /** Each slab's size: a multiple of 64 KiB. */
    private readonly slabBytes: number,
    private readonly maxBytes: number,
  ) {
    if (slabBytes % WASM_PAGE_BYTES !== 0 || maxBytes % slabBytes !== 0) throw new RangeError('slabs are whole WebAssembly pages and fill maxBytes');
  }

  next(): Slab {
    const memory = this.alignedMemory();
    if (memory !== null && this.used + this.slabBytes <= this.maxBytes) {
      try {
        const missing = this.used + this.slabBytes - memory.buffer.byteLength;
        if (missing > 0) memory.grow(missing / WASM_PAGE_BYTES);
        const buffer: unknown = memory.buffer;
        // (Typed as ArrayBuffer; a shared memory's is a SharedArrayBuffer.)
        if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('not shared memory');
        const slab = { buffer, offset: this.used, aligned: true };
        this.used += this.slabBytes;
        return slab;
      } catch {
        // Out of address space or memory: plain slabs from here on.
        this.memory = null;
      }
    }
    return { buffer: new SharedArrayBuffer(this.slabBytes), offset: 0, aligned: false };
  }

  private alignedMemory(): WebAssembly.Memory | null {
    if (this.memory === undefined) {
      try {
        const pages = this.slabBytes / WASM_PAGE_BYTES;
        this.memory = new WebAssembly.Memory({ initial: pages, maximum: this.maxBytes / WASM_PAGE_BYTES, shared: true });
      } catch {
        this.memory = null;
      }
    }
    return this.memory;
  }
}
