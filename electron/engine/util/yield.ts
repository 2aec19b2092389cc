/**
 * Long loops over a torrent's files or pieces (100,000 files is a real torrent) must not
 * hold the event loop: sockets, timers and the UI's updates wait meanwhile. These helpers
 * split such work into chunks with a turn of the event loop between them.
 */

/** Resolves after the event loop has had a turn (timers and I/O callbacks ran). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Steps of work done between two turns of the event loop, by default. */
export const DEFAULT_CHUNK = 512;

/**
 * Counts steps of work and gives the event loop a turn after every `chunk` of them. Shared by
 * several concurrent loops, it bounds the synchronous run of all of them together.
 */
export class Chunker {
  private steps = 0;
  /** The turn a full chunk waits for: every loop sharing this chunker waits for it too. */
  private turn: Promise<void> | null = null;

  constructor(private readonly chunk = DEFAULT_CHUNK) {}

  /** Call after each step; awaits a turn of the event loop when a chunk is full (or one is awaited). */
  step(): Promise<void> | undefined {
    if (this.turn) return this.turn;
    if (++this.steps < this.chunk) return undefined;
    this.steps = 0;
    const turn = nextTurn().then(() => {
      this.turn = null;
    });
    this.turn = turn;
    return turn;
  }
}

/**
 * Runs `task(i)` for every i in [0, count), at most `limit` at a time, in order of i (tasks
 * finish in any order), with a turn of the event loop at least every `chunk` (+ `limit`) tasks however fast
 * they complete. After an error no new task starts; once the running ones are done, it rejects
 * with the first error.
 */
export async function forEachBounded(
  count: number,
  limit: number,
  task: (index: number) => Promise<void> | void,
  chunk = DEFAULT_CHUNK,
): Promise<void> {
  const chunker = new Chunker(chunk);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      await chunker.step();
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.min(limit, count); i++) lanes.push(lane());
  await Promise.all(lanes);
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * Work written as a generator that yields between chunks: run to the end at once
 * ({@link runSteps}) or with a turn of the event loop at every yield ({@link runStepsAsync}).
 * One body of code serves callers that need the answer now and callers that must stay responsive.
 */
export type Steps<T> = Generator<void, T, void>;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runStepsAsync<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await nextTurn();
  }
}
