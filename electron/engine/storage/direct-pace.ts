/**
 * Whether the device keeps up with direct writes. A direct write waits for the device, so a
 * device slower than the download (a hard disk, a USB stick, a throttled cloud volume) would
 * set the download's pace; the page cache absorbs a burst and lets the kernel write it out
 * behind us, as libtorrent's mmap and qBittorrent's default do. Measured on a VM whose volume
 * takes 330–440 MB/s in 1 MiB direct writes: 1 GiB in 1 MiB pieces took 8–24 s with direct
 * writes and 3.2–4.3 s through the page cache; 256 MiB in 16 KiB pieces 4.1–5.6 s against 1.4 s.
 * On a machine whose device keeps up, direct writes spend a small share of the time and stay on.
 *
 * The rule: a window of at least `windowMs` in which direct writes took more than `busyShare`
 * of the wall time (and moved at least `minBytes`, so one slow write does not decide) pauses
 * them for `pauseMs`; then they are tried again, so a device that recovers is used again. Each
 * pause that follows a failed retry is twice as long, up to `maxPauseMs`: a device that stays
 * slow costs one window of direct writes a minute, not one every few seconds. A window that
 * passes brings the pause back to `pauseMs`.
 *
 * A busy share alone does not prove the page cache faster: a disk thread that only hashes and
 * writes spends most of its time writing either way. So the writes that go through the page
 * cache while direct writes are paused are timed too, and the two are compared per byte. A
 * page-cache window that cost at least what the last direct window did ends the pause at once,
 * and from then on a busy direct window only pauses direct writes when it cost more per byte
 * than the page cache last did. (Measured on a VM whose page cache costs 1.5 s of CPU per GiB
 * to fill: 1 GiB in 1 MiB pieces spent 55% of the disk thread's time in direct writes, so the
 * share alone sent it to the page cache, at 2.37 CPU-s against 1.8 with direct writes kept.)
 *
 * Plain JavaScript in a string: the disk threads run it (see disk-workers.ts), and the tests
 * build the same class from the same text.
 */
export const DIRECT_PACE_SOURCE = `
class DirectPace {
  // settings: { windowMs, busyShare, pauseMs, minBytes, maxPauseMs } (DIRECT_PACE).
  constructor(settings) {
    this.windowMs = settings.windowMs;
    this.busyShare = settings.busyShare;
    this.pauseMs = settings.pauseMs;
    this.minBytes = settings.minBytes;
    this.maxPauseMs = Math.max(settings.pauseMs, settings.maxPauseMs);
    this.nextPauseMs = settings.pauseMs;
    this.start = -1;
    this.busyMs = 0;
    this.bytes = 0;
    this.cachedMs = 0;
    this.cachedBytes = 0;
    // Milliseconds per byte of the last judged window of each kind; -1 until there is one.
    this.directCost = -1;
    this.cacheCost = -1;
    this.pausedUntil = -Infinity;
  }
  // Whether a direct write may go out at 'now' (milliseconds).
  allowed(now) {
    return now >= this.pausedUntil;
  }
  // A job starts: a window opens with the first job after the last one closed, so time spent
  // idle with nothing to write never counts as the device keeping up.
  begin(now) {
    if (this.start < 0) this.start = now;
  }
  // A direct write of 'bytes' took 'ms'.
  wrote(ms, bytes) {
    this.busyMs += ms;
    this.bytes += bytes;
  }
  // A write of 'bytes' that would have gone direct went through the page cache (paused) in 'ms'.
  wroteCached(ms, bytes) {
    this.cachedMs += ms;
    this.cachedBytes += bytes;
  }
  // A job ended: once the window is long enough, or already lost whatever follows (direct
  // writes took over the share of a whole window), judge it and open the next with the next job.
  end(now) {
    if (this.start < 0) return;
    const elapsed = now - this.start;
    const lost = this.bytes >= this.minBytes && this.busyMs > this.windowMs * this.busyShare;
    if (elapsed < this.windowMs && !lost) return;
    if (this.bytes >= this.minBytes) {
      this.directCost = this.busyMs / this.bytes;
      const cheaperThanCache = this.cacheCost >= 0 && this.directCost <= this.cacheCost;
      if (this.busyMs > elapsed * this.busyShare && !cheaperThanCache) {
        this.pausedUntil = now + this.nextPauseMs;
        this.nextPauseMs = Math.min(this.maxPauseMs, this.nextPauseMs * 2);
      } else {
        this.nextPauseMs = this.pauseMs;
      }
    }
    if (this.cachedBytes >= this.minBytes) {
      this.cacheCost = this.cachedMs / this.cachedBytes;
      if (this.directCost >= 0 && this.cacheCost >= this.directCost) {
        this.pausedUntil = -Infinity;
        this.nextPauseMs = this.pauseMs;
      }
    }
    this.start = -1;
    this.busyMs = 0;
    this.bytes = 0;
    this.cachedMs = 0;
    this.cachedBytes = 0;
  }
}
`;

/**
 * The disk threads' setting: a tenth of a second judged; direct writes off for 5 s when over
 * half of it went to them, then 10, 20, 40, 60 s while that lasts. Each trial on a slow device
 * costs about a window of slow writes (every download starts with one), while a window misjudged
 * on a fast device only costs 5 s of page-cache writes, so the window is short: on this VM's
 * slow volume, 200 ms windows held a 256 MiB download in 16 KiB pieces back by about 150 ms.
 */
export const DIRECT_PACE = { windowMs: 100, busyShare: 0.5, pauseMs: 5000, minBytes: 2 * 1024 * 1024, maxPauseMs: 60_000 };

export type DirectPaceSettings = typeof DIRECT_PACE;

/** The pace as the disk threads see it (for tests). */
export interface DirectPace {
  allowed(now: number): boolean;
  begin(now: number): void;
  wrote(ms: number, bytes: number): void;
  wroteCached(ms: number, bytes: number): void;
  end(now: number): void;
}

/** Builds the disk threads' DirectPace from its source (tests exercise the very text the threads run). */
export function directPace(s: DirectPaceSettings = DIRECT_PACE): DirectPace {
  const make = new Function('s', `${DIRECT_PACE_SOURCE}; return new DirectPace(s);`) as (s: DirectPaceSettings) => DirectPace;
  return make(s);
}
