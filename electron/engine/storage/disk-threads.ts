import { availableParallelism } from 'node:os';

/**
 * How many disk threads (hash and write) a session runs. The event loop is itself one busy
 * thread while downloading, so on two cores a second disk thread only competes with it and
 * with the first. Measured here (2 cores, `npm run bench -- --cases big,small --runs 3`, one
 * thread against two in turn): 1 GiB in 1 MiB pieces at 440–547 MiB/s with 1.65–2.15 CPU-s
 * against 313–406 MiB/s with 2.43–2.56; 256 MiB in 16 KiB pieces at 257–272 MiB/s with
 * 1.36–1.39 CPU-s against 254–262 with 1.40–1.47; 10 MiB less peak RSS. One thread hashes
 * SHA-1 at over 1 GB/s, and each one costs about 0.1 CPU-s to start (Node boots its internals
 * again in it). With more cores, two, as before.
 */
export function diskThreadsFor(cores: number = availableParallelism()): number {
  return cores <= 2 ? 1 : 2;
}
