import { describe, expect, it } from 'vitest';
import type { FilePriority } from '../../../shared/contract/index.js';
import { buildFileTree, folderCheck, setFolderWanted, wantedSize, type TreeFolder } from './fileTree.js';

const files = [
  { path: 'Album/cover.jpg', size: 10 },
  { path: 'Album/CD1/01.flac', size: 100 },
  { path: 'Album/CD1/02.flac', size: 200 },
  { path: 'Album/CD2/01.flac', size: 300 },
];

describe('buildFileTree', () => {
  it('nests folders, folders before files, with sizes and the file indices below each folder', () => {
    const root = buildFileTree(files);
    const album = root.children[0] as TreeFolder;
    expect(album).toMatchObject({ kind: 'folder', name: 'Album', size: 610, files: [0, 1, 2, 3] });
    expect(album.children.map((c) => c.name)).toEqual(['CD1', 'CD2', 'cover.jpg']);
    const cd1 = album.children[0] as TreeFolder;
    expect(cd1.children).toEqual([
      { kind: 'file', name: '01.flac', path: 'Album/CD1/01.flac', index: 1, size: 100 },
      { kind: 'file', name: '02.flac', path: 'Album/CD1/02.flac', index: 2, size: 200 },
    ]);
  });

  it('a single file sits at the root', () => {
    expect(buildFileTree([{ path: 'movie.mkv', size: 5 }]).children).toEqual([{ kind: 'file', name: 'movie.mkv', path: 'movie.mkv', index: 0, size: 5 }]);
  });
});

describe('folder checkboxes', () => {
  const root = buildFileTree(files);
  const album = root.children[0] as TreeFolder;
  const cd1 = album.children[0] as TreeFolder;

  it('shows all, none or some', () => {
    expect(folderCheck(album, [1, 1, 2, 1])).toBe('all');
    expect(folderCheck(cd1, [1, 0, 0, 1])).toBe('none');
    expect(folderCheck(album, [1, 0, 0, 1])).toBe('some');
  });

  it('unchecking a folder skips every file in it; checking wants them again and keeps High', () => {
    const skipped = setFolderWanted([1, 2, 1, 1], cd1, false);
    expect(skipped).toEqual([1, 0, 0, 1]);
    const high: FilePriority[] = [1, 2, 0, 1];
    expect(setFolderWanted(high, cd1, true)).toEqual([1, 2, 1, 1]);
  });

  it('counts only wanted bytes', () => {
    expect(wantedSize(files, [1, 0, 2, 0])).toBe(210);
  });
});
