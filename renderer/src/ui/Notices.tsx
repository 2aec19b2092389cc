import { useApp, useController } from '../app/context.js';
import { IconAlert, IconClose, IconInfo } from './icons.js';

/** Errors stay until dismissed; info notices fade after a few seconds (see Controller). */
export function Notices() {
  const controller = useController();
  const notices = useApp((s) => s.notices);
  const connection = useApp((s) => s.connection);
  const ready = useApp((s) => s.ready);
  return (
    <div className="notices" aria-live="polite">
      {connection === 'closed' && ready === false && (
        <div className="banner banner--warn" role="status">Lost the connection to the Tessera engine. Reconnecting…</div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`banner banner--${n.level}`} role={n.level === 'error' ? 'alert' : 'status'}
          data-testid={n.level === 'error' ? 'error-banner' : 'info-banner'}>
          {n.level === 'error' ? <IconAlert /> : <IconInfo />}
          <span className="banner__text">{n.message}</span>
          <button type="button" className="banner__close" aria-label="Dismiss" onClick={() => controller.dismiss(n.id)}><IconClose /></button>
        </div>
      ))}
    </div>
  );
}
