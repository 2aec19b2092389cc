import { describe, expect, it } from 'vitest';
import type { FilePriority } from '../../../shared/contract/index.js';
import { fileRows, folderPriority } from './fileRows.js';
import { buildFileTree } from './fileTree.js';

const files = [
  { path: 'show/s1/e1.mkv', size: 10 },
  { path: 'show/s1/e2.mkv', size: 20 },
  { path: 'show/readme.txt', size: 1 },
  { path: 'show/s2/e1.mkv', size: 30 },
];

const shown = (rows: ReturnType<typeof fileRows>) => rows.map((r) => `${'  '.repeat(r.depth)}${r.kind === 'folder' ? `${r.folder.name}/` : r.name}`);

describe('Files tab rows', () => {
  it('a tree of folders, folders before files, each indented under its folder', () => {
    expect(shown(fileRows(buildFileTree(files), new Set()))).toEqual(['show/', '  s1/', '    e1.mkv', '    e2.mkv', '  s2/', '    e1.mkv', '  readme.txt']);
  });

  it('a collapsed folder hides what is below it, and a file row knows its place in the list', () => {
    const rows = fileRows(buildFileTree(files), new Set(['show/s1']));
    expect(shown(rows)).toEqual(['show/', '  s1/', '  s2/', '    e1.mkv', '  readme.txt']);
    expect(rows.filter((r) => r.kind === 'file').map((r) => (r.kind === 'file' ? r.position : -1))).toEqual([3, 2]);
    expect(rows[1]).toMatchObject({ kind: 'folder', expanded: false });
  });

  it('a single-file torrent is one file row', () => {
    expect(shown(fileRows(buildFileTree([{ path: 'movie.mkv', size: 5 }]), new Set()))).toEqual(['movie.mkv']);
  });

  it('a folder shows its files\' priority when they agree, else Mixed', () => {
    const tree = buildFileTree(files);
    const show = tree.children[0]!;
    if (show.kind !== 'folder') throw new Error('expected a folder');
    const prios: FilePriority[] = [1, 1, 1, 1];
    expect(folderPriority(show, (i) => prios[i]!)).toBe(1);
    prios[3] = 2;
    expect(folderPriority(show, (i) => prios[i]!)).toBe('mixed');
  });
});
