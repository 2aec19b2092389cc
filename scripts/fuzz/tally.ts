import { afterAll } from 'vitest';
import { LONG_RUN } from './budget.js';

/**
 * Counts the inputs a fuzz target really ran (corpus examples included) and prints the
 * count after the file in a long run, for the record of `npm run fuzz`. Call the returned
 * function once per input.
 */
export function tally(target: string): () => void {
  let inputs = 0;
  let first = 0;
  let last = 0;
  afterAll(() => {
    if (!LONG_RUN) return;
    const seconds = (last - first) / 1000;
    console.log(`fuzz target "${target}": ${inputs} inputs in ${seconds.toFixed(0)} s (${Math.round(inputs / Math.max(seconds, 0.001))}/s)`);
  });
  return () => {
    last = Date.now();
    if (inputs++ === 0) first = last;
    if (LONG_RUN && inputs % 100_000 === 0) console.log(`fuzz target "${target}": ${inputs} inputs so far`);
  };
}
