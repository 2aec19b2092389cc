/**
 * When the alternative speed limits' schedule wants them on (qBittorrent's "Schedule the use
 * of alternative rate limits"). Pure: the caller passes the local day of the week and minute
 * of the day. A window whose end is before its start spans midnight: it belongs to the day it
 * starts on (22:00–06:00 on Friday covers Friday night and the early hours of Saturday).
 */
export interface AltSpeedWindow {
  /** Days the window starts on, 0 = Sunday. */
  days: readonly number[];
  /** Minutes after midnight. */
  from: number;
  to: number;
}

export function inAltSpeedWindow(w: AltSpeedWindow, day: number, minute: number): boolean {
  if (w.from === w.to) return false;
  if (w.from < w.to) return w.days.includes(day) && minute >= w.from && minute < w.to;
  const yesterday = (day + 6) % 7;
  return (w.days.includes(day) && minute >= w.from) || (w.days.includes(yesterday) && minute < w.to);
}
