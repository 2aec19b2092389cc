import { useState } from 'react';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { useController } from '../app/context.js';
import { limitToKiBText, parseKiBLimit } from '../util/limits.js';
import { appliesTo } from '../util/dialogTargets.js';
import { Dialog } from './Dialog.js';
import { RateLimitField } from './RateLimitField.js';

/**
 * A torrent's own download/upload limits (qBittorrent's "Limit download/upload rate…"), shown as
 * `t`'s and saved for every torrent in `targets` (default: `t` alone).
 */
export function TorrentLimitsDialog({ torrent: t, targets = [t.infoHash], onClose }: { torrent: TorrentSummary; targets?: readonly string[]; onClose: () => void }) {
  const controller = useController();
  const [down, setDown] = useState(() => limitToKiBText(t.downloadLimit));
  const [up, setUp] = useState(() => limitToKiBText(t.uploadLimit));
  const [problem, setProblem] = useState<string | null>(null);

  const save = async () => {
    const d = parseKiBLimit(down, 'The download limit');
    if (!d.ok) return setProblem(d.problem);
    const u = parseKiBLimit(up, 'The upload limit');
    if (!u.ok) return setProblem(u.problem);
    const done = await Promise.all(targets.map((x) => controller.setTorrentLimits(x, d.bytesPerSecond, u.bytesPerSecond)));
    if (done.every(Boolean)) onClose();
    else setProblem('The limits could not be set (see the message above).');
  };

  return (
    <Dialog title="Torrent speed limits" onCancel={onClose} testId="torrent-limits-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <p className="dialog__text" data-testid="dialog-targets">{appliesTo(t, targets.length)}</p>
        <div className="settings__pair">
          <RateLimitField label="Download" value={down} onChange={(v) => { setDown(v); setProblem(null); }} testId="torrent-download-limit" />
          <RateLimitField label="Upload" value={up} onChange={(v) => { setUp(v); setProblem(null); }} testId="torrent-upload-limit" />
        </div>
        <span className="field__hint">0 = unlimited. The global limits in Settings apply as well.</span>
        {problem && <p className="field__error" role="alert" data-testid="torrent-limits-error">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" data-testid="torrent-limits-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}
