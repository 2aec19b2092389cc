import { describe, expect, it } from 'vitest';
import { mostPerTurn, TurnCounter } from './turn-counter.js';
import { Chunker, forEachBounded, nextTurn, runSteps, runStepsAsync, type Steps } from './yield.js';

describe('forEachBounded', () => {
  it('runs every index once, never more than `limit` at a time', async () => {
    const seen: number[] = [];
    let running = 0;
    let most = 0;
    await forEachBounded(100, 4, async (i) => {
      running++;
      most = Math.max(most, running);
      await nextTurn();
      seen.push(i);
      running--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(most).toBe(4);
  });

  it('gives the event loop a turn every `chunk` tasks even when they finish at once', async () => {
    const turns = new TurnCounter();
    const turnAtTask: number[] = [];
    await forEachBounded(10_000, 8, () => void turnAtTask.push(turns.now), 100);
    turns.stop();
    expect(turnAtTask).toHaveLength(10_000);
    // A chunk, plus the tasks of the other lanes already under way when it filled.
    expect(mostPerTurn(turnAtTask)).toBeLessThanOrEqual(100 + 8);
  });

  it('starts nothing after an error, and rejects with it once the running tasks are done', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = forEachBounded(1000, 3, async (i) => {
      started.push(i);
      await nextTurn();
      if (i === 5) throw new Error('task 5 failed');
      finished++;
    });
    await expect(run).rejects.toThrow('task 5 failed');
    expect(Math.max(...started)).toBeLessThan(10);
    expect(finished).toBe(started.length - 1);
  });
});

describe('Chunker and steps', () => {
  it('asks for a turn once per chunk; until it came, every step waits for it', async () => {
    const c = new Chunker(3);
    expect([c.step(), c.step(), c.step(), c.step()].map((p) => p !== undefined)).toEqual([false, false, true, true]);
    await c.step();
    expect([c.step(), c.step(), c.step()].map((p) => p !== undefined)).toEqual([false, false, true]);
  });

  function* count(n: number): Steps<number> {
    let sum = 0;
    for (let i = 1; i <= n; i++) {
      sum += i;
      yield;
    }
    return sum;
  }

  it('runSteps and runStepsAsync give the same result; the async one turns the event loop at each yield', async () => {
    expect(runSteps(count(10))).toBe(55);
    const turns = new TurnCounter();
    expect(await runStepsAsync(count(10))).toBe(55);
    expect(turns.stop()).toBeGreaterThanOrEqual(9);
  });
});
