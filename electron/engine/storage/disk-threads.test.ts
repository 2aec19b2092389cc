import { describe, expect, it } from 'vitest';
import { diskThreadsFor } from './disk-threads.js';

describe('diskThreadsFor', () => {
  it('runs one disk thread beside the event loop on one or two cores', () => {
    expect(diskThreadsFor(1)).toBe(1);
    expect(diskThreadsFor(2)).toBe(1);
  });

  it('runs two from three cores up', () => {
    expect(diskThreadsFor(3)).toBe(2);
    expect(diskThreadsFor(64)).toBe(2);
  });

  it('asks the machine when not told', () => {
    expect([1, 2]).toContain(diskThreadsFor());
  });
});
