/**
 * Strangers querying us each earn a ping-back (they join the table if they answer), but only
 * within a small rate: a flood of queries from many addresses must not turn into as many
 * outgoing pings and crowd out our own lookups. Everything stays on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from './ids.js';
import { encodeQuery } from './krpc.js';
import { DhtNode } from './node.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 4000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A querier that never answers (so it never joins the table and stays a stranger). */
async function stranger(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  open.push(() => new Promise<void>((r) => socket.close(() => r())));
  return socket;
}

describe('DhtNode ping-backs', () => {
  it('pings back at most the burst of unknown queriers while the clock stands still; the rest are dropped', async () => {
    // A clock that never moves: the ping-back budget never refills during the test.
    const node = new DhtNode({ host: '127.0.0.1', port: 0, bootstrap: [], restrictRoutingIps: false, now: () => 1_000_000 });
    node.on('warning', () => undefined);
    const address = await node.start();
    open.push(() => node.close());
    const queriers = 30;
    for (let i = 0; i < queriers; i++) {
      const socket = await stranger();
      socket.send(encodeQuery(new Uint8Array([0, i]), randomId(), { method: 'ping' }), address.port, '127.0.0.1');
    }
    await waitFor('every query answered', () => node.stats().queriesReceived === queriers);
    const stats = node.stats();
    expect(stats.queriesSent).toBe(10);
    expect(stats.pingBacksDropped).toBe(queriers - 10);
  });
});
