import { describe, expect, it } from 'vitest';
import { runOnWorkers } from './hash-workers.js';

// Answers each job with its own number.
const ECHO = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (n) => parentPort.postMessage({ ok: true, n }));
`;

describe('runOnWorkers', () => {
  it('takes jobs from their iterator as workers come free: never more than one per thread ahead of the answers', async () => {
    let made = 0;
    let answered = 0;
    let mostAhead = 0;
    function* jobs(): Generator<number> {
      for (let i = 0; i < 200; i++) {
        made++;
        mostAhead = Math.max(mostAhead, made - answered);
        yield i;
      }
    }
    const seen: number[] = [];
    await runOnWorkers<number, { n: number }>(ECHO, null, jobs(), 3, (job, reply) => {
      expect(reply.n).toBe(job);
      answered++;
      seen.push(job);
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(mostAhead).toBeLessThanOrEqual(3);
  });

  it('starts no more workers than there are jobs, and rejects when planning a job throws', async () => {
    await expect(runOnWorkers(ECHO, null, [], 4, () => {})).resolves.toBeUndefined();
    function* failing(): Generator<number> {
      yield 1;
      yield 2;
      throw new Error('planning failed');
    }
    await expect(runOnWorkers(ECHO, null, failing(), 1, () => {})).rejects.toThrow('planning failed');
  });
});
