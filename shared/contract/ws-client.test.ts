import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_ENDED_CLOSE_CODE } from './protocol.js';
import { createWebSocketClient, type WebSocketLike } from './ws-client.js';

/** A socket the test opens and closes by hand. */
class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  private readonly listeners = new Map<string, Array<(event: never) => void>>();
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(): void {}
  close(): void {}
  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  fire(type: string, event: object = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    for (const l of this.listeners.get(type) ?? []) l(event as never);
  }
}

describe('WebSocket transport and the login session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.made = [];
  });
  afterEach(() => vi.useRealTimers());

  function connect(onSessionEnded: () => void) {
    const client = createWebSocketClient({ url: 'ws://h/ws?token=t', WebSocket: FakeSocket, onSessionEnded });
    client.subscribe(() => undefined);
    const first = FakeSocket.made[0]!;
    first.fire('open');
    return first;
  }

  it('reconnects after a dropped connection', () => {
    const ended = vi.fn();
    connect(ended).fire('close', { code: 1006 });
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.made).toHaveLength(2);
    expect(ended).not.toHaveBeenCalled();
  });

  it('does not reconnect when the host ended the session, and hands the page to the login', () => {
    const ended = vi.fn();
    connect(ended).fire('close', { code: SESSION_ENDED_CLOSE_CODE });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.made).toHaveLength(1);
    expect(ended).toHaveBeenCalledTimes(1);
  });
});
