import { describe, expect, it } from 'vitest';
import { Heartbeat, type HeartbeatSocket } from './heartbeat.js';
import type { Drain } from './drain-progress.js';

class Tab implements HeartbeatSocket {
  isPaused = false;
  pings = 0;
  terminated: 'silent' | 'stuck' | null = null;
  /** What drain() says at the next ticks, in turn; then 'idle'. */
  drains: Drain[] = [];
  ping(): void {
    this.pings++;
  }
  terminate(reason: 'silent' | 'stuck'): void {
    this.terminated = reason;
  }
  drain(): Drain {
    return this.drains.shift() ?? 'idle';
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
    expect(gone.terminated).toBe('silent');
    expect(gone.pings).toBe(2);
    expect(alive.terminated).toBe(null);
    expect(alive.pings).toBe(5);
  });

  it('does not count ticks while the host is not reading the tab and nothing waits for it (its pongs wait unread)', () => {
    const beat = new Heartbeat<Tab>(1);
    const busy = new Tab();
    beat.track(busy);
    beat.tick();
    busy.isPaused = true;
    for (let i = 0; i < 10; i++) beat.tick();
    expect(busy.terminated).toBe(null);
    busy.isPaused = false;
    beat.tick();
    expect(busy.terminated).toBe(null);
    beat.tick();
    expect(busy.terminated).toBe('silent');
  });

  it('terminates a paused tab that takes nothing queued for it for `misses` ticks', () => {
    const beat = new Heartbeat<Tab>(2);
    const stalled = new Tab();
    stalled.isPaused = true;
    stalled.drains = ['moving', 'stuck', 'stuck'];
    beat.track(stalled);
    beat.tick();
    beat.tick();
    expect(stalled.terminated).toBe(null);
    beat.tick();
    expect(stalled.terminated).toBe('stuck');
  });

  it('terminates a tab that sends frames but takes nothing queued for it', () => {
    const beat = new Heartbeat<Tab>(2);
    const writeOnly = new Tab();
    writeOnly.drains = ['moving', 'stuck', 'stuck'];
    beat.track(writeOnly);
    for (let i = 0; i < 3; i++) {
      beat.tick();
      beat.seen(writeOnly);
    }
    expect(writeOnly.terminated).toBe('stuck');
  });

  it('keeps a slow reader: its queue moves each tick though its pong waits behind it', () => {
    const beat = new Heartbeat<Tab>(2);
    const slow = new Tab();
    // Stuck now and then (the kernel frees its buffers in steps), never `misses` ticks in a row.
    slow.drains = Array.from({ length: 100 }, (_, i): Drain => (i % 3 === 1 ? 'stuck' : 'moving'));
    beat.track(slow);
    for (let i = 0; i < 100; i++) beat.tick();
    expect(slow.terminated).toBe(null);
    // Its queue empty, it reads our ping and answers.
    beat.tick();
    beat.seen(slow);
    beat.tick();
    expect(slow.terminated).toBe(null);
  });

  it('counts no silence while its queue moves, but does not forget the silence before', () => {
    const beat = new Heartbeat<Tab>(2);
    const gone = new Tab();
    beat.track(gone);
    beat.tick(); // pinged, silent 1
    gone.drains = ['moving', 'moving'];
    beat.tick();
    beat.tick();
    expect(gone.terminated).toBe(null);
    beat.tick(); // idle: pinged, silent 2
    expect(gone.terminated).toBe(null);
    beat.tick();
    expect(gone.terminated).toBe('silent');
  });

  it('forgets a closed tab', () => {
    const beat = new Heartbeat<Tab>(1);
    const closed = new Tab();
    beat.track(closed);
    beat.forget(closed);
    beat.tick();
    beat.tick();
    expect([closed.pings, closed.terminated]).toEqual([0, null]);
  });
});
