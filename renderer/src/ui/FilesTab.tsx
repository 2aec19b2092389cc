import { useEffect, useMemo, useRef, useState } from 'react';
import type { FilePriority, FileView, TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { FileStrip } from '../mosaic/FileStrip.js';
import { fileSpans, playableBytes } from '../mosaic/filePieces.js';
import { usePieceField } from '../mosaic/usePieceField.js';
import { fileRows, folderPriority, type FileRow } from '../util/fileRows.js';
import { buildFileTree, wantedPriority, type TreeFolder } from '../util/fileTree.js';
import { PendingPriorities } from '../util/pendingPriorities.js';
import { formatBytes, formatPercent } from '../util/format.js';
import { MiniBar } from './MiniBar.js';
import { usePoll } from './usePoll.js';
import { useVirtualRows } from './useVirtualRows.js';

/** Every file row is this tall (styles.css `.table--compact td`): only the rows in view are rendered. */
export const FILE_ROW_HEIGHT = 26;
/** Rows rendered beyond each edge of the view, so short scrolls show rows at once. */
const OVERSCAN = 8;
const COLUMN_COUNT = 7;

const PRIORITY_LABEL: Record<FilePriority, string> = { 0: 'Skip', 1: 'Normal', 2: 'High' };

/**
 * The Files tab: the torrent's folders and files as a tree (qBittorrent's Content tab), each
 * file's progress, pieces, playable prefix and priority; a folder sets all its files at once.
 * Virtualised like
 * the torrent list: a torrent of 100,000 files rendered every row (and redrew every row's
 * strip on each 2-second poll), which froze the window for minutes.
 */
export function FilesTab({ torrent: t }: { torrent: TorrentSummary }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const { value: files, refresh } = usePoll<FileView[]>(t.infoHash, connected && t.hasMetadata, 2000,
    (h) => controller.call(() => controller.client.getFiles({ infoHash: h }), false));
  // Optimistic priorities so checkboxes respond at once. Each is kept until a file list shows
  // the engine has it: a poll sent before the change would otherwise flip the box back.
  const [local, setLocal] = useState<PendingPriorities>(PendingPriorities.none);
  useEffect(() => setLocal((l) => (files ? l.notShownIn(files) : PendingPriorities.none)), [files]);
  const field = usePieceField(t.infoHash);
  const spans = useMemo(() => (files ? fileSpans(files, t.pieceLength) : null), [files, t.pieceLength]);
  const visible = useMemo(() => (files ? files.filter((f) => !f.pad) : []), [files]);
  const tree = useStableTree(visible);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => setCollapsed(new Set()), [t.infoHash]);
  const rows = useMemo(() => fileRows(tree, collapsed), [tree, collapsed]);
  const boxRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const view = useVirtualRows(boxRef, headRef, rows.length, FILE_ROW_HEIGHT, OVERSCAN);

  if (!t.hasMetadata) return <p className="muted pad">The file list appears once the metadata has arrived.</p>;
  if (!files) return <p className="muted pad">Loading files…</p>;
  const setPriority = async (changes: Array<{ index: number; priority: FilePriority }>) => {
    if (changes.length === 0) return;
    setLocal((l) => l.with(changes));
    // Refused: show what the engine has again.
    if (!(await controller.setFilePriorities(t.infoHash, changes))) setLocal((l) => l.without(changes));
    refresh();
  };
  const prio = (f: FileView): FilePriority => local.get(f.index) ?? f.priority;
  const allOn = visible.every((f) => prio(f) > 0);
  const someOn = visible.some((f) => prio(f) > 0);
  const prioAt = (position: number): FilePriority => prio(visible[position]!);
  const toggle = (path: string) => setCollapsed((c) => {
    const next = new Set(c);
    if (!next.delete(path)) next.add(path);
    return next;
  });
  // Every file of `folder` whose priority `next` changes, sent at once.
  const setFolder = (folder: TreeFolder, next: (p: FilePriority) => FilePriority) => void setPriority(folder.files
    .filter((pos) => next(prioAt(pos)) !== prioAt(pos))
    .map((pos) => ({ index: visible[pos]!.index, priority: next(prioAt(pos)) })));
  const wantFolder = (folder: TreeFolder, wanted: boolean) => setFolder(folder, (p) => wantedPriority(p, wanted));
  const setFolderPriority = (folder: TreeFolder, priority: FilePriority) => setFolder(folder, () => priority);
  return (
    <div className="files-box" ref={boxRef} data-testid="files-box">
      <table className="table table--compact table--files" data-testid="files-table" aria-rowcount={rows.length + 1}>
        <thead ref={headRef}>
          <tr aria-rowindex={1}>
            <th className="col-check">
              <input type="checkbox" aria-label="Download all files" checked={allOn}
                ref={(el) => { if (el) el.indeterminate = someOn && !allOn; }}
                // The torrent's root folder: every file (High stays High when turning all on).
                onChange={() => wantFolder(tree, !allOn)} />
            </th>
            <th className="col-name">Name</th>
            <th className="col-num">Size</th>
            <th className="col-progress">Progress</th>
            <th title="The file's pieces; underlined: what plays from its start">Pieces</th>
            <th className="col-num" title="Contiguous from the start of the file (media can be previewed up to here)">Playable</th>
            <th className="col-prio">Priority</th>
          </tr>
        </thead>
        <tbody>
          {view.padTop > 0 && <Spacer height={view.padTop} />}
          {rows.slice(view.start, view.end).map((row, i) => {
            const rowIndex = view.start + i + 2;
            if (row.kind === 'folder') {
              return <FolderRow key={`d:${row.folder.path}`} row={row} rowIndex={rowIndex} files={visible} prioAt={prioAt}
                onToggle={toggle} onWanted={wantFolder} onPriority={setFolderPriority} />;
            }
            const f = visible[row.position]!;
            const p = prio(f);
            const span = spans?.get(f.index);
            const playable = span && field && f.size > 0 ? playableBytes(f, span, field.state, t.pieceLength) / f.size : 0;
            return (
              <tr key={f.index} className={p === 0 ? 'row row--skipped' : 'row'} data-testid="file-row" aria-rowindex={rowIndex}>
                <td className="col-check">
                  <input type="checkbox" checked={p > 0} aria-label={`Download ${f.path}`}
                    onChange={(e) => void setPriority([{ index: f.index, priority: e.target.checked ? 1 : 0 }])} />
                </td>
                <td className="col-name" title={f.path}>
                  <span className="name__text files__name" dir="auto" style={{ paddingLeft: `${indent(row.depth) + TOGGLE_WIDTH}px` }}>{row.name}</span>
                </td>
                <td className="col-num">{formatBytes(f.size)}</td>
                <td className="col-progress"><MiniBar value={f.progress} /></td>
                <td>{span && field && <FileStrip span={span} state={field.state} playable={playable} firstLast={t.firstLastPiecesFirst} />}</td>
                <td className="col-num" data-testid="file-playable" data-playable={playable.toFixed(4)}>{f.size > 0 ? `to ${formatPercent(playable)}` : '–'}</td>
                <td className="col-prio">
                  <select className="select" value={p} aria-label={`Priority of ${f.path}`}
                    onChange={(e) => void setPriority([{ index: f.index, priority: Number(e.target.value) as FilePriority }])}>
                    {([2, 1, 0] as const).map((v) => <option key={v} value={v}>{PRIORITY_LABEL[v]}</option>)}
                  </select>
                </td>
              </tr>
            );
          })}
          {view.padBottom > 0 && <Spacer height={view.padBottom} />}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The folder tree of `files`, rebuilt only when their paths change (a rename, another torrent),
 * not on every 2-second poll: comparing 100,000 paths costs ~1 ms, building the tree ~30 times that.
 */
function useStableTree(files: readonly FileView[]): TreeFolder {
  const last = useRef<{ paths: string[]; tree: TreeFolder } | null>(null);
  const prev = last.current;
  if (prev && prev.paths.length === files.length && files.every((f, i) => f.path === prev.paths[i])) return prev.tree;
  const tree = buildFileTree(files);
  last.current = { paths: files.map((f) => f.path), tree };
  return tree;
}

/** Pixels of indentation per folder level, and the width of a folder's open/close button (file names line up under folder names). */
const INDENT_PX = 16;
const TOGGLE_WIDTH = 18;
const indent = (depth: number): number => depth * INDENT_PX;

/** A folder: open/close, check or uncheck every file in it, one priority for all (Mixed when they differ). */
function FolderRow({ row, rowIndex, files, prioAt, onToggle, onWanted, onPriority }: {
  row: Extract<FileRow, { kind: 'folder' }>;
  rowIndex: number;
  files: readonly FileView[];
  prioAt: (position: number) => FilePriority;
  onToggle: (path: string) => void;
  onWanted: (folder: TreeFolder, wanted: boolean) => void;
  onPriority: (folder: TreeFolder, priority: FilePriority) => void;
}) {
  const { folder, depth, expanded } = row;
  let wanted = 0;
  let done = 0;
  for (const pos of folder.files) {
    if (prioAt(pos) > 0) wanted++;
    done += files[pos]?.completedBytes ?? 0;
  }
  const all = wanted === folder.files.length;
  const priority = folderPriority(folder, prioAt);
  return (
    <tr className={wanted === 0 ? 'row row--skipped files__folder' : 'row files__folder'} data-testid="folder-row" aria-rowindex={rowIndex}>
      <td className="col-check">
        <input type="checkbox" checked={all} aria-label={`Download ${folder.path}/`}
          ref={(el) => { if (el) el.indeterminate = wanted > 0 && !all; }}
          onChange={() => onWanted(folder, !all)} />
      </td>
      <td className="col-name" title={folder.path}>
        <span className="name__text files__name" style={{ paddingLeft: `${indent(depth)}px` }}>
          <button type="button" className="files__toggle" aria-expanded={expanded} aria-label={`${expanded ? 'Close' : 'Open'} ${folder.name}`}
            data-testid="folder-toggle" onClick={() => onToggle(folder.path)}>{expanded ? '▾' : '▸'}</button>
          <span dir="auto">{folder.name}</span>
        </span>
      </td>
      <td className="col-num">{formatBytes(folder.size)}</td>
      <td className="col-progress"><MiniBar value={folder.size > 0 ? done / folder.size : 1} /></td>
      <td />
      <td className="col-num">–</td>
      <td className="col-prio">
        <select className="select" value={priority} aria-label={`Priority of ${folder.path}/`}
          onChange={(e) => onPriority(folder, Number(e.target.value) as FilePriority)}>
          {priority === 'mixed' && <option value="mixed" disabled>Mixed</option>}
          {([2, 1, 0] as const).map((v) => <option key={v} value={v}>{PRIORITY_LABEL[v]}</option>)}
        </select>
      </td>
    </tr>
  );
}

/** Stands in for the rows not rendered, so the scroll extent is that of the whole list. */
function Spacer({ height }: { height: number }) {
  return (
    <tr className="files__spacer" aria-hidden="true" role="presentation">
      <td colSpan={COLUMN_COUNT} style={{ height: `${height}px` }} />
    </tr>
  );
}
