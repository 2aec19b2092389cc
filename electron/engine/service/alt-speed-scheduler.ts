/**
 * Switches the alternative speed limits at the schedule's boundaries. Between boundaries the
 * user's switch (the status bar's turtle) stands; at the next boundary the schedule decides
 * again, as in qBittorrent. Checked every `intervalMs` on the injected clock.
 */
import { altSpeedOf, type Settings } from '../../../shared/contract/index.js';
import { inAltSpeedWindow } from '../../../shared/alt-speed-schedule.js';

export interface SchedulerHost {
  settings(): Settings;
  /** Turns the alternative limits on or off (a settings change, saved and broadcast). */
  setActive(active: boolean): void;
}

export const ALT_SPEED_CHECK_MS = 15_000;

export class AltSpeedScheduler {
  /** What the schedule wanted at the last check; null before the first or while not scheduled. */
  private wanted: boolean | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: SchedulerHost,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(intervalMs = ALT_SPEED_CHECK_MS): void {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Applies the schedule when it crossed a boundary since the last check (or on the first check). */
  check(): void {
    const alt = altSpeedOf(this.host.settings());
    if (!alt.scheduled) {
      this.wanted = null;
      return;
    }
    const now = this.now();
    const wanted = inAltSpeedWindow(alt, now.getDay(), now.getHours() * 60 + now.getMinutes());
    if (wanted === this.wanted) return;
    this.wanted = wanted;
    if (alt.active !== wanted) this.host.setActive(wanted);
  }
}
