import { useEffect, useRef } from 'react';
import type { HealthSeverity, TorrentHealth, TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { usePoll } from '../ui/usePoll.js';

const SEVERITY_LABEL: Record<HealthSeverity, string> = { blocking: 'Stuck', slowing: 'Slows', info: 'Note' };

/** "Why is it slow, or stuck?": the engine's ranked causes for this torrent, each with what to do. */
export function HealthTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const { value: health, refresh } = usePoll<TorrentHealth>(infoHash, connected, 2000,
    (h) => controller.call(() => controller.client.getHealth({ infoHash: h }), false));
  // The poll alone left the last causes up to a poll late when peers left or the torrent was
  // paused or failed ("all peers choke us" with no peer connected): the summaries say at once
  // when that changes, so ask again then.
  const situation = useApp((s) => situationOf(s.torrents[infoHash]));
  const seen = useRef(situation);
  useEffect(() => {
    if (seen.current === situation) return;
    seen.current = situation;
    refresh();
  }, [situation, refresh]);
  // Polling stops with the connection; what was diagnosed before is no longer known to hold.
  if (!connected) return <p className="muted pad" data-testid="health-offline">Not connected to Tessera: the diagnosis comes back with the connection.</p>;
  if (!health) return <p className="muted pad">Diagnosing…</p>;
  return (
    <div className="health pad" data-testid="health-panel" data-causes={health.causes.map((c) => c.id).join(' ')}>
      {health.causes.length === 0 ? (
        <p className="health__ok" data-testid="health-ok">Nothing known holds this torrent back.</p>
      ) : (
        <ol className="health__list">
          {health.causes.map((c) => (
            <li key={c.id} className={`health__cause health__cause--${c.severity}`} data-testid="health-cause" data-cause={c.id} data-severity={c.severity}>
              <span className="health__badge">{SEVERITY_LABEL[c.severity]}</span>
              <div className="health__text">
                <strong className="health__title">{c.title}</strong>
                <span className="health__detail selectable">{c.detail}</span>
                <span className="health__action">→ {c.action}</span>
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** What the diagnosis depends on that a summary shows: a change means the last causes may be wrong. */
function situationOf(t: TorrentSummary | undefined): string {
  if (!t) return '';
  return `${t.state}|${t.peers}|${t.seeds}|${t.hasMetadata ? 1 : 0}|${t.error ?? ''}|${t.downloadRate > 0 ? 'moving' : 'stalled'}`;
}
