import { useState } from 'react';
import type { TrackerView } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatDate } from '../util/format.js';
import { AddTrackersDialog, EditTrackerDialog } from './TrackerDialogs.js';
import { usePoll } from './usePoll.js';

const TRACKER_STATUS: Record<TrackerView['status'], string> = { idle: 'Not contacted yet', announcing: 'Updating…', working: 'Working', error: 'Not working' };

/**
 * The torrent's trackers, and qBittorrent's actions on them: add tiers, edit a URL, remove the
 * checked ones, and force a re-announce (to every tracker and the DHT). Mount it with
 * `key={infoHash}` so the checked rows belong to one torrent.
 */
export function TrackersTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const { value: trackers, refresh } = usePoll<TrackerView[]>(infoHash, connected, 3000,
    (h) => controller.call(() => controller.client.getTrackers({ infoHash: h }), false));
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit'; url: string } | null>(null);
  if (!trackers) return <p className="muted pad">Loading trackers…</p>;
  // Only rows still listed count (a tracker may go while checked).
  const selected = trackers.map((t) => t.url).filter((url) => checked.has(url));
  const toggle = (url: string) => setChecked((old) => {
    const next = new Set(old);
    if (!next.delete(url)) next.add(url);
    return next;
  });
  const remove = async () => {
    if (await controller.removeTrackers(infoHash, selected)) {
      setChecked(new Set());
      refresh();
    }
  };
  const reannounce = async () => {
    if (await controller.reannounce([infoHash])) refresh();
  };
  return (
    <div className="trackers">
      <div className="trackers__bar" role="toolbar" aria-label="Trackers">
        <button type="button" className="btn" disabled={!connected} onClick={() => setDialog({ kind: 'add' })} data-testid="trackers-add">Add trackers…</button>
        <button type="button" className="btn" disabled={!connected || selected.length !== 1} onClick={() => setDialog({ kind: 'edit', url: selected[0]! })} data-testid="trackers-edit">Edit…</button>
        <button type="button" className="btn" disabled={!connected || selected.length === 0} onClick={() => void remove()} data-testid="trackers-remove">
          Remove{selected.length > 1 ? ` ${selected.length}` : ''}
        </button>
        <button type="button" className="btn" disabled={!connected} onClick={() => void reannounce()} data-testid="trackers-reannounce">Force reannounce</button>
      </div>
      {trackers.length === 0 ? (
        <p className="muted pad" data-testid="trackers-empty">This torrent has no trackers (peers come from DHT, PEX or the magnet link).</p>
      ) : (
        <table className="table table--compact" data-testid="trackers-table">
          <thead>
            <tr>
              <th><span className="visually-hidden">Checked</span></th>
              <th className="col-num">Tier</th><th>URL</th><th>Status</th><th>Message</th>
              <th>Last announce</th><th className="col-num">Peers</th><th className="col-num">Seeds</th><th className="col-num">Leechers</th>
            </tr>
          </thead>
          <tbody>
            {trackers.map((tr) => (
              <tr key={`${tr.tier} ${tr.url}`} className={checked.has(tr.url) ? 'row row--selected' : 'row'} data-testid="tracker-row"
                onClick={(e) => { if (!(e.target instanceof HTMLInputElement)) toggle(tr.url); }}
                onDoubleClick={() => connected && setDialog({ kind: 'edit', url: tr.url })}>
                <td><input type="checkbox" checked={checked.has(tr.url)} onChange={() => toggle(tr.url)} aria-label={`Select ${tr.url}`} data-testid="tracker-check" /></td>
                <td className="col-num">{tr.tier + 1}</td>
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
      )}
      {dialog?.kind === 'add' && <AddTrackersDialog infoHash={infoHash} known={trackers.map((t) => t.url)} onClose={() => setDialog(null)} onDone={refresh} />}
      {dialog?.kind === 'edit' && (
        <EditTrackerDialog infoHash={infoHash} url={dialog.url} onClose={() => setDialog(null)}
          onDone={() => { setChecked((old) => new Set([...old].filter((u) => u !== dialog.url))); refresh(); }} />
      )}
    </div>
  );
}
