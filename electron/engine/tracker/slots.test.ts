import { describe, expect, it } from 'vitest';
import { Slots, type ReleaseSlot } from './slots.js';
import { TrackerError } from './types.js';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  it('lets `limit` holders in at once and serves the rest first come, first served', async () => {
    const slots = new Slots(2, 'test');
    const order: number[] = [];
    const releases = new Map<number, ReleaseSlot>();
    for (let i = 0; i < 5; i++) {
      void slots.acquire().then((release) => {
        order.push(i);
        releases.set(i, release);
      });
    }
    await settle();
    expect(order).toEqual([0, 1]);
    expect([slots.active, slots.queued]).toEqual([2, 3]);
    releases.get(1)?.();
    releases.get(1)?.(); // a second call gives nothing back twice
    await settle();
    expect(order).toEqual([0, 1, 2]);
    expect([slots.active, slots.queued]).toEqual([2, 2]);
    releases.get(0)?.();
    releases.get(2)?.();
    await settle();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    releases.get(3)?.();
    releases.get(4)?.();
    expect([slots.active, slots.queued]).toEqual([0, 0]);
  });

  it('a cancelled waiter leaves the queue at once and never takes a slot', async () => {
    const slots = new Slots(1, 'HTTP announce');
    const first = await slots.acquire();
    const abort = new AbortController();
    const cancelled = slots.acquire({ signal: abort.signal });
    const next = slots.acquire();
    expect(slots.queued).toBe(2);
    abort.abort();
    await expect(cancelled).rejects.toMatchObject({ kind: 'aborted', message: 'HTTP announce cancelled' });
    expect(slots.queued).toBe(1);
    first();
    const release = await next;
    expect(slots.active).toBe(1);
    release();
    await expect(slots.acquire({ signal: abort.signal })).rejects.toBeInstanceOf(TrackerError);
    expect([slots.active, slots.queued]).toEqual([0, 0]);
  });

  it('gives up waiting after deadlineMs with a timeout error', async () => {
    const slots = new Slots(1, 'UDP announce');
    const held = await slots.acquire();
    await expect(slots.acquire({ deadlineMs: 5 })).rejects.toMatchObject({ kind: 'timeout', message: 'no free UDP announce slot within 5 ms (1 busy)' });
    expect(slots.queued).toBe(0);
    held();
    // A free slot is taken at once, whatever the deadline.
    (await slots.acquire({ deadlineMs: 0 }))();
  });

  it('run() gives the slot back when the task throws', async () => {
    const slots = new Slots(1, 'test');
    await expect(slots.run({}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.active).toBe(0);
    expect(await slots.run({}, () => Promise.resolve(7))).toBe(7);
  });

  it('refuses a limit below one', () => {
    expect(() => new Slots(0, 'test')).toThrow(RangeError);
  });
});
