import type { HealthSeverity, TorrentHealth } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { usePoll } from '../ui/usePoll.js';

const SEVERITY_LABEL: Record<HealthSeverity, string> = { blocking: 'Stuck', slowing: 'Slows', info: 'Note' };

/** "Why is it slow, or stuck?": the engine's ranked causes for this torrent, each with what to do. */
export function HealthTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const { value: health } = usePoll<TorrentHealth>(infoHash, connected, 2000,
    (h) => controller.call(() => controller.client.getHealth({ infoHash: h }), false));
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
