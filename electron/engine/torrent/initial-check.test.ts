import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Metainfo } from '../metainfo/index.js';
import { resolveInSaveDir } from '../metainfo/index.js';
import { PiecePicker } from '../picker/piece-picker.js';
import type { StorageFile } from '../storage/file-map.js';
import { Storage } from '../storage/storage.js';
import { checkExistingData } from './initial-check.js';
import { PieceChecks, STREAMED_CHECK_CHUNK } from './piece-checks.js';

const PIECE = 16 * 1024;
let dir: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-initial-check-'));
});

afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A torrent over `files` whose pieces hash like `payload` (the files' bytes, pad files as zeros). */
async function check(files: Array<{ path: string; length: number; pad?: boolean }>, payload: Buffer, pieceLength = PIECE) {
  let offset = 0;
  const storageFiles: StorageFile[] = files.map((f) => {
    const file = { path: f.path, length: f.length, offset, pad: f.pad ?? false };
    offset += f.length;
    return file;
  });
  const pieceCount = Math.ceil(offset / pieceLength);
  const lastPiece = offset - (pieceCount - 1) * pieceLength;
  const hashes = Array.from({ length: pieceCount }, (_, i) => createHash('sha1').update(payload.subarray(i * pieceLength, (i + 1) * pieceLength)).digest());
  const storage = new Storage(dir, storageFiles, pieceLength, offset, resolveInSaveDir, '.parts');
  const picker = new PiecePicker(pieceCount, pieceLength, lastPiece);
  const hashed: number[] = [];
  const meta = { files: storageFiles, pieceCount, pieceLength: pieceLength, pieceHashes: Buffer.concat(hashes), v2: null } as unknown as Metainfo;
  const checks = new PieceChecks(meta);
  const result = await checkExistingData(
    {
      meta,
      storage,
      picker,
      hashMatches: async (index, data) => {
        hashed.push(index);
        return createHash('sha1').update(data).digest().equals(hashes[index]!);
      },
      streamedMatches: (index, size) => {
        hashed.push(index);
        return checks.matchesStreamed(index, size, (offset, length, into) => storage.read(index, offset, length, into));
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

  it('hashes a piece longer than a chunk as it reads it, never reading it whole', async () => {
    const pieceLength = 2 * STREAMED_CHECK_CHUNK + 5;
    const payload = Buffer.alloc(2 * pieceLength + 10);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = (i / 4096) & 0xff;
    const onDisk = Buffer.from(payload);
    onDisk[pieceLength + STREAMED_CHECK_CHUNK + 3]! ^= 1; // piece 1 is damaged past its first chunk
    await fs.promises.writeFile(path.join(dir, 'a.bin'), onDisk);
    const reads = vi.spyOn(Storage.prototype, 'read');
    try {
      const { result, have } = await check([{ path: 'a.bin', length: payload.length }], payload, pieceLength);
      expect(result.checked).toBe(3);
      expect(have).toEqual([0, 2]);
      for (const call of reads.mock.calls) expect(call[2]).toBeLessThanOrEqual(STREAMED_CHECK_CHUNK);
    } finally {
      reads.mockRestore();
    }
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
