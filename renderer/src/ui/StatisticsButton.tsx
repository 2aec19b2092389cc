import { useState } from 'react';
import type { Statistics } from '../../../shared/contract/index.js';
import { useController } from '../app/context.js';
import { formatBytes } from '../util/format.js';
import { Dialog } from './Dialog.js';
import { usePoll } from './usePoll.js';

/** The status bar's "Statistics" (qBittorrent's Statistics window): this session and all time, kept across restarts. */
export function StatisticsButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="statusbar__toggle" onClick={() => setOpen(true)} data-testid="status-statistics">Statistics</button>
      {open && <StatisticsDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function StatisticsDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const { value } = usePoll<Statistics>('statistics', true, 2000, () => controller.call(() => controller.client.getStatistics({}), false));
  const ratio = (up: number, down: number) => (down > 0 ? (up / down).toFixed(2) : '–');
  return (
    <Dialog title="Statistics" onCancel={onClose} testId="statistics-dialog">
      {value ? (
        <dl className="add__facts" data-testid="statistics">
          <dt>Downloaded this session</dt><dd data-testid="stat-session-down">{formatBytes(value.sessionDownloaded)}</dd>
          <dt>Uploaded this session</dt><dd data-testid="stat-session-up">{formatBytes(value.sessionUploaded)}</dd>
          <dt>Ratio this session</dt><dd>{ratio(value.sessionUploaded, value.sessionDownloaded)}</dd>
          <dt>Downloaded all time</dt><dd data-testid="stat-all-down">{formatBytes(value.allTimeDownloaded)}</dd>
          <dt>Uploaded all time</dt><dd data-testid="stat-all-up">{formatBytes(value.allTimeUploaded)}</dd>
          <dt>Ratio all time</dt><dd data-testid="stat-all-ratio">{ratio(value.allTimeUploaded, value.allTimeDownloaded)}</dd>
        </dl>
      ) : (
        <p className="dialog__text">Loading…</p>
      )}
      <div className="dialog__actions">
        <button type="button" className="btn btn--primary" data-autofocus onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}
