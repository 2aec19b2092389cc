/**
 * How hard the fuzz targets (`*.fuzz.test.ts`) work, from the environment:
 *
 * - TESSERA_FUZZ_RUNS: inputs per target. `npm test` leaves it unset and gets a short budget
 *   (DEFAULT_RUNS); `npm run fuzz` sets 1,000,000.
 * - TESSERA_FUZZ_SEED: replay one run (fast-check prints the seed of a failing run). Unset, a
 *   short run uses a fixed seed (so `npm test` is reproducible) and a long run a fresh one.
 * - TESSERA_FUZZ_TIME_LIMIT: seconds after which a property stops early (passing, with the
 *   count it reached printed), so a long run on a busy machine ends when planned.
 */
export const DEFAULT_RUNS = 1500;
const FIXED_SEED = 0x7e55e4a;

function readInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return n;
}

/** Inputs per target. */
export const FUZZ_RUNS = readInt('TESSERA_FUZZ_RUNS') ?? DEFAULT_RUNS;

/** A long run (npm run fuzz) rather than the short one inside npm test. */
export const LONG_RUN = FUZZ_RUNS > DEFAULT_RUNS;

/** Per-property time limit in milliseconds, or undefined for none. */
export const FUZZ_TIME_LIMIT_MS = ((s) => (s === undefined ? undefined : s * 1000))(readInt('TESSERA_FUZZ_TIME_LIMIT'));

export const FUZZ_SEED = readInt('TESSERA_FUZZ_SEED') ?? (LONG_RUN ? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0 : FIXED_SEED);

/**
 * Inputs for a target that is much slower per input than the rest (a Diffie-Hellman key
 * exchange per input, say): the short budget is divided by `divisor` so `npm test` stays
 * quick; a long run always does the full TESSERA_FUZZ_RUNS.
 */
export function runsFor(divisor: number): number {
  return LONG_RUN ? FUZZ_RUNS : Math.max(50, Math.ceil(FUZZ_RUNS / divisor));
}

/**
 * Inputs for a secondary property of a target (a round trip through our own encoder, whose
 * generators are costly): the full count in a short run, a tenth of it in a long one.
 */
export const SECONDARY_RUNS = LONG_RUN ? Math.ceil(FUZZ_RUNS / 10) : FUZZ_RUNS;
