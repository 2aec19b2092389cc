import { useEffect, useRef, useState } from 'react';
import type { FilePriority } from '../../../shared/contract/index.js';
import { folderCheck, setFolderWanted, type TreeFolder, type TreeNode } from '../util/fileTree.js';
import { formatBytes } from '../util/format.js';

/**
 * The add dialog's file tree (qBittorrent's): a checkbox per folder and file (unchecked = not
 * downloaded) and a priority per wanted file. Folders start open; a folder's checkbox is
 * indeterminate when only some files below it are wanted.
 */
export function AddFileTree({ root, priorities, onChange }: {
  root: TreeFolder;
  priorities: readonly FilePriority[];
  onChange: (next: FilePriority[]) => void;
}) {
  return (
    <ul className="tree" role="tree" aria-label="Files" data-testid="add-files">
      {root.children.map((n) => <TreeRow key={n.path} node={n} depth={0} priorities={priorities} onChange={onChange} />)}
    </ul>
  );
}

function TreeRow({ node, depth, priorities, onChange }: { node: TreeNode; depth: number; priorities: readonly FilePriority[]; onChange: (next: FilePriority[]) => void }) {
  const [open, setOpen] = useState(true);
  const pad = { paddingLeft: `${depth * 16}px` };
  if (node.kind === 'file') {
    const p = priorities[node.index] ?? 1;
    const set = (priority: FilePriority) => {
      const next = [...priorities];
      next[node.index] = priority;
      onChange(next);
    };
    return (
      <li className="tree__row" role="treeitem" aria-selected={false} data-testid="add-file" data-path={node.path}>
        <label className="tree__label" style={pad}>
          <input type="checkbox" checked={p > 0} onChange={(e) => set(e.target.checked ? 1 : 0)} data-testid="add-file-check" />
          <span className="tree__name">{node.name}</span>
        </label>
        <span className="tree__size">{formatBytes(node.size)}</span>
        <select className="input tree__priority" aria-label={`Priority of ${node.name}`} value={p} disabled={p === 0}
          onChange={(e) => set(Number(e.target.value) as FilePriority)} data-testid="add-file-priority">
          {p === 0 && <option value={0}>Skip</option>}
          <option value={1}>Normal</option>
          <option value={2}>High</option>
        </select>
      </li>
    );
  }
  return (
    <li className="tree__row tree__row--folder" role="treeitem" aria-expanded={open} aria-selected={false} data-testid="add-folder" data-path={node.path}>
      <div className="tree__line">
        <span style={pad} className="tree__label">
          <button type="button" className="tree__toggle" aria-label={open ? `Collapse ${node.name}` : `Expand ${node.name}`} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'}
          </button>
          <FolderCheckbox folder={node} priorities={priorities} onChange={onChange} />
          <span className="tree__name">{node.name}</span>
        </span>
        <span className="tree__size">{formatBytes(node.size)}</span>
      </div>
      {open && (
        <ul role="group" className="tree__group">
          {node.children.map((n) => <TreeRow key={n.path} node={n} depth={depth + 1} priorities={priorities} onChange={onChange} />)}
        </ul>
      )}
    </li>
  );
}

function FolderCheckbox({ folder, priorities, onChange }: { folder: TreeFolder; priorities: readonly FilePriority[]; onChange: (next: FilePriority[]) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const check = folderCheck(folder, priorities);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = check === 'some';
  }, [check]);
  return (
    <input ref={ref} type="checkbox" aria-label={`Download ${folder.name}`} checked={check === 'all'} aria-checked={check === 'some' ? 'mixed' : check === 'all'}
      onChange={() => onChange(setFolderWanted(priorities, folder, check !== 'all'))} data-testid="add-folder-check" />
  );
}
