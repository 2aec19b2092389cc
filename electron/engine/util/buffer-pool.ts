import { AlignedSlabs, PAGE_BYTES } from './aligned-slabs.js';
import { LazyMap, LazyWeakSet } from './lazy-collections.js';

/** Buffers of at most this many bytes (16 and 32 KiB pieces) are cut from shared slabs. */
export const SHARED_SLICE_MAX = 32 * 1024;
/** One slab's size: 64 pieces of 16 KiB. */
const SLAB_BYTES = 1024 * 1024;
/** Larger buffers up to this size (pieces kept in memory, see STAGED_PIECE_ABOVE) are page-aligned when they can be. */
const ALIGNED_PIECE_MAX = 8 * 1024 * 1024;
/**
 * Page-aligned memory per pool, at most: the pieces in flight (64 MiB, see MAX_IN_FLIGHT_BYTES)
 * and those waiting for the disk fit; past it, buffers are plain.
 */
const MAX_ALIGNED_BYTES = 128 * 1024 * 1024;
/**
 * Slices start on a page, so a disk thread writes them as they are (see AlignedSlabs); only a
 * torrent's shorter last piece leaves a gap.
 */
const SLICE_ALIGN = PAGE_BYTES;

/**
 * Recycles piece-sized buffers. Without it a 1 GiB download allocates 1 GiB of
 * short-lived external memory, which is what makes V8 run full GCs and pushes the
 * resident set up; with it, memory stays at (pieces in flight × piece length).
 *
 * Buffers live in page-aligned shared memory (AlignedSlabs), which a disk thread hashes and
 * writes where it is: small ones are cut from 1 MiB slabs, larger ones each have a slab of
 * their own. Write into them with `copyInto`. That memory is never given back, only reused
 * through the free lists (a buffer of it is always taken back), so it holds no more than the
 * most buffers ever out at once, plus one small slab being carved, up to MAX_ALIGNED_BYTES.
 * Past that, or without WebAssembly: small buffers from plain SharedArrayBuffer slabs (a disk
 * thread still uses them in place, through a staging copy), larger ones in memory of their own
 * (handed over to a disk thread and back), kept up to `maxRetainedBytes`.
 */
export class BufferPool {
  private readonly free = new LazyMap<number, Buffer[]>();
  private retained = 0;
  private readonly aligned = new AlignedSlabs(MAX_ALIGNED_BYTES);
  /** The aligned memory's buffers (one per growth of it): what is cut from them is always taken back. */
  private readonly alignedMemory = new LazyWeakSet<SharedArrayBuffer>();
  private slab: { buffer: SharedArrayBuffer; offset: number } | null = null;
  private slabUsed = 0;

  constructor(private readonly maxRetainedBytes = 64 * 1024 * 1024) {}

  take(length: number): Buffer {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      if (!this.isAligned(reused)) this.retained -= length;
      return reused;
    }
    if (length > 0 && length <= SHARED_SLICE_MAX) return this.cut(length);
    const slab = length <= ALIGNED_PIECE_MAX ? this.alignedSlab(length) : null;
    return slab ? Buffer.from(slab.buffer, slab.offset, length) : Buffer.allocUnsafeSlow(length);
  }

  /** Returns a buffer; the caller must hold no other reference to it. */
  give(buffer: Buffer): void {
    // Aligned memory is never freed: a buffer of it dropped here would be lost until the pool
    // goes, and the pool would carve more (a long download's memory growing towards the limit).
    const aligned = this.isAligned(buffer);
    if (!aligned && this.retained + buffer.length > this.maxRetainedBytes) return;
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    list.push(buffer);
    if (!aligned) this.retained += buffer.length;
  }

  private isAligned(buffer: Buffer): boolean {
    return buffer.buffer instanceof SharedArrayBuffer && this.alignedMemory.has(buffer.buffer);
  }

  private alignedSlab(bytes: number): { buffer: SharedArrayBuffer; offset: number } | null {
    const slab = this.aligned.take(bytes);
    if (slab) this.alignedMemory.add(slab.buffer);
    return slab;
  }

  private cut(length: number): Buffer {
    if (this.slab === null || this.slabUsed + length > SLAB_BYTES) {
      this.slab = this.alignedSlab(SLAB_BYTES) ?? { buffer: new SharedArrayBuffer(SLAB_BYTES), offset: 0 };
      this.slabUsed = 0;
    }
    const slice = Buffer.from(this.slab.buffer, this.slab.offset + this.slabUsed, length);
    this.slabUsed += Math.ceil(length / SLICE_ALIGN) * SLICE_ALIGN;
    return slice;
  }
}

/**
 * Copies `source` into `target` from `at` (truncated at the target's end, like Buffer#copy).
 * Into shared memory through Buffer#fill, which is a plain memcpy: Buffer#copy and
 * TypedArray#set copy into a SharedArrayBuffer word by word, as atomics, 2–3× slower
 * (measured here: 1.24 µs per 16 KiB against 0.52 µs into a plain buffer or through fill).
 */
export function copyInto(target: Buffer, at: number, source: Uint8Array): void {
  const length = Math.min(source.length, target.length - at);
  if (length <= 0) return;
  if (target.buffer instanceof SharedArrayBuffer) target.fill(length === source.length ? source : source.subarray(0, length), at, at + length);
  else target.set(length === source.length ? source : source.subarray(0, length), at);
}
