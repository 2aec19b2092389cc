import { describe, expect, it } from 'vitest';
import { Heartbeat, type HeartbeatSocket } from './heartbeat.js';

class Tab implements HeartbeatSocket {
  isPaused = false;
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('WebSocket heartbeat', () => {
  it('terminates a tab that answers nothing for `misses` ticks, and only that one', () => {
    const beat = new Heartbeat<Tab>(2);
    const [gone, alive] = [new Tab(), new Tab()];
    beat.track(gone);
    beat.track(alive);
    for (let i = 0; i < 5; i++) {
      beat.tick();
      beat.seen(alive);
    }
    expect(gone.terminated).toBe(true);
    expect(gone.pings).toBe(2);
    expect(alive.terminated).toBe(false);
    expect(alive.pings).toBe(5);
  });

  it('does not count ticks while the host is not reading the tab (its pongs wait unread)', () => {
    const beat = new Heartbeat<Tab>(1);
    const busy = new Tab();
    beat.track(busy);
    beat.tick();
    busy.isPaused = true;
    for (let i = 0; i < 10; i++) beat.tick();
    expect(busy.terminated).toBe(false);
    busy.isPaused = false;
    beat.tick();
    expect(busy.terminated).toBe(false);
    beat.tick();
    expect(busy.terminated).toBe(true);
  });

  it('forgets a closed tab', () => {
    const beat = new Heartbeat<Tab>(1);
    const closed = new Tab();
    beat.track(closed);
    beat.forget(closed);
    beat.tick();
    beat.tick();
    expect([closed.pings, closed.terminated]).toEqual([0, false]);
  });
});
