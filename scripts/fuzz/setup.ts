/** Vitest setup file of the `fuzz` project: fast-check's global run count and seed. */
import fc from 'fast-check';
import { FUZZ_RUNS, FUZZ_SEED, LONG_RUN } from './budget.js';

fc.configureGlobal({ numRuns: FUZZ_RUNS, seed: FUZZ_SEED });
if (LONG_RUN) console.log(`fuzz: ${FUZZ_RUNS} inputs per target, seed ${FUZZ_SEED} (replay with TESSERA_FUZZ_SEED=${FUZZ_SEED})`);
