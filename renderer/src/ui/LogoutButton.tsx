import { useEffect, useState } from 'react';
import { goToLogin, LOGOUT_PATH, SESSION_PATH } from '../../../shared/contract/index.js';
import { errorText } from '../../../shared/error-text.js';
import { useApp, useController } from '../app/context.js';

/**
 * "Log out" of a remote web UI (the host bound beyond loopback asks for a login, as
 * qbittorrent-nox does). Shown only there: the desktop app and a loopback host have no session.
 * Logging out ends the session on the host, which closes this tab's connection and every other
 * tab of the session, then shows the login page.
 */
export function LogoutButton() {
  const controller = useController();
  const web = useApp((s) => s.capabilities?.transport === 'web');
  const [login, setLogin] = useState(false);

  useEffect(() => {
    if (!web) return;
    let live = true;
    fetch(SESSION_PATH, { credentials: 'same-origin', cache: 'no-store' })
      .then(async (r) => (r.ok ? ((await r.json()) as { login?: unknown }) : null))
      .then((body) => {
        if (live) setLogin(body?.login === true);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [web]);

  if (!web || !login) return null;
  const logOut = async (): Promise<void> => {
    try {
      const r = await fetch(LOGOUT_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok && !r.redirected) throw new Error(`the host answered ${r.status}`);
      goToLogin(window.location);
    } catch (err) {
      controller.notify('error', `Could not log out: ${errorText(err)}`);
    }
  };
  return (
    <button type="button" className="btn" data-testid="logout-button" onClick={() => void logOut()} title="End this web UI session">
      Log out
    </button>
  );
}
