import { describe, expect, it } from 'vitest';
import { inAltSpeedWindow } from './alt-speed-schedule.js';

const weekdays = [1, 2, 3, 4, 5];

describe('inAltSpeedWindow', () => {
  it('a daytime window holds from its start up to (not including) its end on the listed days', () => {
    const w = { days: weekdays, from: 8 * 60, to: 17 * 60 };
    expect(inAltSpeedWindow(w, 1, 8 * 60 - 1)).toBe(false);
    expect(inAltSpeedWindow(w, 1, 8 * 60)).toBe(true);
    expect(inAltSpeedWindow(w, 1, 17 * 60 - 1)).toBe(true);
    expect(inAltSpeedWindow(w, 1, 17 * 60)).toBe(false);
    expect(inAltSpeedWindow(w, 0, 12 * 60)).toBe(false);
  });

  it('a window across midnight belongs to the day it starts on', () => {
    const w = { days: [5], from: 22 * 60, to: 6 * 60 };
    expect(inAltSpeedWindow(w, 5, 23 * 60)).toBe(true); // Friday night
    expect(inAltSpeedWindow(w, 6, 5 * 60)).toBe(true); // Saturday early
    expect(inAltSpeedWindow(w, 6, 6 * 60)).toBe(false);
    expect(inAltSpeedWindow(w, 6, 23 * 60)).toBe(false); // Saturday night is not listed
    expect(inAltSpeedWindow(w, 5, 5 * 60)).toBe(false); // Friday early belongs to Thursday
  });

  it('an empty window (start = end) never holds', () => {
    expect(inAltSpeedWindow({ days: [0, 1, 2, 3, 4, 5, 6], from: 600, to: 600 }, 3, 600)).toBe(false);
  });
});
