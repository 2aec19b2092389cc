/** Vitest setup file of the `fuzz` project: fast-check's global run count and seed. */
import fc from 'fast-check';
import { FUZZ_RUNS, FUZZ_SEED, FUZZ_TIME_LIMIT_MS, LONG_RUN } from './budget.js';

fc.configureGlobal({ numRuns: FUZZ_RUNS, seed: FUZZ_SEED, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, markInterruptAsFailure: false });
if (LONG_RUN) {
  const limit = FUZZ_TIME_LIMIT_MS === undefined ? '' : `, at most ${FUZZ_TIME_LIMIT_MS / 1000} s per property`;
  console.log(`fuzz: ${FUZZ_RUNS} inputs per target${limit}, seed ${FUZZ_SEED} (replay with TESSERA_FUZZ_SEED=${FUZZ_SEED})`);
}
