import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedIntervals } from './shared-intervals.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SharedIntervals', () => {
  it('runs every listener of a period from one timer, and stops the timer with the last listener', () => {
    const intervals = new SharedIntervals();
    const calls: string[] = [];
    const stopA = intervals.every(1000, () => calls.push('a'));
    vi.advanceTimersByTime(400);
    const stopB = intervals.every(1000, () => calls.push('b'));
    const stopSlow = intervals.every(30_000, () => calls.push('slow'));
    expect(vi.getTimerCount()).toBe(2); // one per period, not one per listener
    vi.advanceTimersByTime(600);
    expect(calls).toEqual(['a', 'b']);
    stopA();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['a', 'b', 'b']);
    stopB();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(28_400); // 30 s after it was added (at 400 ms)
    expect(calls).toEqual(['a', 'b', 'b', 'slow']);
    stopSlow();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not call a listener removed earlier in the same round, and calls one added twice twice', () => {
    const intervals = new SharedIntervals();
    const calls: string[] = [];
    let stopSecond = (): void => undefined;
    intervals.every(1000, () => {
      calls.push('first');
      stopSecond();
    });
    stopSecond = intervals.every(1000, () => calls.push('second'));
    const twice = (): number => calls.push('twice');
    const stopOne = intervals.every(1000, twice);
    intervals.every(1000, twice);
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['first', 'twice', 'twice']);
    stopOne();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['first', 'twice', 'twice', 'first', 'twice']);
    intervals.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('SharedIntervals rounds', () => {
  it('calls a listener added during a round from the next round on, and keeps the order', () => {
    const intervals = new SharedIntervals();
    const calls: string[] = [];
    let added = false;
    intervals.every(1000, () => {
      calls.push('first');
      if (added) return;
      added = true;
      intervals.every(1000, () => calls.push('late'));
    });
    intervals.every(1000, () => calls.push('second'));
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['first', 'second']);
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['first', 'second', 'first', 'second', 'late']);
  });
});
