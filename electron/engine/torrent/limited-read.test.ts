import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { TokenBucket, availableAll } from '../util/token-bucket.js';
import { tcpConnect } from './dialer.js';
import { limitedReadBuffer, MIN_LIMITED_READ } from './limited-read.js';

describe('reads under a download limit', () => {
  const whole = Buffer.alloc(1024 * 1024);

  it('read into the whole buffer when no limit binds, else no more than the limit lets through (at least 16 KiB)', () => {
    expect(limitedReadBuffer(whole, Infinity)).toBe(whole);
    expect(limitedReadBuffer(whole, 5 * 1024 * 1024)).toBe(whole);
    expect(limitedReadBuffer(whole, 100_000)).toHaveLength(100_000);
    expect(limitedReadBuffer(whole, 0)).toHaveLength(MIN_LIMITED_READ);
  });

  it('what the limits let through now: the smallest allowance, none when in debt, Infinity without a limit', () => {
    let now = 0;
    const limited = new TokenBucket(0, 1, () => now);
    limited.setRate(100_000);
    expect(availableAll([new TokenBucket(), limited])).toBe(0);
    now += 500;
    expect(availableAll([new TokenBucket(), limited])).toBe(50_000);
    limited.take(80_000);
    expect(availableAll([limited])).toBe(0);
    expect(availableAll([new TokenBucket()])).toBe(Infinity);
  });

  it('a TCP socket given a buffer function reads no more per read than the buffer it returns', async () => {
    const server = net.createServer((s) => s.end(Buffer.alloc(2 * 1024 * 1024, 7)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const sizes: number[] = [];
    let calls = 0;
    const small = Buffer.alloc(MIN_LIMITED_READ);
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => (calls++, small), (chunk) => (sizes.push(chunk.length), true));
    await new Promise<void>((r) => socket.on('end', r).on('close', r));
    server.close();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2 * 1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MIN_LIMITED_READ);
    expect(calls).toBeGreaterThan(1);
  });
});
