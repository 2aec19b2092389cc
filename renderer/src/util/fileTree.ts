/**
 * The add dialog's file tree: a torrent's flat file list ('/'-joined paths) as folders and
 * files, and what a folder's checkbox shows and does. Pure, so the rules are tested without
 * a DOM. Priorities are the contract's (0 = skip, 1 = normal, 2 = high), one per listed file.
 */
import type { FilePriority } from '../../../shared/contract/index.js';

export interface TreeFolder {
  kind: 'folder';
  name: string;
  /** Path from the root, '/'-joined; unique, used as a key. */
  path: string;
  children: TreeNode[];
  /** Every file index below this folder. */
  files: number[];
  size: number;
}

export interface TreeFile {
  kind: 'file';
  name: string;
  path: string;
  index: number;
  size: number;
}

export type TreeNode = TreeFolder | TreeFile;

/** Builds the tree (folders first, then files, each in list order). A single-file torrent is one file at the root. */
export function buildFileTree(files: ReadonlyArray<{ path: string; size: number }>): TreeFolder {
  const root: TreeFolder = { kind: 'folder', name: '', path: '', children: [], files: [], size: 0 };
  const folders = new Map<string, TreeFolder>([['', root]]);
  files.forEach((f, index) => {
    const parts = f.path.split('/').filter((p) => p.length > 0);
    const name = parts.pop() ?? f.path;
    let parent = root;
    const chain: TreeFolder[] = [root];
    for (const part of parts) {
      const path = parent.path ? `${parent.path}/${part}` : part;
      let folder = folders.get(path);
      if (!folder) {
        folder = { kind: 'folder', name: part, path, children: [], files: [], size: 0 };
        folders.set(path, folder);
        parent.children.push(folder);
      }
      parent = folder;
      chain.push(folder);
    }
    parent.children.push({ kind: 'file', name, path: parent.path ? `${parent.path}/${name}` : name, index, size: f.size });
    for (const folder of chain) {
      folder.files.push(index);
      folder.size += f.size;
    }
  });
  for (const folder of folders.values()) folder.children.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'folder' ? -1 : 1));
  return root;
}

/** A folder's checkbox: every file wanted, none, or some (shown indeterminate). */
export function folderCheck(folder: TreeFolder, priorities: readonly FilePriority[]): 'all' | 'none' | 'some' {
  let wanted = 0;
  for (const i of folder.files) if ((priorities[i] ?? 1) > 0) wanted++;
  return wanted === 0 ? 'none' : wanted === folder.files.length ? 'all' : 'some';
}

/** A file's priority once its folder is checked (a skipped file becomes Normal, a High one stays High) or unchecked (skipped). */
export function wantedPriority(priority: FilePriority, wanted: boolean): FilePriority {
  return wanted ? (priority === 2 ? 2 : 1) : 0;
}

/** Checking a folder wants every file in it (a file already High stays High); unchecking skips them all. */
export function setFolderWanted(priorities: readonly FilePriority[], folder: TreeFolder, wanted: boolean): FilePriority[] {
  const next = [...priorities];
  for (const i of folder.files) next[i] = wantedPriority(next[i] ?? 1, wanted);
  return next;
}

/** Bytes of the files that will be downloaded. */
export function wantedSize(files: ReadonlyArray<{ size: number }>, priorities: readonly FilePriority[]): number {
  let total = 0;
  files.forEach((f, i) => {
    if ((priorities[i] ?? 1) > 0) total += f.size;
  });
  return total;
}
