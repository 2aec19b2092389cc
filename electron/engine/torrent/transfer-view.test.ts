import { describe, expect, it } from 'vitest';
import type { Metainfo } from '../metainfo/index.js';
import { PiecePicker } from '../picker/piece-picker.js';
import { FileMap } from '../storage/file-map.js';
import type { Storage } from '../storage/storage.js';
import { TransferView } from './transfer-view.js';

interface FileSpec {
  length: number;
  pad?: boolean;
}

/** A view over `files` in `pieceLength` pieces; only what TransferView reads is real. */
function viewOf(specs: FileSpec[], pieceLength: number): { view: TransferView; picker: PiecePicker; meta: Metainfo } {
  let offset = 0;
  const files = specs.map((f, i) => {
    const file = { path: `f${i}`, length: f.length, offset, pad: f.pad ?? false };
    offset += f.length;
    return file;
  });
  const pieceCount = Math.ceil(offset / pieceLength);
  const payloadLength = files.reduce((sum, f) => sum + (f.pad ? 0 : f.length), 0);
  const meta = { files, pieceLength, pieceCount, totalLength: offset, payloadLength } as unknown as Metainfo;
  const picker = new PiecePicker(pieceCount, pieceLength, offset - (pieceCount - 1) * pieceLength);
  const storage = { map: new FileMap(files, pieceLength, offset) } as unknown as Storage;
  const view = new TransferView(meta, picker, storage, files.map(() => 1), new Set());
  return { view, picker, meta };
}

/** The figures by a walk of every piece and its file segments: what the view must equal. */
function walked(meta: Metainfo, picker: PiecePicker): { completed: number; size: number; done: number } {
  let completed = 0;
  let size = 0;
  let done = 0;
  for (let p = 0; p < meta.pieceCount; p++) {
    const start = p * meta.pieceLength;
    const end = start + picker.pieceSize(p);
    let payload = 0;
    for (const f of meta.files) if (!f.pad) payload += Math.max(0, Math.min(end, f.offset + f.length) - Math.max(start, f.offset));
    if (picker.have.has(p)) completed += payload;
    if (picker.isWanted(p)) {
      size += payload;
      if (picker.have.has(p)) done += payload;
    }
  }
  return { completed, size, done };
}

/** A small deterministic generator, so a failure reproduces. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe('TransferView byte figures', () => {
  const layouts: Array<[string, FileSpec[], number]> = [
    ['one file, short last piece', [{ length: 10 * 16384 + 700 }], 16384],
    ['one file, exact pieces', [{ length: 8 * 1024 }], 1024],
    ['several files', [{ length: 3000 }, { length: 1 }, { length: 5000 }, { length: 0 }, { length: 2047 }], 1024],
    ['pad files', [{ length: 1000 }, { length: 24, pad: true }, { length: 3000 }, { length: 72, pad: true }, { length: 500 }], 1024],
    ['one piece', [{ length: 5 }], 16384],
  ];

  for (const [name, files, pieceLength] of layouts) {
    it(`equal a walk of every piece: ${name}`, () => {
      const random = seeded(files.length * 7919 + pieceLength);
      const { view, picker, meta } = viewOf(files, pieceLength);
      for (let round = 0; round < 40; round++) {
        const p = Math.floor(random() * meta.pieceCount);
        if (random() < 0.7) picker.have.set(p);
        else picker.have.clear(p);
        if (random() < 0.2) picker.setWanted(Math.floor(random() * meta.pieceCount), random() < 0.5);
        const truth = walked(meta, picker);
        expect(view.completedBytes()).toBe(truth.completed);
        expect(view.wantedBytes()).toEqual({ size: truth.size, done: truth.done });
      }
    });
  }

  it('counts the short last piece only at its length', () => {
    const { view, picker } = viewOf([{ length: 2 * 1024 + 10 }], 1024);
    picker.have.set(2);
    expect(view.completedBytes()).toBe(10);
    picker.have.set(0);
    expect(view.completedBytes()).toBe(1034);
    expect(view.wantedBytes()).toEqual({ size: 2058, done: 1034 });
  });

  it('leaves skipped pieces out of the wanted size, and counts them again once wanted', () => {
    const { view, picker } = viewOf([{ length: 4 * 1024 }], 1024);
    picker.have.set(0);
    picker.setWanted(3, false);
    expect(view.wantedBytes()).toEqual({ size: 3072, done: 1024 });
    picker.setWanted(3, true);
    expect(view.wantedBytes()).toEqual({ size: 4096, done: 1024 });
  });
});
