import { useEffect, useMemo, useRef, useState } from 'react';
import type { FilePriority, FileView, TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { FileStrip } from '../mosaic/FileStrip.js';
import { fileSpans, playableBytes } from '../mosaic/filePieces.js';
import { usePieceField } from '../mosaic/usePieceField.js';
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
 * The Files tab: each file's progress, pieces, playable prefix and priority. Virtualised like
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
  const [local, setLocal] = useState<Record<number, FilePriority>>({});
  useEffect(() => setLocal((l) => (files ? stillPending(l, files) : {})), [files]);
  const field = usePieceField(t.infoHash);
  const spans = useMemo(() => (files ? fileSpans(files, t.pieceLength) : null), [files, t.pieceLength]);
  const visible = useMemo(() => (files ? files.filter((f) => !f.pad) : []), [files]);
  const boxRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const view = useVirtualRows(boxRef, headRef, visible.length, FILE_ROW_HEIGHT, OVERSCAN);

  if (!t.hasMetadata) return <p className="muted pad">The file list appears once the metadata has arrived.</p>;
  if (!files) return <p className="muted pad">Loading files…</p>;
  const setPriority = async (changes: Array<{ index: number; priority: FilePriority }>) => {
    if (changes.length === 0) return;
    setLocal((l) => ({ ...l, ...Object.fromEntries(changes.map((c) => [c.index, c.priority])) }));
    // Refused: show what the engine has again.
    if (!(await controller.setFilePriorities(t.infoHash, changes))) setLocal((l) => withoutIndexes(l, changes));
    refresh();
  };
  const prio = (f: FileView): FilePriority => local[f.index] ?? f.priority;
  const allOn = visible.every((f) => prio(f) > 0);
  const someOn = visible.some((f) => prio(f) > 0);
  return (
    <div className="files-box" ref={boxRef} data-testid="files-box">
      <table className="table table--compact table--files" data-testid="files-table" aria-rowcount={visible.length + 1}>
        <thead ref={headRef}>
          <tr aria-rowindex={1}>
            <th className="col-check">
              <input type="checkbox" aria-label="Download all files" checked={allOn}
                ref={(el) => { if (el) el.indeterminate = someOn && !allOn; }}
                onChange={() => void setPriority(allOn
                  ? visible.map((f) => ({ index: f.index, priority: 0 as FilePriority }))
                  // Turning all on wants the skipped files (Normal); files already wanted keep their priority (High stays High).
                  : visible.filter((f) => prio(f) === 0).map((f) => ({ index: f.index, priority: 1 as FilePriority })))} />
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
          {visible.slice(view.start, view.end).map((f, i) => {
            const p = prio(f);
            const span = spans?.get(f.index);
            const playable = span && field && f.size > 0 ? playableBytes(f, span, field.state, t.pieceLength) / f.size : 0;
            return (
              <tr key={f.index} className={p === 0 ? 'row row--skipped' : 'row'} data-testid="file-row" aria-rowindex={view.start + i + 2}>
                <td className="col-check">
                  <input type="checkbox" checked={p > 0} aria-label={`Download ${f.path}`}
                    onChange={(e) => void setPriority([{ index: f.index, priority: e.target.checked ? 1 : 0 }])} />
                </td>
                <td className="col-name" title={f.path}><span className="name__text">{f.path}</span></td>
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

/** Stands in for the rows not rendered, so the scroll extent is that of the whole list. */
function Spacer({ height }: { height: number }) {
  return (
    <tr className="files__spacer" aria-hidden="true" role="presentation">
      <td colSpan={COLUMN_COUNT} style={{ height: `${height}px` }} />
    </tr>
  );
}

/** The optimistic priorities a new file list does not show yet (the engine's answer is still on its way). */
function stillPending(local: Record<number, FilePriority>, files: readonly FileView[]): Record<number, FilePriority> {
  const keys = Object.keys(local);
  if (keys.length === 0) return local;
  const byIndex = new Map(files.map((f) => [f.index, f.priority]));
  const next: Record<number, FilePriority> = {};
  for (const key of keys) {
    const index = Number(key);
    if (byIndex.has(index) && byIndex.get(index) !== local[index]) next[index] = local[index]!;
  }
  return next;
}

function withoutIndexes(local: Record<number, FilePriority>, changes: ReadonlyArray<{ index: number }>): Record<number, FilePriority> {
  const next = { ...local };
  for (const c of changes) delete next[c.index];
  return next;
}
