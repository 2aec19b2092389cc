import { AlignedSlabs, PAGE_BYTES, type Slab } from './aligned-slabs.js';

/** Buffers of at most this many bytes (16 and 32 KiB pieces) are cut from shared slabs. */
export const SHARED_SLICE_MAX = 32 * 1024;
/** One slab's size: 64 pieces of 16 KiB. */
const SLAB_BYTES = 1024 * 1024;
/**
 * Page-aligned slab memory per pool, at most: the pieces in flight (64 MiB, see
 * MAX_IN_FLIGHT_BYTES) and those waiting for the disk fit; past it, slabs are plain.
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
 * Small buffers are slices of SharedArrayBuffer slabs: a disk thread hashes and writes them in
 * place, where a small piece of its own memory would have to be copied into a staging buffer
 * (handing each over costs more than copying it; see DiskWorkers). Write into them with
 * `copyInto`. Slices are carved in order and only ever reused through the free lists, so the
 * slabs hold no more than the most buffers ever out at once, plus one slab being carved.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private retained = 0;
  private readonly slabs = new AlignedSlabs(SLAB_BYTES, MAX_ALIGNED_BYTES);
  private slab: Slab | null = null;
  private slabUsed = 0;

  constructor(private readonly maxRetainedBytes = 64 * 1024 * 1024) {}

  take(length: number): Buffer {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.retained -= length;
      return reused;
    }
    return length > 0 && length <= SHARED_SLICE_MAX ? this.cut(length) : Buffer.allocUnsafeSlow(length);
  }

  /** Returns a buffer; the caller must hold no other reference to it. */
  give(buffer: Buffer): void {
    if (this.retained + buffer.length > this.maxRetainedBytes) return;
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    list.push(buffer);
    this.retained += buffer.length;
  }

  private cut(length: number): Buffer {
    if (this.slab === null || this.slabUsed + length > SLAB_BYTES) {
      this.slab = this.slabs.next();
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
