import { describe, expect, it } from 'vitest';
import { SESSION_ENDED_CLOSE_CODE } from '../../shared/contract/index.js';
import { SessionSockets, type ClosableSocket } from './session-sockets.js';

class Tab implements ClosableSocket {
  closedWith: number | null = null;
  close(code: number): void {
    this.closedWith = code;
  }
}

describe('tabs of a login session', () => {
  it('a logout closes every tab of that session and no other', () => {
    const sockets = new SessionSockets<Tab>();
    const [a1, a2, b] = [new Tab(), new Tab(), new Tab()];
    sockets.add(a1, 'a');
    sockets.add(a2, 'a');
    sockets.add(b, 'b');
    sockets.endSession('a', 'logged out');
    expect([a1.closedWith, a2.closedWith, b.closedWith]).toEqual([SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_CLOSE_CODE, null]);
    expect(sockets.size).toBe(1);
  });

  it('a sweep keeps open tabs\' sessions alive (one touch per session) and closes tabs whose session ended', () => {
    const sockets = new SessionSockets<Tab>();
    const [a1, a2, b, gone] = [new Tab(), new Tab(), new Tab(), new Tab()];
    sockets.add(a1, 'a');
    sockets.add(a2, 'a');
    sockets.add(b, 'b');
    sockets.add(gone, 'b');
    sockets.remove(gone);
    const touched: string[] = [];
    sockets.sweep((sid) => {
      touched.push(sid);
      return sid === 'a';
    });
    expect(touched).toEqual(['a', 'b']);
    expect([a1.closedWith, a2.closedWith, b.closedWith, gone.closedWith]).toEqual([null, null, SESSION_ENDED_CLOSE_CODE, null]);
    expect(sockets.size).toBe(2);
  });
});
