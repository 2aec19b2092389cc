/**
 * LEDBAT end to end over a simulated bottleneck (fake clock, deterministic): the sender's
 * window reacts to the one-way delay of its own packets as the receiver reports it
 * (timestamp_difference in the ACKs). The queue and any competitor's delay are on the data
 * direction only, so a sender that looked at the delay of the packets it receives (the ACKs)
 * would see none of it.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD, type UtpConnection } from './connection.js';
import { GAIN_BYTES_PER_RTT, TARGET_DELAY_US } from './ledbat.js';
import { TestLink } from './test-link.js';
import type { UtpSocket } from './utp-socket.js';

/** 1 MB/s. */
const RATE_BYTES_PER_MS = 1000;
const ONE_WAY_MS = 20;
const TARGET_MS = TARGET_DELAY_US / 1000;

interface Flow {
  link: TestLink;
  conn: UtpConnection;
  received: () => number;
  /** Steps `ms` of fake time, calling `each` after every step. */
  run: (ms: number, each?: () => void) => Promise<void>;
}

/** A dials B and sends without end; B reads everything. */
async function bulkFlow(standing: { ms: number }): Promise<Flow> {
  const link = new TestLink({ delayMs: ONE_WAY_MS, bottleneck: { bytesPerMs: RATE_BYTES_PER_MS, queueMs: 500, standingMs: () => standing.ms } });
  const sender = link.dial();
  let connected = false;
  sender.on('connect', () => (connected = true));
  await link.run(() => connected && link.accepted.length === 1);
  const receiver = link.accepted[0] as UtpSocket;
  let received = 0;
  receiver.on('data', (c: Buffer) => (received += c.length));
  const chunk = Buffer.alloc(64 * 1024, 7);
  const fill = (): void => {
    while (sender.write(chunk));
  };
  sender.on('drain', fill);
  fill();
  const conn = sender.utp;
  if (!conn) throw new Error('no connection under the socket');
  return {
    link,
    conn,
    received: () => received,
    run: async (ms, each) => {
      for (let i = 0; i < ms; i++) {
        link.step();
        each?.();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('LEDBAT over a bottleneck', () => {
  it('alone, fills the link and keeps the queue near the target; the window then holds', async () => {
    const flow = await bulkFlow({ ms: 0 });
    await flow.run(6000);
    const queue: number[] = [];
    const windows: number[] = [];
    const before = flow.received();
    await flow.run(4000, () => {
      queue.push(flow.link.bottleneckQueueMs);
      windows.push(flow.conn.ledbat.cwnd);
    });
    const rate = (flow.received() - before) / 4000;
    expect(rate).toBeGreaterThan(0.85 * RATE_BYTES_PER_MS);
    const meanQueue = queue.reduce((a, b) => a + b, 0) / queue.length;
    expect(meanQueue).toBeGreaterThan(0.6 * TARGET_MS);
    expect(meanQueue).toBeLessThan(1.2 * TARGET_MS);
    // At the target the window neither grows nor shrinks by much.
    expect(Math.max(...windows) - Math.min(...windows)).toBeLessThan(0.15 * Math.min(...windows));
    expect(flow.conn.stats.fastLosses).toBe(0);
  });

  it('a competitor that holds the queue above the target makes it give way, down to a packet or two', async () => {
    const standing = { ms: 0 };
    const flow = await bulkFlow(standing);
    await flow.run(6000);
    const alone = flow.conn.ledbat.cwnd;
    standing.ms = 3 * TARGET_MS;
    const windows: number[] = [];
    await flow.run(6000, () => windows.push(flow.conn.ledbat.cwnd));
    // Once the ACKs report the higher delay (a round trip of ~400 ms later), the window only shrinks.
    for (let i = 500; i < windows.length; i++) expect(windows[i]).toBeLessThanOrEqual(windows[i - 1] as number);
    await flow.run(6000);
    expect(flow.conn.ledbat.cwnd).toBeLessThan(alone / 10);
    expect(flow.conn.ledbat.cwnd).toBeLessThanOrEqual(2 * MAX_PAYLOAD);
    const before = flow.received();
    await flow.run(3000);
    expect((flow.received() - before) / 3000).toBeLessThan(0.1 * RATE_BYTES_PER_MS);
  });

  it('when the competitor leaves, the window grows back by at most the gain per round trip', async () => {
    const standing = { ms: 0 };
    const flow = await bulkFlow(standing);
    await flow.run(6000);
    standing.ms = 3 * TARGET_MS;
    await flow.run(15_000);
    standing.ms = 0;
    const low = flow.conn.ledbat.cwnd;
    expect(flow.conn.ledbat.slowStart).toBe(false);
    // No round trip is shorter than the path's own (2 × one-way): over any such span, at most
    // one round trip's gain (with slack for ACKs that straddle two round trips).
    const windows: number[] = [];
    await flow.run(5000, () => windows.push(flow.conn.ledbat.cwnd));
    const span = 2 * ONE_WAY_MS;
    for (let i = span; i < windows.length; i++) expect((windows[i] as number) - (windows[i - span] as number)).toBeLessThanOrEqual(1.5 * GAIN_BYTES_PER_RTT);
    expect(flow.conn.ledbat.cwnd).toBeGreaterThan(low + 10 * GAIN_BYTES_PER_RTT);
  });
});
