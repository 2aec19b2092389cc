/**
 * What unit, interop and e2e tests share that is not a real peer: a seeded random generator,
 * a hand-driven clock, and waiting for a condition without a wall-clock bound. Import this
 * file directly (`../../../e2e/support/test-utils.js`): it loads nothing else, so unit tests
 * stay light.
 */
export { mulberry32 } from '../../shared/seeded-random.js';

/** Node's own timer, captured before any test installs fake timers: waiting keeps working then. */
const realSetTimeout = globalThis.setTimeout;

/** A clock for code that takes `now: () => number`: time moves only when the test says so. */
export interface ManualClock {
  now: () => number;
  advance: (ms: number) => void;
  set: (ms: number) => void;
}

export function manualClock(start = 1_000_000): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
    set: (ms) => {
      time = ms;
    },
  };
}

/** Resolves after `ms` of real time (always Node's timer, even under fake timers). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

export interface WaitOptions {
  /** Give up (throw) after this much real time. Default: never — the test runner's timeout bounds the wait. */
  timeoutMs?: number;
  /** Real time between checks. Default 5 ms. */
  pollMs?: number;
  /** Checked after the condition on every round: a dead process ends the wait at once. */
  alive?: () => boolean;
}

/**
 * Waits until `condition` holds, checking it again and again on real time. Without
 * `timeoutMs` no wall-clock bound can fail the test on a busy machine: only the condition
 * decides, and the runner's test timeout catches a condition that never comes.
 */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (options.alive && !options.alive()) throw new Error(`gave up waiting for ${what}: the process exited`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${options.timeoutMs} ms)`);
    await sleep(options.pollMs ?? 5);
  }
}

/** `text` with every regular-expression metacharacter escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Calls `attempt` until it returns a value (not null), every `pollMs` of real time; throws
 * naming `what` once `timeoutMs` has passed. For waits on real peers, whose pace no test controls.
 */
export async function pollFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | null>, pollMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let tries = 0;
  for (;;) {
    tries++;
    const value = await attempt();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still not true after ${tries} tries in ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}
