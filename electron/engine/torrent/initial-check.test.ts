import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metainfo } from '../metainfo/index.js';
import { resolveInSaveDir } from '../metainfo/index.js';
import { PiecePicker } from '../picker/piece-picker.js';
import type { StorageFile } from '../storage/file-map.js';
import { Storage } from '../storage/storage.js';
import { checkExistingData } from './initial-check.js';

const PIECE = 16 * 1024;
let dir: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-initial-check-'));
});

afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A torrent over `files` whose pieces hash like `payload` (the files' bytes, pad files as zeros). */
async function check(files: Array<{ path: string; length: number; pad?: boolean }>, payload: Buffer) {
  let offset = 0;
  const storageFiles: StorageFile[] = files.map((f) => {
    const file = { path: f.path, length: f.length, offset, pad: f.pad ?? false };
    offset += f.length;
    return file;
  });
  const pieceCount = Math.ceil(offset / PIECE);
  const lastPiece = offset - (pieceCount - 1) * PIECE;
  const hashes = Array.from({ length: pieceCount }, (_, i) => createHash('sha1').update(payload.subarray(i * PIECE, (i + 1) * PIECE)).digest());
  const storage = new Storage(dir, storageFiles, PIECE, offset, resolveInSaveDir, '.parts');
  const picker = new PiecePicker(pieceCount, PIECE, lastPiece);
  const hashed: number[] = [];
  const meta = { files: storageFiles, pieceCount, pieceLength: PIECE } as unknown as Metainfo;
  const result = await checkExistingData(
    {
      meta,
      storage,
      picker,
      hashMatches: async (index, data) => {
        hashed.push(index);
        return createHash('sha1').update(data).digest().equals(hashes[index]!);
      },
      pieceChecked: () => undefined,
    },
    null,
    () => undefined,
  );
  await storage.close();
  return { result, hashed, have: [...Array(pieceCount).keys()].filter((i) => picker.have.has(i)) };
}

describe('checkExistingData without a resume record', () => {
  it('finds nothing to hash in a new download', async () => {
    const { result, hashed, have } = await check([{ path: 'a.bin', length: 10 * PIECE }], Buffer.alloc(10 * PIECE, 1));
    expect(result).toEqual({ checked: 0, resumed: 0 });
    expect(hashed).toEqual([]);
    expect(have).toEqual([]);
  });

  it('hashes data already on disk and keeps the good pieces', async () => {
    const payload = Buffer.alloc(4 * PIECE, 2);
    const onDisk = Buffer.from(payload);
    onDisk.fill(9, PIECE, 2 * PIECE); // piece 1 is damaged
    await fs.promises.writeFile(path.join(dir, 'a.bin'), onDisk);
    const { result, have } = await check([{ path: 'a.bin', length: 4 * PIECE }], payload);
    expect(result.checked).toBe(4);
    expect(have).toEqual([0, 2, 3]);
  });
});
