import { useCallback, useState } from 'react';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatLimit } from '../util/limits.js';
import { EngineCheckbox } from './EngineCheckbox.js';
import { IconDown, IconUp } from './icons.js';
import { TorrentLimitsDialog } from './TorrentLimitsDialog.js';

/** Per-torrent download options: piece order switches and the torrent's own speed limits. */
export function TorrentOptions({ torrent: t }: { torrent: TorrentSummary }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const [limitsOpen, setLimitsOpen] = useState(false);
  const closeLimits = useCallback(() => setLimitsOpen(false), []);
  return (
    <div className="torrent-options" data-testid="torrent-options">
      <EngineCheckbox label="Download in sequential order" checked={t.sequential} disabled={!connected} testId="torrent-sequential"
        onChange={(on) => controller.setSequential(t.infoHash, on)} />
      <EngineCheckbox label="Download first and last pieces first" checked={t.firstLastPiecesFirst} disabled={!connected} testId="torrent-first-last"
        onChange={(on) => controller.setFirstLastPiecesFirst(t.infoHash, on)} />
      <span className="torrent-options__limits" data-testid="torrent-limits" data-download={t.downloadLimit} data-upload={t.uploadLimit}
        title="This torrent's own limits (the global ones apply as well)">
        <span>Speed limit</span>
        <span className="torrent-options__limit" aria-label={`download ${formatLimit(t.downloadLimit)}`}><IconDown /> {formatLimit(t.downloadLimit)}</span>
        <span className="torrent-options__limit" aria-label={`upload ${formatLimit(t.uploadLimit)}`}><IconUp /> {formatLimit(t.uploadLimit)}</span>
        <button type="button" className="btn" disabled={!connected} onClick={() => setLimitsOpen(true)} data-testid="torrent-limits-button">
          Limit speed…
        </button>
      </span>
      {limitsOpen && <TorrentLimitsDialog torrent={t} onClose={closeLimits} />}
    </div>
  );
}
