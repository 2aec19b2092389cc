/**
 * Whole pieces read for upload, least-recently-used, bounded in bytes. Peers ask for
 * 16 KiB blocks; reading the whole piece once serves all of its blocks from memory
 * (64 requests per read for 1 MiB pieces) instead of one disk read per request.
 */
export class ReadCache {
  private readonly entries = new Map<number, { data: Promise<Buffer>; size: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(index: number, size: number, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(index);
    if (hit) {
      this.entries.delete(index);
      this.entries.set(index, hit);
      return hit.data;
    }
    const data = load();
    const entry = { data, size };
    this.entries.set(index, entry);
    this.bytes += size;
    // A failed read is not cached: the next request tries the disk again.
    data.catch(() => this.drop(index, entry));
    this.evict();
    return data;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(index: number, entry: { size: number }): void {
    if (this.entries.get(index) !== entry) return;
    this.entries.delete(index);
    this.bytes -= entry.size;
  }

  private evict(): void {
    for (const [index, entry] of this.entries) {
      if (this.bytes <= this.maxBytes || this.entries.size <= 1) return;
      this.entries.delete(index);
      this.bytes -= entry.size;
    }
  }
}
