/**
 * Which open WebSocket (UI tab) came in on which login session, so that ending a session ends
 * its tabs too. Without it a tab stayed authorised after its user logged out or the session
 * was dropped (idle, or the oldest of too many), since a WebSocket is only checked when it opens.
 * A tab that stays open keeps its session alive, as qBittorrent's web UI does by polling.
 */
import { SESSION_ENDED_CLOSE_CODE } from '../../shared/contract/index.js';

export interface ClosableSocket {
  close(code: number, reason: string): void;
}

export class SessionSockets<S extends ClosableSocket = ClosableSocket> {
  private readonly sessionOf = new Map<S, string>();

  /** `socket` was opened with login session `sessionId`. */
  add(socket: S, sessionId: string): void {
    this.sessionOf.set(socket, sessionId);
  }

  remove(socket: S): void {
    this.sessionOf.delete(socket);
  }

  /** Closes every tab of `sessionId` (the user logged out). */
  endSession(sessionId: string, reason: string): void {
    for (const [socket, sid] of [...this.sessionOf]) {
      if (sid !== sessionId) continue;
      this.sessionOf.delete(socket);
      socket.close(SESSION_ENDED_CLOSE_CODE, reason);
    }
  }

  /**
   * Keeps the sessions of open tabs alive through `touch` (true while the session lives) and
   * closes the tabs whose session has ended. Each session is touched once per sweep.
   */
  sweep(touch: (sessionId: string) => boolean): void {
    const live = new Map<string, boolean>();
    for (const [socket, sid] of [...this.sessionOf]) {
      let ok = live.get(sid);
      if (ok === undefined) {
        ok = touch(sid);
        live.set(sid, ok);
      }
      if (ok) continue;
      this.sessionOf.delete(socket);
      socket.close(SESSION_ENDED_CLOSE_CODE, 'session ended: log in again');
    }
  }

  get size(): number {
    return this.sessionOf.size;
  }
}
