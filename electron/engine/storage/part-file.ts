import fs from 'node:fs';
import path from 'node:path';
import { openInside } from './safe-open.js';
import { LazyMap } from '../util/lazy-collections.js';

const MAGIC = Buffer.from('TSPARTS1', 'latin1');
/** Magic, piece length (u32 BE), piece count (u32 BE). */
const HEADER_BYTES = 16;
const ENTRY_BYTES = 4;
const ALIGN = 4096;

/**
 * Verified pieces that have bytes in files which are not on disk (skipped, never created),
 * like libtorrent's `.<info-hash>.parts`: one slot per piece, holding the whole piece, so
 * the piece can still be served, re-checked after a restart, and moved into its files when
 * they are wanted again.
 *
 * Layout: the header (`TSPARTS1`, piece length, piece count), then a table of one u32 per
 * possible slot (piece count entries; entry s = 1 + the piece in slot s, 0 = free), then the
 * slots, `pieceLength` bytes each, from the table's end rounded up to 4 KiB. The file is
 * sparse: a fresh table reads as all free.
 *
 * Crash safety (kill -9 at any moment): a slot's bytes are written before its table entry
 * names the piece, and an entry is cleared before its slot is written again, so an entry
 * never names bytes that were not completely written. Each entry update is one 4-byte
 * positional write. A file whose header does not match this torrent is ignored (and started
 * afresh on the next write).
 *
 * Never opened through a symbolic link (a planted `.<info-hash>.parts -> /elsewhere` would
 * otherwise be truncated): see safe-open.ts.
 *
 * Not safe for concurrent use: the caller runs one operation at a time (Storage does).
 */
export class PartFile {
  private fd: number | null = null;
  /** The header on disk is ours (the table is trustworthy). */
  private initialised = false;
  private loaded = false;
  private readonly slotOf = new LazyMap<number, number>();
  /**
   * Slots of pieces still being downloaded block by block (pieces too big to hold in memory:
   * see Storage.writeRange): their bytes go in as they arrive, and the table names them only
   * once the piece verified (`commit`), so a kill mid-piece leaves a free slot, never a torn piece.
   */
  private readonly stagedSlotOf = new LazyMap<number, number>();
  private readonly dataStart: number;

  constructor(
    readonly filePath: string,
    readonly pieceLength: number,
    readonly pieceCount: number,
    /** The folder it lives under (the save folder): no link below it is followed. */
    private readonly root: string = path.dirname(filePath),
  ) {
    this.dataStart = Math.ceil((HEADER_BYTES + ENTRY_BYTES * pieceCount) / ALIGN) * ALIGN;
  }

  /** Pieces held, in no particular order. Call `load()` first. */
  pieces(): number[] {
    return [...this.slotOf.keys()];
  }

  has(piece: number): boolean {
    return this.slotOf.has(piece);
  }

  get count(): number {
    return this.slotOf.size;
  }

  /** Reads the table if the file exists (once: from then on this object is its only writer). A foreign or damaged file holds nothing. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.slotOf.clear();
    this.initialised = false;
    if (!(await this.openExisting())) {
      this.loaded = true;
      return;
    }
    const table = Buffer.alloc(HEADER_BYTES + ENTRY_BYTES * this.pieceCount);
    const got = await readAt(this.fd!, table, 0, table.length, 0);
    if (got >= HEADER_BYTES && this.headerMatches(table)) {
      this.initialised = true;
      const slots = Math.floor((got - HEADER_BYTES) / ENTRY_BYTES);
      for (let slot = 0; slot < slots; slot++) {
        const entry = table.readUInt32BE(HEADER_BYTES + slot * ENTRY_BYTES);
        const piece = entry - 1;
        // An entry out of range, or a second slot for a piece, is damage: ignore it.
        if (entry === 0 || piece >= this.pieceCount || this.slotOf.has(piece)) continue;
        this.slotOf.set(piece, slot);
      }
    }
    this.loaded = true;
  }

  /** Stores a verified piece (all its bytes), replacing any copy held. */
  async write(piece: number, data: Buffer): Promise<void> {
    this.checkPiece(piece, data.length);
    await this.load();
    await this.openForWrite();
    let slot = this.slotOf.get(piece);
    if (slot !== undefined) {
      // Unnamed first: a kill while the new bytes go in leaves a free slot, never a torn piece.
      await this.writeEntry(slot, 0);
      this.slotOf.delete(piece);
    } else {
      slot = this.freeSlot();
    }
    await writeAt(this.fd!, data, 0, data.length, this.dataStart + slot * this.pieceLength);
    await this.writeEntry(slot, piece + 1);
    this.slotOf.set(piece, slot);
  }

  /**
   * Writes `length` bytes of `data` from `dataOffset` at `pieceOffset` of a piece not verified
   * yet, into a slot the table does not name (a copy held of the piece is unnamed first).
   */
  async stage(piece: number, pieceOffset: number, data: Buffer, dataOffset: number, length: number): Promise<void> {
    this.checkPiece(piece, 0);
    if (pieceOffset < 0 || length < 0 || pieceOffset + length > this.pieceLength) throw new RangeError(`write of ${length} bytes at ${pieceOffset} is outside a piece`);
    await this.load();
    await this.openForWrite();
    let slot = this.stagedSlotOf.get(piece);
    if (slot === undefined) {
      slot = this.slotOf.get(piece);
      if (slot !== undefined) {
        await this.writeEntry(slot, 0);
        this.slotOf.delete(piece);
      } else {
        slot = this.freeSlot();
      }
      this.stagedSlotOf.set(piece, slot);
    }
    await writeAt(this.fd!, data, dataOffset, length, this.dataStart + slot * this.pieceLength + pieceOffset);
  }

  /** The staged piece verified: the table names its slot from now on. */
  async commit(piece: number): Promise<void> {
    const slot = this.stagedSlotOf.get(piece);
    if (slot === undefined) return;
    // Closed meanwhile (closing keeps what the file holds, staged slots too): reopened.
    await this.openForWrite();
    await this.writeEntry(slot, piece + 1);
    this.stagedSlotOf.delete(piece);
    this.slotOf.set(piece, slot);
  }

  /** Forgets a staged piece's slot (it failed, or none of it belongs here any more). */
  async unstage(piece: number): Promise<void> {
    if (!this.stagedSlotOf.delete(piece)) return;
    if (this.slotOf.size === 0 && this.stagedSlotOf.size === 0) await this.remove();
  }

  /** Reads `length` bytes at `pieceOffset` of a held (or staged) piece into `into` at `intoOffset`. */
  async read(piece: number, into: Buffer, intoOffset: number, pieceOffset: number, length: number): Promise<void> {
    await this.load();
    const slot = this.slotOf.get(piece) ?? this.stagedSlotOf.get(piece);
    if (slot === undefined || !(await this.openExisting())) throw new Error(`piece ${piece} is not in the part file`);
    if (pieceOffset < 0 || length < 0 || pieceOffset + length > this.pieceLength) throw new RangeError(`read of ${length} bytes at ${pieceOffset} is outside a piece`);
    const got = await readAt(this.fd!, into, intoOffset, length, this.dataStart + slot * this.pieceLength + pieceOffset);
    if (got < length) throw new Error(`part file is shorter than it says (piece ${piece})`);
  }

  /** Forgets a piece; deletes the file once it holds nothing. */
  async free(piece: number): Promise<void> {
    await this.load();
    const slot = this.slotOf.get(piece);
    if (slot === undefined) return;
    await this.writeEntry(slot, 0);
    this.slotOf.delete(piece);
    if (this.slotOf.size === 0 && this.stagedSlotOf.size === 0) await this.remove();
  }

  /** Deletes the file (whatever it holds). */
  async remove(): Promise<void> {
    await this.close();
    await fs.promises.rm(this.filePath, { force: true });
    this.slotOf.clear();
    this.stagedSlotOf.clear();
    this.initialised = false;
    this.loaded = true;
  }

  /** Closes the descriptor (it reopens on next use; what the file holds stays known). */
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  }

  /** Opens the file if it exists; false if it does not. */
  private async openExisting(): Promise<boolean> {
    if (this.fd !== null) return true;
    try {
      this.fd = (await openInside(this.root, this.filePath, 'update')).fd;
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private headerMatches(header: Buffer): boolean {
    return header.subarray(0, 8).equals(MAGIC) && header.readUInt32BE(8) === this.pieceLength && header.readUInt32BE(12) === this.pieceCount;
  }

  private async openForWrite(): Promise<void> {
    if (this.fd === null) {
      await fs.promises.mkdir(this.root, { recursive: true });
      this.fd = (await openInside(this.root, this.filePath, 'write')).fd;
    }
    if (this.initialised) return;
    // Not ours (or new): start afresh. Truncating first drops a foreign table, so no stale entry survives.
    await new Promise<void>((resolve, reject) => fs.ftruncate(this.fd!, 0, (err) => (err ? reject(err) : resolve())));
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(this.pieceLength, 8);
    header.writeUInt32BE(this.pieceCount, 12);
    await writeAt(this.fd, header, 0, header.length, 0);
    this.slotOf.clear();
    this.initialised = true;
  }

  private freeSlot(): number {
    const used = new Set([...this.slotOf.values(), ...this.stagedSlotOf.values()]);
    let slot = 0;
    while (used.has(slot)) slot++;
    return slot;
  }

  private async writeEntry(slot: number, value: number): Promise<void> {
    const entry = Buffer.alloc(ENTRY_BYTES);
    entry.writeUInt32BE(value, 0);
    await writeAt(this.fd!, entry, 0, ENTRY_BYTES, HEADER_BYTES + slot * ENTRY_BYTES);
  }

  private checkPiece(piece: number, length: number): void {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount) throw new RangeError(`piece ${piece} of ${this.pieceCount}`);
    if (length > this.pieceLength) throw new RangeError(`${length} bytes do not fit a ${this.pieceLength}-byte slot`);
  }
}

async function writeAt(fd: number, data: Buffer, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    done += await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, offset + done, length - done, position + done, (err, written) => (err ? reject(err) : resolve(written))),
    );
  }
}

/** Reads up to `length` bytes; fewer only at the end of the file. */
async function readAt(fd: number, into: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const got = await new Promise<number>((resolve, reject) =>
      fs.read(fd, into, offset + done, length - done, position + done, (err, n) => (err ? reject(err) : resolve(n))),
    );
    if (got === 0) break;
    done += got;
  }
  return done;
}
