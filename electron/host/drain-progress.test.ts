import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DrainProgress, unsentOfWrite } from './drain-progress.js';

describe('DrainProgress', () => {
  it('is idle while nothing is queued, and gives what was just queued a tick', () => {
    const p = new DrainProgress();
    expect(p.sample({ queued: 0, inWrite: 0 })).toBe('idle');
    expect(p.sample({ queued: 5000, inWrite: 4000 })).toBe('moving');
    expect(p.sample({ queued: 5000, inWrite: 4000 })).toBe('stuck');
    expect(p.sample({ queued: 0, inWrite: 0 })).toBe('idle');
    expect(p.sample({ queued: 10, inWrite: 0 })).toBe('moving');
  });

  it('is stuck when only more is queued and nothing left', () => {
    const p = new DrainProgress();
    p.sample({ queued: 1000, inWrite: 800 });
    expect(p.sample({ queued: 9000, inWrite: 800 })).toBe('stuck');
    expect(p.sample({ queued: 90_000, inWrite: 800 })).toBe('stuck');
  });

  it('sees a finished write as progress, though more was queued meanwhile', () => {
    const p = new DrainProgress();
    p.sample({ queued: 1000, inWrite: 800 });
    p.wrote();
    // The next write started where the last one was: its unsent part happens to be the same.
    expect(p.sample({ queued: 3000, inWrite: 800 })).toBe('moving');
    expect(p.sample({ queued: 3000, inWrite: 800 })).toBe('stuck');
  });

  it('sees a large write taken in parts as progress (a slow reader of one large reply)', () => {
    const p = new DrainProgress();
    const MiB = 1024 * 1024;
    p.sample({ queued: 64 * MiB, inWrite: 60 * MiB });
    for (let left = 60 * MiB - 4096; left > 0; left -= 64 * 1024) expect(p.sample({ queued: 64 * MiB + 100, inWrite: left })).toBe('moving');
  });

  it('sees frames the library writes itself (a pong, a close) leave by the queue going down', () => {
    const p = new DrainProgress();
    p.sample({ queued: 1006, inWrite: 0 });
    expect(p.sample({ queued: 1000, inWrite: 0 })).toBe('moving');
  });
});

describe('unsentOfWrite', () => {
  it('reads what a real socket still has to write, and 0 where there is nothing to read', async () => {
    expect(unsentOfWrite({})).toBe(0);
    expect(unsentOfWrite({ _handle: null })).toBe(0);
    expect(unsentOfWrite({ _handle: { writeQueueSize: 'x' } })).toBe(0);
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const reader = connect(port, '127.0.0.1');
    reader.pause();
    const writer = await accepted;
    try {
      // More than the kernel's buffers take at once (4 MiB to send, up to 32 MiB to receive
      // here), from a reader that reads nothing.
      const size = 64 * 1024 * 1024;
      writer.write(Buffer.alloc(size));
      const unsent = unsentOfWrite(writer);
      expect(unsent).toBeGreaterThan(0);
      expect(unsent).toBeLessThan(size);
    } finally {
      reader.destroy();
      writer.destroy();
      server.close();
    }
  });
});
