import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInSaveDir } from '../metainfo/index.js';
import { StampTrust } from './stamp-trust.js';
import { Storage } from './storage.js';

const A = { size: 10, mtimeMs: 1000 };
const B = { size: 10, mtimeMs: 2000 };
const C = { size: 4, mtimeMs: 3000 };

describe('StampTrust', () => {
  it('takes up a stamp our writes moved, and keeps the trusted one for any other change', () => {
    const t = new StampTrust(3);
    t.checked([A, A, null]);
    t.wrote(0);
    // File 0 written by us; file 1 edited behind our back; file 2 made by someone else.
    expect(t.vouch([B, B, C])).toEqual([B, A, null]);
    // Written flags are spent by a record: the next change of file 0 is not ours.
    expect(t.vouch([C, B, C])).toEqual([B, A, null]);
    // A deleted file keeps its stamp too: the next start finds it missing and hashes nothing of it.
    expect(t.vouch([null, null, C])).toEqual([B, A, null]);
  });

  it('never vouches for a file found replaced, even one we wrote to afterwards', () => {
    const t = new StampTrust(1);
    t.checked([A]);
    t.lost(0);
    t.wrote(0);
    expect(t.vouch([B])).toEqual([A]);
    // Until a check has looked at the file again.
    t.checked([B]);
    t.wrote(0);
    expect(t.vouch([C])).toEqual([C]);
  });

  it('a write that ends after a record moves the stamp again at the next one', () => {
    const t = new StampTrust(1);
    t.checked([A]);
    t.wrote(0); // started
    expect(t.vouch([A])).toEqual([A]); // nothing changed yet
    t.wrote(0); // ended
    expect(t.vouch([B])).toEqual([B]);
  });
});

describe('Storage.resumeStamps', () => {
  let root: string;
  const open: Storage[] = [];
  beforeEach(async () => {
    root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-stamps-'));
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await fs.promises.rm(root, { recursive: true, force: true });
  });

  function twoFiles(): Storage {
    const files = [
      { path: 't/a.bin', length: 16, offset: 0, pad: false },
      { path: 't/b.bin', length: 16, offset: 16, pad: false },
    ];
    const s = new Storage(root, files, 16, 32, resolveInSaveDir, '.0123abcd.parts');
    open.push(s);
    return s;
  }

  /** Sets a file's modification time `seconds` from now (stamps are in ms: distinct for sure). */
  function touch(rel: string, seconds: number): void {
    const when = new Date(Date.now() + seconds * 1000);
    fs.utimesSync(path.join(root, rel), when, when);
  }

  it('records our writes, not a file edited or deleted behind our back', async () => {
    const s = twoFiles();
    await s.prepare();
    await s.writePiece(0, Buffer.alloc(16, 1));
    await s.writePiece(1, Buffer.alloc(16, 2));
    s.trustStamps(await s.fileStamps());
    const checked = await s.resumeStamps();

    // Ours: a piece written again moves a.bin's stamp.
    touch('t/a.bin', -60);
    await s.writePiece(0, Buffer.alloc(16, 3));
    touch('t/a.bin', 60);
    // Not ours: b.bin edited in place.
    fs.writeFileSync(path.join(root, 't/b.bin'), Buffer.alloc(16, 9));
    touch('t/b.bin', 120);
    const after = await s.resumeStamps();
    expect(after[0]).toEqual((await s.fileStamps())[0]);
    expect(after[0]).not.toEqual(checked[0]);
    expect(after[1]).toEqual(checked[1]);
    expect((await s.fileStamps())[1]).not.toEqual(checked[1]);

    // Not ours: a.bin deleted. The record keeps the stamp it had, not "missing".
    fs.unlinkSync(path.join(root, 't/a.bin'));
    expect((await s.resumeStamps())[0]).toEqual(after[0]);
  });

  it('a file deleted while we wrote to it, and made again by our next write, is not vouched for', async () => {
    const s = twoFiles();
    await s.prepare();
    await s.writePiece(0, Buffer.alloc(16, 1));
    s.trustStamps(await s.fileStamps());
    const checked = await s.resumeStamps();
    fs.rmSync(path.join(root, 't'), { recursive: true });
    // Found replaced when the record is taken; the next write makes the file again.
    expect((await s.resumeStamps())[0]).toEqual(checked[0]);
    await s.writePiece(0, Buffer.alloc(16, 1));
    expect(fs.existsSync(path.join(root, 't/a.bin'))).toBe(true);
    touch('t/a.bin', 60);
    expect((await s.resumeStamps())[0]).toEqual(checked[0]);
  });
});
