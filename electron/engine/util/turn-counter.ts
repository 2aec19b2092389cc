/**
 * For tests of work that must not hold the event loop: counts its turns (a setImmediate that
 * keeps rescheduling itself), so a test can tell how much work ran between two of them without
 * measuring time.
 */
export class TurnCounter {
  private turns = 0;
  private handle: NodeJS.Immediate;

  constructor() {
    const tick = (): void => {
      this.turns++;
      this.handle = setImmediate(tick);
    };
    this.handle = setImmediate(tick);
  }

  /** Turns so far. */
  get now(): number {
    return this.turns;
  }

  stop(): number {
    clearImmediate(this.handle);
    return this.turns;
  }
}

/** The most calls made between two turns, given the turn (`TurnCounter.now`) at each call. */
export function mostPerTurn(turnAtCall: readonly number[]): number {
  const perTurn = new Map<number, number>();
  for (const t of turnAtCall) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
  return Math.max(0, ...perTurn.values());
}
