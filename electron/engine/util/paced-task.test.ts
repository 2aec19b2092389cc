import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedTask } from './paced-task.js';

describe('PacedTask', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('answers any number of requests in one turn with one run on the next turn', () => {
    const task = vi.fn();
    const paced = new PacedTask(task, { now });
    for (let i = 0; i < 100; i++) paced.request();
    expect(task).not.toHaveBeenCalled();
    vi.runOnlyPendingTimers();
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('runs a cheap task again on the next turn after every request', () => {
    const task = vi.fn();
    const paced = new PacedTask(task, { now });
    for (let round = 1; round <= 5; round++) {
      paced.request();
      vi.runOnlyPendingTimers();
      expect(task).toHaveBeenCalledTimes(round);
    }
  });

  it('waits cost × factor after an expensive run before running again', () => {
    const task = vi.fn(() => {
      clock += 5; // each run takes 5 ms
    });
    const paced = new PacedTask(task, { now, costFactor: 10, maxGapMs: 1000 });
    paced.request();
    vi.runOnlyPendingTimers();
    expect(task).toHaveBeenCalledTimes(1);
    paced.request();
    paced.request();
    vi.advanceTimersByTime(49);
    expect(task).toHaveBeenCalledTimes(1);
    clock += 50;
    vi.advanceTimersByTime(1);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('never waits longer than maxGapMs', () => {
    const task = vi.fn(() => {
      clock += 1000;
    });
    const paced = new PacedTask(task, { now, costFactor: 10, maxGapMs: 200 });
    paced.runNow();
    paced.request();
    vi.advanceTimersByTime(199);
    expect(task).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('answers a pending request with runNow, and cancel drops it', () => {
    const task = vi.fn();
    const paced = new PacedTask(task, { now });
    paced.request();
    paced.runNow();
    vi.runOnlyPendingTimers();
    expect(task).toHaveBeenCalledTimes(1);
    paced.request();
    paced.cancel();
    vi.runOnlyPendingTimers();
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('paces after a task that throws, and the error reaches the caller', () => {
    let calls = 0;
    const paced = new PacedTask(
      () => {
        calls++;
        clock += 10;
        throw new Error('boom');
      },
      { now, costFactor: 10 },
    );
    expect(() => paced.runNow()).toThrow('boom');
    paced.request();
    vi.advanceTimersByTime(99);
    expect(calls).toBe(1);
    clock += 100;
    expect(() => vi.advanceTimersByTime(1)).toThrow('boom');
    expect(calls).toBe(2);
  });
});
