import { useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { DiscoveryRow, DiscoveryView, TrackerView } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatDate } from '../util/format.js';
import { pickRows, type Pick as RowPick } from './rowSelection.js';
import { AddTrackersDialog, EditTrackerDialog } from './TrackerDialogs.js';
import { usePoll } from './usePoll.js';
import { isNavigationKey, navigate } from './virtualRows.js';

const TRACKER_STATUS: Record<TrackerView['status'], string> = { idle: 'Not contacted yet', announcing: 'Updating…', working: 'Working', error: 'Not working' };
/** The rows qBittorrent keeps above the trackers, in its order and words (trackerlistmodel.cpp). */
const DISCOVERY_ROWS = [
  ['dht', '** [DHT] **'],
  ['pex', '** [PeX] **'],
  ['lsd', '** [LSD] **'],
] as const;
const DISCOVERY_STATUS: Record<DiscoveryRow['status'], string> = { working: 'Working', disabled: 'Disabled', 'disabled-for-torrent': 'Disabled for this torrent' };
/** Rows PageUp/PageDown move by (the tab is short; the list is not virtualised). */
const KEY_PAGE = 8;

/** The rows selected (by URL) and the anchor Shift extends from, as in the torrent list. */
interface Selection { urls: readonly string[]; anchor: string | null }
const NONE: Selection = { urls: [], anchor: null };

/**
 * The torrent's trackers, and qBittorrent's actions on them: add tiers, edit a URL, remove the
 * selected ones, and force a re-announce (to every tracker and the DHT). Rows are selected as in
 * qBittorrent's tracker list (and this app's torrent list): a click selects the row,
 * Ctrl/Cmd+click and Shift+click extend, a double click edits it; in the focused list Delete
 * removes the selection, Enter or F2 edits it, the arrows move, Space scrolls (never pausing the torrent). There are no checkboxes: a click
 * that both selected and checked made a double click (to edit) check and uncheck the row, and a
 * click meant to look at a row silently changed what Remove removed. Mount it with
 * `key={infoHash}` so the selection belongs to one torrent.
 */
export function TrackersTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const { value: trackers, refresh } = usePoll<TrackerView[]>(infoHash, connected, 3000,
    (h) => controller.call(() => controller.client.getTrackers({ infoHash: h }), false));
  // The DHT, PeX and LSD rows: left out by an engine that cannot tell where its peers came from.
  const { value: discovery, refresh: refreshDiscovery } = usePoll<DiscoveryView>(infoHash, connected, 3000,
    (h) => controller.call(() => controller.client.getDiscovery({ infoHash: h }), false));
  const [selection, setSelection] = useState<Selection>(NONE);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit'; url: string } | null>(null);
  /** The row Shift+arrows last moved to (the far end of the range; the anchor stays put). */
  const cursor = useRef<string | null>(null);
  if (!trackers) return <p className="muted pad">Loading trackers…</p>;
  const rows = trackers.map((t) => t.url);
  // Only rows still listed count (a tracker may go while selected), in the list's order.
  const chosen = new Set(selection.urls);
  const selected = rows.filter((url) => chosen.has(url));
  const anchor = selection.anchor !== null && rows.includes(selection.anchor) ? selection.anchor : null;

  const pick = (url: string, how: RowPick) => {
    const next = pickRows(rows, selected, anchor, url, how);
    setSelection({ urls: next.selection, anchor: next.primary });
  };
  const edit = () => {
    if (connected && selected.length === 1) setDialog({ kind: 'edit', url: selected[0]! });
  };
  const remove = async () => {
    if (!connected || selected.length === 0) return;
    if (await controller.removeTrackers(infoHash, selected)) {
      setSelection(NONE);
      refresh();
    }
  };
  const reannounce = async () => {
    if (await controller.reannounce([infoHash])) {
      refresh();
      refreshDiscovery();
    }
  };
  const onMouseDown = (url: string, e: MouseEvent) => {
    if (e.button !== 0) return;
    cursor.current = null;
    pick(url, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'only');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // preventDefault also keeps the window's shortcuts (Delete removes the torrent, Ctrl+A
    // selects every torrent) from acting on the torrent list behind this one.
    if (e.key === 'Delete' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      void remove();
    } else if (e.key === 'Enter' || e.key === 'F2') {
      e.preventDefault();
      edit();
    } else if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      setSelection({ urls: rows, anchor: anchor ?? rows[0] ?? null });
    } else if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Space scrolls the focused list, as in any list: stopped here so that the window's
      // shortcut (pause or resume the selected torrent) never sees it; not prevented, so it
      // still scrolls.
      e.stopPropagation();
    } else if (isNavigationKey(e.key)) {
      e.preventDefault();
      const from = cursor.current !== null && selected.includes(cursor.current) ? cursor.current : anchor;
      const to = rows[navigate(e.key, from === null ? -1 : rows.indexOf(from), rows.length, KEY_PAGE)];
      if (to === undefined) return;
      const extending = e.shiftKey && anchor !== null;
      cursor.current = extending ? to : null;
      pick(to, extending ? 'range' : 'only');
    }
  };
  return (
    <div className="trackers">
      <div className="trackers__bar" role="toolbar" aria-label="Trackers">
        <button type="button" className="btn" disabled={!connected} onClick={() => setDialog({ kind: 'add' })} data-testid="trackers-add">Add trackers…</button>
        <button type="button" className="btn" disabled={!connected || selected.length !== 1} onClick={edit} data-testid="trackers-edit" title="Edit (Enter)">Edit…</button>
        <button type="button" className="btn" disabled={!connected || selected.length === 0} onClick={() => void remove()} data-testid="trackers-remove" title="Remove (Delete)">
          Remove{selected.length > 1 ? ` ${selected.length}` : ''}
        </button>
        <button type="button" className="btn" disabled={!connected} onClick={() => void reannounce()} data-testid="trackers-reannounce">Force reannounce</button>
      </div>
      <div className="trackers__list" tabIndex={0} onKeyDown={onKeyDown} data-testid="trackers-list">
        <table className="table table--compact" role="grid" aria-label="Trackers" aria-multiselectable="true" data-testid="trackers-table">
          <thead>
            <tr>
              <th className="col-num">Tier</th><th>URL</th><th>Status</th><th>Message</th>
              <th>Last announce</th><th className="col-num">Peers</th><th className="col-num">Seeds</th><th className="col-num">Leechers</th>
            </tr>
          </thead>
          <tbody>
            {discovery && DISCOVERY_ROWS.map(([source, label]) => {
              const row = discovery[source];
              // Not selectable (no aria-selected: nothing to edit or remove), and not among the rows the keys move through.
              return (
                <tr key={source} className="row row--sticky" data-testid="discovery-row">
                  <td className="col-num" />
                  <td className="mono">{label}</td>
                  <td><span className={`tstatus tstatus--${row.status === 'working' ? 'working' : 'idle'}`}>{DISCOVERY_STATUS[row.status]}</span></td>
                  <td>{discovery.private ? 'This torrent is private' : ''}</td>
                  <td />
                  <td className="col-num">–</td>
                  <td className="col-num">{row.seeds}</td>
                  <td className="col-num">{row.leechers}</td>
                </tr>
              );
            })}
            {trackers.map((tr) => (
              <tr key={`${tr.tier} ${tr.url}`} className={chosen.has(tr.url) ? 'row row--selected' : 'row'} data-testid="tracker-row"
                aria-selected={chosen.has(tr.url)}
                onMouseDown={(e) => onMouseDown(tr.url, e)}
                onDoubleClick={(e) => { if (!e.shiftKey && !e.ctrlKey && !e.metaKey && connected) setDialog({ kind: 'edit', url: tr.url }); }}>
                {/* Tiers counted from 0, as qBittorrent's Trackers tab shows them. */}
                <td className="col-num">{tr.tier}</td>
                <td className="mono ellipsis" title={tr.url} data-testid="tracker-url">{tr.url}</td>
                <td><span className={`tstatus tstatus--${tr.status}`}>{TRACKER_STATUS[tr.status]}</span></td>
                <td className="ellipsis" title={tr.message ?? ''}>{tr.message ?? ''}</td>
                <td>{formatDate(tr.lastAnnounce)}</td>
                <td className="col-num">{tr.peers}</td>
                <td className="col-num">{tr.seeders ?? '–'}</td>
                <td className="col-num">{tr.leechers ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {trackers.length === 0 && (
        <p className="muted pad" data-testid="trackers-empty">This torrent has no trackers (peers come from DHT, PEX or the magnet link).</p>
      )}
      {dialog?.kind === 'add' && <AddTrackersDialog infoHash={infoHash} known={rows} onClose={() => setDialog(null)} onDone={refresh} />}
      {dialog?.kind === 'edit' && (
        <EditTrackerDialog infoHash={infoHash} url={dialog.url} onClose={() => setDialog(null)}
          onDone={(newUrl) => {
            // The edited row stays selected under its new URL, as in qBittorrent.
            const renamed = (u: string) => (u === dialog.url ? newUrl : u);
            setSelection((s) => ({ urls: s.urls.map(renamed), anchor: s.anchor === null ? null : renamed(s.anchor) }));
            refresh();
          }} />
      )}
    </div>
  );
}
