/**
 * The one way a web UI page leaves for the login page. Two things send it there when a session
 * ends: the Log out button once the host confirmed, and the WebSocket closing with
 * SESSION_ENDED_CLOSE_CODE. Both usually happen within a few milliseconds; a second
 * `location.assign` while the first navigation is under way restarts it, so a page could load
 * the login page twice (and a navigation the user starts meanwhile is cut short). Once per page.
 */
import { LOGIN_PATH } from './protocol.js';

interface Navigable {
  assign?(url: string): void;
}

const leaving = new WeakSet<Navigable>();

export function goToLogin(location: Navigable): void {
  if (leaving.has(location)) return;
  leaving.add(location);
  location.assign?.(LOGIN_PATH);
}
