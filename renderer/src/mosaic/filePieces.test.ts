import { describe, expect, it } from 'vitest';
import type { FileView } from '../../../shared/contract/index.js';
import { MISSING, VERIFIED } from '../grid/layout.js';
import { fileColumns, fileSpans, playableBytes } from './filePieces.js';

const file = (index: number, size: number): FileView => ({ index, path: `f${index}`, size, completedBytes: 0, progress: 0, priority: 1, pad: false });

describe('file pieces', () => {
  // Pieces of 100 bytes: f0 = bytes 0..249 (pieces 0-2), f1 = 250..549 (pieces 2-5), f2 empty, f3 = 550..599 (piece 5).
  const files = [file(0, 250), file(1, 300), file(2, 0), file(3, 50)];
  const spans = fileSpans(files, 100);

  it('lays the files end to end over the pieces', () => {
    expect(spans.get(0)).toEqual({ offset: 0, first: 0, end: 3 });
    expect(spans.get(1)).toEqual({ offset: 250, first: 2, end: 6 });
    expect(spans.get(2)).toEqual({ offset: 550, first: 5, end: 5 });
    expect(spans.get(3)).toEqual({ offset: 550, first: 5, end: 6 });
  });

  it('playable: the bytes from the file start up to the first piece not verified', () => {
    const state = Uint8Array.of(VERIFIED, VERIFIED, MISSING, VERIFIED, VERIFIED, VERIFIED);
    expect(playableBytes(files[0]!, spans.get(0)!, state, 100)).toBe(200);
    // f1 starts inside piece 2, which is missing: nothing plays yet, though most of it is there.
    expect(playableBytes(files[1]!, spans.get(1)!, state, 100)).toBe(0);
    expect(playableBytes(files[3]!, spans.get(3)!, state, 100)).toBe(50);
    state[2] = VERIFIED;
    expect(playableBytes(files[1]!, spans.get(1)!, state, 100)).toBe(300);
    expect(playableBytes(files[2]!, spans.get(2)!, state, 100)).toBe(0);
  });

  it('columns: the verified fraction of the file’s pieces, spread over the strip', () => {
    const state = Uint8Array.of(VERIFIED, MISSING, VERIFIED, VERIFIED, MISSING, MISSING);
    expect(Array.from(fileColumns(spans.get(0)!, state, 3))).toEqual([1, 0, 1]);
    expect(Array.from(fileColumns(spans.get(1)!, state, 2))).toEqual([1, 0]);
    expect(Array.from(fileColumns(spans.get(2)!, state, 2))).toEqual([0, 0]);
  });
});
