import { describe, expect, it } from 'vitest';
import { RequestWindow } from './request-window.js';

function window(max: number): { w: RequestWindow; calls: string[] } {
  const calls: string[] = [];
  const w = new RequestWindow(max, () => calls.push('pause'), () => calls.push('resume'));
  return { w, calls };
}

describe('requests in flight from one WebSocket client', () => {
  it('stop being read once `max` wait for their reply, and are read again when one is done', () => {
    const { w, calls } = window(3);
    w.begin();
    w.begin();
    expect(calls).toEqual([]);
    w.begin();
    expect(calls).toEqual(['pause']);
    w.end();
    expect(calls).toEqual(['pause', 'resume']);
    expect(w.size).toBe(2);
  });

  it('pauses once however many frames arrive after it, and resumes only below the limit', () => {
    const { w, calls } = window(2);
    for (let i = 0; i < 10; i++) w.begin();
    expect(calls).toEqual(['pause']);
    for (let i = 0; i < 8; i++) w.end();
    expect(calls).toEqual(['pause']);
    w.end();
    expect(calls).toEqual(['pause', 'resume']);
    w.end();
    w.end();
    expect(calls).toEqual(['pause', 'resume']);
    expect(w.size).toBe(0);
  });
});
