import { describe, expect, it } from 'vitest';
import { PipelinedRequests } from './pipelined-requests.js';

describe('requests pipelined on one HTTP connection', () => {
  it('up to `max` may wait for their responses; one more is refused', () => {
    const pipelined = new PipelinedRequests<object>(2);
    const a = {};
    expect(pipelined.arrive(a)).toBe(true);
    expect(pipelined.arrive(a)).toBe(true);
    expect(pipelined.arrive(a)).toBe(false);
  });

  it('a response that ends makes room; connections are counted apart', () => {
    const pipelined = new PipelinedRequests<object>(1);
    const [a, b] = [{}, {}];
    expect(pipelined.arrive(a)).toBe(true);
    expect(pipelined.arrive(b)).toBe(true);
    pipelined.done(a);
    expect(pipelined.arrive(a)).toBe(true);
    expect(pipelined.arrive(b)).toBe(false);
  });

  it('a keep-alive connection serves any number of requests one after another', () => {
    const pipelined = new PipelinedRequests<object>(1);
    const a = {};
    for (let i = 0; i < 100; i++) {
      expect(pipelined.arrive(a)).toBe(true);
      pipelined.done(a);
    }
  });
});
