import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceFile } from './create.js';

describe('SourceFile', () => {
  it("keeps a folder's file as its elements, not also as its path on disk, which is made when asked for", () => {
    const root = path.join(path.sep, 'shared', 'folder');
    const file = new SourceFile(root, ['sub', 'a.txt'], 5, false);
    expect(file.absolute).toBe(path.join(root, 'sub', 'a.txt'));
    // One string per file of a folder of 100,000 files, held for the whole run: not stored.
    expect(Object.values(file)).not.toContain(file.absolute);
    expect(new SourceFile(path.join(root, 'x.bin'), [], 1, true).absolute).toBe(path.join(root, 'x.bin'));
  });
});
