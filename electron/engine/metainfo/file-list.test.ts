import { describe, expect, it } from 'vitest';
import { FileListBuilder, type NewFile } from './file-list.js';

const PIECE = 16384;
const file = (name: string, length: number): NewFile => ({
  elements: ['t', name],
  length,
  pad: false,
  attr: '',
  symlinkElements: null,
  executable: false,
  hidden: false,
  root: Buffer.alloc(32, 1),
});

describe('FileListBuilder: v2 pad files', () => {
  it('pads every file to a piece boundary, the pad files of one length sharing their path', () => {
    const list = new FileListBuilder(PIECE, 't');
    list.add(file('a', 1000));
    list.add(file('b', 1000));
    list.add(file('c', 2000));
    const pads = list.files.filter((f) => f.pad);
    expect(pads.map((f) => [f.path, f.length, f.offset])).toEqual([
      ['t/.pad/15384', 15384, 1000],
      ['t/.pad/15384', 15384, PIECE + 1000],
      ['t/.pad/14384', 14384, 2 * PIECE + 2000],
    ]);
    expect(pads.map((f) => f.pathElements)).toEqual([
      ['t', '.pad', '15384'],
      ['t', '.pad', '15384'],
      ['t', '.pad', '14384'],
    ]);
    // One array and one path string for both pads of 15,384 bytes (a v2 torrent has a pad file after nearly every file).
    expect(pads[1]?.pathElements).toBe(pads[0]?.pathElements);
    expect(pads[2]?.pathElements).not.toBe(pads[0]?.pathElements);
    expect(list.total).toBe(3 * PIECE);
  });

  it("shares a v1 list's pad files' paths too when they are named as the v2 layout names them (hybrids)", () => {
    const list = new FileListBuilder(PIECE, 't');
    const pad = (length: number, elements = ['t', '.pad', String(length)]): NewFile => ({ ...file('', length), elements, pad: true, attr: 'p', root: null });
    list.add(pad(100));
    list.add(pad(100));
    list.add(pad(100, ['t', 'other', '100']));
    const [a, b, c] = list.files;
    expect(b?.pathElements).toBe(a?.pathElements);
    expect([a?.path, b?.path]).toEqual(['t/.pad/100', 't/.pad/100']);
    // Named otherwise: kept as named, its path made later like any file's.
    expect(c?.pathElements).toEqual(['t', 'other', '100']);
    expect(c?.path).toBe('');
  });
});
