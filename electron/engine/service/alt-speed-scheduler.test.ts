import { describe, expect, it } from 'vitest';
import { DEFAULT_ALT_SPEED, type AltSpeedSettings, type Settings } from '../../../shared/contract/index.js';
import { AltSpeedScheduler } from './alt-speed-scheduler.js';
import { defaultSettings } from './state.js';

/** A fake clock: Monday 2026-11-30 at hh:mm local time. */
const monday = (hh: number, mm = 0): Date => new Date(2026, 10, 30, hh, mm);

function setup(alt: Partial<AltSpeedSettings>) {
  let settings: Settings = { ...defaultSettings('/d'), altSpeed: { ...DEFAULT_ALT_SPEED, scheduled: true, days: [1], from: 9 * 60, to: 17 * 60, ...alt } };
  let clock = monday(8);
  const switches: boolean[] = [];
  const scheduler = new AltSpeedScheduler(
    {
      settings: () => settings,
      setActive: (active) => {
        switches.push(active);
        settings = { ...settings, altSpeed: { ...settings.altSpeed!, active } };
      },
    },
    () => clock,
  );
  return {
    scheduler,
    switches,
    at: (d: Date) => {
      clock = d;
      scheduler.check();
    },
    userSets: (active: boolean) => {
      settings = { ...settings, altSpeed: { ...settings.altSpeed!, active } };
    },
  };
}

describe('AltSpeedScheduler', () => {
  it('turns the limits on at the start of the window and off at its end', () => {
    const s = setup({});
    s.at(monday(8));
    expect(s.switches).toEqual([]);
    s.at(monday(9));
    expect(s.switches).toEqual([true]);
    s.at(monday(12));
    s.at(monday(17));
    expect(s.switches).toEqual([true, false]);
  });

  it("the user's switch stands until the next boundary", () => {
    const s = setup({});
    s.at(monday(10));
    expect(s.switches).toEqual([true]);
    s.userSets(false);
    s.at(monday(11));
    s.at(monday(16, 59));
    expect(s.switches).toEqual([true]);
    s.userSets(true);
    s.at(monday(17));
    expect(s.switches).toEqual([true, false]);
  });

  it('does nothing while the schedule is off', () => {
    const s = setup({ scheduled: false });
    s.at(monday(10));
    s.at(monday(18));
    expect(s.switches).toEqual([]);
  });

  it('applies the schedule at the first check (a start inside the window)', () => {
    const s = setup({});
    s.at(monday(13));
    expect(s.switches).toEqual([true]);
  });
});
