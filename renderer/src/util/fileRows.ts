/**
 * The Files tab's rows: a torrent's files as a tree of folders (qBittorrent's Content tab),
 * flattened to the rows shown, folders first, children of a collapsed folder left out. Pure,
 * so the rules are tested without a DOM; the tab virtualises whatever this returns.
 */
import type { FilePriority } from '../../../shared/contract/index.js';
import type { TreeFolder } from './fileTree.js';

export type FileRow =
  | { kind: 'folder'; folder: TreeFolder; depth: number; expanded: boolean }
  /** `position`: the file's place in the list the tree was built from. */
  | { kind: 'file'; position: number; name: string; depth: number };

/**
 * The rows of `root` (not shown itself) with the folders in `collapsed` closed. A torrent of
 * one file at the root is one file row.
 */
export function fileRows(root: TreeFolder, collapsed: ReadonlySet<string>): FileRow[] {
  const rows: FileRow[] = [];
  const walk = (folder: TreeFolder, depth: number): void => {
    for (const child of folder.children) {
      if (child.kind === 'file') {
        rows.push({ kind: 'file', position: child.index, name: child.name, depth });
        continue;
      }
      const expanded = !collapsed.has(child.path);
      rows.push({ kind: 'folder', folder: child, depth, expanded });
      if (expanded) walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

/** A folder's priority: that of all its files when they agree, else 'mixed' (qBittorrent's "Mixed"). */
export function folderPriority(folder: TreeFolder, priorityAt: (position: number) => FilePriority): FilePriority | 'mixed' {
  let first: FilePriority | null = null;
  for (const position of folder.files) {
    const p = priorityAt(position);
    if (first === null) first = p;
    else if (p !== first) return 'mixed';
  }
  return first ?? 1;
}
