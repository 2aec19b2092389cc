import { useEffect, useState } from 'react';
import { useApp } from '../app/context.js';

/** Where the web host answers whether it asks for a login, and where a session ends (electron/host/server.ts). */
const SESSION_URL = '/session';
const LOGOUT_URL = '/logout';

/**
 * "Log out" of a remote web UI (the host bound beyond loopback asks for a login, as
 * qbittorrent-nox does). Shown only there: the desktop app and a loopback host have no session.
 * Logging out ends the session on the host, which closes this tab's connection and every other
 * tab of the session, then shows the login page.
 */
export function LogoutButton() {
  const web = useApp((s) => s.capabilities?.transport === 'web');
  const [login, setLogin] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    if (!web) return;
    let live = true;
    fetch(SESSION_URL, { credentials: 'same-origin', cache: 'no-store' })
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
      const r = await fetch(LOGOUT_URL, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok && !r.redirected) throw new Error(`the host answered ${r.status}`);
      window.location.assign('/login');
    } catch (err) {
      setFailed(`Could not log out: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <button type="button" className="btn" data-testid="logout-button" onClick={() => void logOut()} title={failed ?? 'End this web UI session'}>
      Log out
    </button>
  );
}
