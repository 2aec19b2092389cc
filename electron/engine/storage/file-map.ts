/** The part of a torrent file that storage needs. */
export interface StorageFile {
  /** Relative, sanitized, '/'-separated. */
  path: string;
  length: number;
  /** Offset of the file's first byte in the torrent's concatenated payload. */
  offset: number;
  /** BEP 47 pad files are never written to disk; they read as zeros. */
  pad: boolean;
}

/** One contiguous run of a piece inside one file. */
export interface Segment {
  fileIndex: number;
  /** Position inside the file. */
  fileOffset: number;
  /** Position inside the piece (or the block being read/written). */
  bufferOffset: number;
  length: number;
}

/**
 * Maps byte ranges of the torrent (pieces, blocks) onto file segments.
 * Files are sorted by offset (they are, by construction); lookup is a binary search.
 */
export class FileMap {
  private readonly starts: Float64Array;

  constructor(readonly files: readonly StorageFile[], readonly pieceLength: number, readonly totalLength: number) {
    this.starts = Float64Array.from(files, (f) => f.offset);
  }

  /** Segments covering `length` bytes from absolute torrent offset `start`; zero-length files are skipped. */
  segments(start: number, length: number): Segment[] {
    const out: Segment[] = [];
    if (length <= 0) return out;
    let fileIndex = this.fileAt(start);
    let at = start;
    const end = Math.min(start + length, this.totalLength);
    while (at < end && fileIndex < this.files.length) {
      const file = this.files[fileIndex]!;
      const fileEnd = file.offset + file.length;
      if (file.length > 0 && at < fileEnd) {
        const take = Math.min(fileEnd, end) - at;
        out.push({ fileIndex, fileOffset: at - file.offset, bufferOffset: at - start, length: take });
        at += take;
      }
      fileIndex++;
    }
    return out;
  }

  get pieceCount(): number {
    return Math.ceil(this.totalLength / this.pieceLength);
  }

  /** Bytes in piece `index`: the piece length, less for the last piece. */
  pieceSize(index: number): number {
    return Math.min(this.pieceLength, this.totalLength - index * this.pieceLength);
  }

  pieceSegments(index: number, begin = 0, length = this.pieceLength): Segment[] {
    return this.segments(index * this.pieceLength + begin, length);
  }

  /** The pieces (inclusive range) a file's bytes live in; null for an empty file. */
  filePieces(fileIndex: number): [number, number] | null {
    const file = this.files[fileIndex];
    if (!file || file.length === 0) return null;
    return [Math.floor(file.offset / this.pieceLength), Math.floor((file.offset + file.length - 1) / this.pieceLength)];
  }

  /** Index of the last file starting at or before `offset` (the first with a byte at `offset` is found by skipping empties). */
  private fileAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    // Several files may start at the same offset (empty ones): step back to the first of them.
    while (lo > 0 && this.starts[lo - 1] === this.starts[lo]) lo--;
    return lo;
  }
}
