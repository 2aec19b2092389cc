import { memo, useCallback, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { pickRows, type Pick as RowPick } from './rowSelection.js';
import type { TorrentState, TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import type { SortKey } from '../state/reducer.js';
import { createRowOrderSelector } from '../state/selectors.js';
import { formatBytes, formatEta, formatPercent, formatRateCell } from '../util/format.js';
import { IconAlert } from './icons.js';
import { TorrentMenu, type TorrentMenuTarget } from './TorrentMenu.js';
import { useVirtualRows } from './useVirtualRows.js';
import { isNavigationKey, navigate } from './virtualRows.js';

/** Every row is this tall (styles.css `.table--virtual .row`): the list renders only rows in view. */
export const ROW_HEIGHT = 31;
/** Rows rendered beyond each edge of the view, so short scrolls show rows at once. */
const OVERSCAN = 8;

export const STATE_LABEL: Record<TorrentState, string> = {
  metadata: 'Fetching metadata',
  checking: 'Checking',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  queued: 'Queued',
  error: 'Error',
};

/** What the state column says: a paused torrent that is complete reads "Completed", like qBittorrent. */
export function stateLabel(t: Pick<TorrentSummary, 'state' | 'progress' | 'downloadRate' | 'moveProgress' | 'hasMetadata'>): string {
  if (t.moveProgress != null) return `Moving ${Math.floor(t.moveProgress * 100)}%`;
  // The metadata step with the metadata there: a magnet waiting for the add dialog's file choice.
  if (t.state === 'metadata' && t.hasMetadata) return 'Choose files';
  if (t.state === 'paused' && t.progress >= 1) return 'Completed';
  if (t.state === 'downloading' && t.downloadRate === 0) return 'Stalled';
  return STATE_LABEL[t.state];
}

const COLUMNS: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'size', label: 'Size', className: 'col-num col-size' },
  { key: 'progress', label: 'Progress', className: 'col-progress' },
  { key: 'state', label: 'Status', className: 'col-state' },
  { key: 'downloadRate', label: 'Down', className: 'col-num col-rate' },
  { key: 'uploadRate', label: 'Up', className: 'col-num col-rate' },
  { key: 'peers', label: 'Peers', className: 'col-num col-peers' },
  { key: 'eta', label: 'ETA', className: 'col-num col-eta' },
];

export function TorrentList() {
  const controller = useController();
  const selectRowOrder = useMemo(() => createRowOrderSelector(), []);
  const rows = useApp(selectRowOrder);
  const selected = useApp((s) => s.selected);
  const selection = useApp((s) => s.selection);
  const chosen = useMemo(() => new Set(selection), [selection]);
  // The latest rows and selection for the rows' (stable) mouse handler.
  const latest = useRef({ rows, selection, selected });
  latest.current = { rows, selection, selected };
  /** The row Shift+arrows last moved to (the far end of the range; the anchor is `selected`). */
  const cursor = useRef<string | null>(null);
  const onPick = useCallback((infoHash: string, how: RowPick) => {
    const { rows: r, selection: sel, selected: anchor } = latest.current;
    const next = pickRows(r, sel, anchor, infoHash, how);
    if (next.selection.length === 1 && next.selection[0] === next.primary) controller.select(next.primary);
    else controller.selectMany(next.selection, next.primary);
  }, [controller]);
  /** A click starts over: the next arrow key moves from the clicked row. */
  const onClickPick = useCallback((infoHash: string, how: RowPick) => {
    cursor.current = null;
    onPick(infoHash, how);
  }, [onPick]);
  const sort = useApp((s) => s.sort);
  const ready = useApp((s) => s.ready);
  const [menu, setMenu] = useState<TorrentMenuTarget | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const boxRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const view = useVirtualRows(boxRef, headRef, rows.length, ROW_HEIGHT, OVERSCAN);

  /** The context-menu key or Shift+F10 opens the menu for the selected row, below its name. */
  const openMenuForSelected = () => {
    if (!selected) return;
    const index = rows.indexOf(selected);
    if (index < 0) return;
    view.reveal(index);
    const box = boxRef.current?.getBoundingClientRect();
    const top = (box?.top ?? 0) + (headRef.current?.offsetHeight ?? 0) + index * ROW_HEIGHT - (boxRef.current?.scrollTop ?? 0);
    setMenu({ infoHash: selected, x: (box?.left ?? 0) + 16, y: top + ROW_HEIGHT });
  };

  /** A right click on a row selects it (mousedown did) and opens the menu at the pointer. */
  const onContextMenu = (e: MouseEvent<HTMLDivElement>) => {
    e.preventDefault();
    const rowEl = e.target instanceof Element ? e.target.closest('[data-testid="torrent-row"]') : null;
    const h = rowEl?.getAttribute('data-infohash');
    // A keyboard-made contextmenu event lands on the focused list itself: the keydown handled it.
    if (!h) return;
    // A right click inside a multi-selection keeps it (the menu acts on all of them), as in file managers.
    if (!chosen.has(h)) controller.select(h);
    setMenu({ infoHash: h, x: e.clientX, y: e.clientY });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      openMenuForSelected();
      return;
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      if (rows.length > 0) controller.selectMany(rows, selected !== null && rows.includes(selected) ? selected : (rows[0] ?? null));
      return;
    }
    if (!isNavigationKey(e.key)) return;
    e.preventDefault();
    // Shift+arrows (Home, End, PageUp/Down) extend the selection from the anchor (the row the
    // details show) to the row the keyboard moves to, as Shift+click does and as in qBittorrent.
    // Every move starts from that far end when there is one (as in file managers).
    const extending = e.shiftKey && selected !== null && rows.includes(selected);
    const from = cursor.current !== null && rows.includes(cursor.current) && selection.includes(cursor.current) ? cursor.current : selected;
    const next = navigate(e.key, from ? rows.indexOf(from) : -1, rows.length, view.page);
    const h = rows[next];
    if (h === undefined) return;
    if (extending) {
      cursor.current = h;
      onPick(h, 'range');
    } else {
      cursor.current = null;
      controller.select(h);
    }
    view.reveal(next);
  };

  return (
    <div className="list" tabIndex={0} onKeyDown={onKeyDown} onContextMenu={onContextMenu} data-testid="torrent-list" ref={boxRef}>
      <table className="table table--virtual" role="grid" aria-label="Torrents" aria-multiselectable="true"
        aria-rowcount={rows.length + 1}>
        <thead ref={headRef}>
          <tr aria-rowindex={1}>
            {COLUMNS.map((c) => (
              <th key={c.key} className={c.className} scope="col"
                aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" className="th-button" onClick={() => controller.sortBy(c.key)}>
                  {c.label}
                  {sort.key === c.key && <span className="sort-arrow" aria-hidden="true">{sort.descending ? '▾' : '▴'}</span>}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {view.padTop > 0 && <Spacer height={view.padTop} />}
          {rows.slice(view.start, view.end).map((h, i) => (
            <Row key={h} infoHash={h} selected={chosen.has(h)} rowIndex={view.start + i + 2} onPick={onClickPick} />
          ))}
          {view.padBottom > 0 && <Spacer height={view.padBottom} />}
        </tbody>
      </table>
      {rows.length === 0 && (
        <div className="list__empty">
          {ready ? (
            <>
              <p className="list__empty-title">No torrents yet</p>
              <p>Drop a <code>.torrent</code> file or a magnet link anywhere in this window,<br />paste a magnet link with <kbd>Ctrl</kbd>+<kbd>V</kbd>, or use <strong>Open</strong>.</p>
            </>
          ) : (
            <p>Connecting to Tessera…</p>
          )}
        </div>
      )}
      <TorrentMenu target={menu} onClose={closeMenu} />
    </div>
  );
}

/** Stands in for the rows not rendered, so the scroll extent is that of the whole list. */
function Spacer({ height }: { height: number }) {
  return (
    <tr className="list__spacer" aria-hidden="true" role="presentation">
      <td colSpan={COLUMNS.length} style={{ height: `${height}px` }} />
    </tr>
  );
}

/** `rowIndex`: 1-based position in the grid for aria-rowindex (the header is row 1). */
const Row = memo(function Row({ infoHash, selected, rowIndex, onPick }: {
  infoHash: string; selected: boolean; rowIndex: number; onPick: (infoHash: string, how: RowPick) => void;
}) {
  const t = useApp((s) => s.torrents[infoHash]);
  if (!t) return null;
  const done = t.progress >= 1;
  const progressClass = t.state === 'error' ? 'bar--error' : done ? 'bar--done' : t.state === 'paused' ? 'bar--paused' : '';
  return (
    <tr className={selected ? 'row row--selected' : 'row'} data-testid="torrent-row" data-infohash={t.infoHash}
      aria-selected={selected} aria-rowindex={rowIndex}
      onMouseDown={(e) => {
        // A right click on a selected row keeps the selection (the menu acts on all of it).
        if (e.button === 2 && selected) return;
        onPick(t.infoHash, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'only');
      }}>
      <td className="col-name" title={t.error ? `${t.name}\n${t.error}` : t.name}>
        <span className="name">
          {t.error && <span className="name__error" aria-label="Error"><IconAlert /></span>}
          {/* dir="auto": a Hebrew or Arabic name reads in its own direction, isolated from the row's. */}
          <span className="name__text" dir="auto">{t.name || t.infoHash}</span>
        </span>
      </td>
      <td className="col-num col-size">{t.hasMetadata ? formatBytes(t.size) : '–'}</td>
      <td className="col-progress">
        <div className={`bar ${progressClass}`} data-testid="torrent-progress" data-progress={t.progress}
          role="progressbar" aria-label="Progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(t.progress * 1000) / 10}>
          <div className="bar__fill" style={{ width: `${(t.progress * 100).toFixed(2)}%` }} />
          <span className="bar__text">{formatPercent(t.progress)}</span>
        </div>
      </td>
      <td className="col-state">
        <span className={`state state--${t.state}`} data-testid="torrent-state" data-state={t.state}>{stateLabel(t)}</span>
      </td>
      <td className="col-num col-rate">{formatRateCell(t.downloadRate)}</td>
      <td className="col-num col-rate">{formatRateCell(t.uploadRate)}</td>
      <td className="col-num col-peers">{t.peers > 0 ? `${t.peers} (${t.seeds})` : ''}</td>
      <td className="col-num col-eta">{t.state === 'downloading' && !done ? formatEta(t.eta) : ''}</td>
    </tr>
  );
});
