import dgram from 'node:dgram';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { TrackerClient } from './client.js';
import { MAX_HTTP_ANNOUNCES, MAX_UDP_ANNOUNCES } from './limits.js';
import type { AnnounceParams } from './types.js';
import { decodeRequest, encodeAnnounceResponse, encodeConnectResponse } from './udp-codec.js';

const params: AnnounceParams = {
  infoHash: Buffer.alloc(20, 1),
  peerId: Buffer.alloc(20, 2),
  port: 6881,
  uploaded: 0,
  downloaded: 0,
  left: 100,
  event: 'started',
  numwant: 50,
  key: 1,
};

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** An HTTP tracker on 127.0.0.1 that holds every request until the test answers it. */
async function holdingHttpTracker(): Promise<{ url: (i: number) => string; held: ServerResponse[]; seen: string[]; maxHeld: () => number }> {
  const held: ServerResponse[] = [];
  const seen: string[] = [];
  let maxHeld = 0;
  const server = createServer((req, res) => {
    seen.push(req.url?.split('?')[0] ?? '');
    held.push(res);
    maxHeld = Math.max(maxHeld, held.length);
    res.on('close', () => forget(held, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const port = (server.address() as AddressInfo).port;
  return { url: (i) => `http://127.0.0.1:${port}/announce/t${i}`, held, seen, maxHeld: () => maxHeld };
}

function forget(held: ServerResponse[], res: ServerResponse): void {
  const at = held.indexOf(res);
  if (at >= 0) held.splice(at, 1);
}

/** Answers a held request (and stops holding it). */
function answer(held: ServerResponse[], res: ServerResponse): void {
  forget(held, res);
  res.end(encode({ interval: 60, peers: Buffer.alloc(0) }));
}

describe('TrackerClient announce slots', () => {
  it('defaults: 50 HTTP and 200 UDP announces at once per session', () => {
    const client = new TrackerClient();
    cleanup.push(() => client.close());
    expect([client.slots.http.limit, client.slots.udp.limit]).toEqual([MAX_HTTP_ANNOUNCES, MAX_UDP_ANNOUNCES]);
    expect([MAX_HTTP_ANNOUNCES, MAX_UDP_ANNOUNCES]).toEqual([50, 200]);
  });

  it('keeps at most maxHttpAnnounces requests (sockets) open; the rest wait their turn, cancelled ones never connect', async () => {
    const tracker = await holdingHttpTracker();
    const client = new TrackerClient({ maxHttpAnnounces: 2 });
    cleanup.push(() => client.close());
    const abort = new AbortController();
    const results = [0, 1, 2, 3, 4].map((i) =>
      client.announce(tracker.url(i), params, i === 3 ? { signal: abort.signal } : {}).then(
        () => 'ok',
        (e: { kind: string }) => e.kind,
      ),
    );
    await waitFor(() => tracker.held.length === 2, 'two requests');
    expect([client.slots.http.active, client.slots.http.queued]).toEqual([2, 3]);
    abort.abort();
    // Answer whatever is on the wire until every announce has settled.
    let settled = false;
    void Promise.all(results).then(() => (settled = true));
    while (!settled) {
      await waitFor(() => tracker.held.length > 0 || settled, 'a request or the end');
      const res = tracker.held[0];
      if (res) answer(tracker.held, res);
    }
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'ok', 'aborted', 'ok']);
    expect(tracker.seen).toEqual(['/announce/t0', '/announce/t1', '/announce/t2', '/announce/t4']);
    expect(tracker.maxHeld()).toBe(2);
  });

  it('the time spent waiting for a slot counts against the call deadline', async () => {
    const tracker = await holdingHttpTracker();
    const client = new TrackerClient({ maxHttpAnnounces: 1 });
    cleanup.push(() => client.close());
    const first = client.announce(tracker.url(0), params).catch(() => undefined);
    await waitFor(() => tracker.held.length === 1, 'the first request');
    await expect(client.announce(tracker.url(1), { ...params, event: 'stopped' }, { deadlineMs: 20 })).rejects.toMatchObject({
      kind: 'timeout',
      message: 'no free HTTP announce slot within 20 ms (1 busy)',
    });
    expect(tracker.seen).toEqual(['/announce/t0']);
    answer(tracker.held, tracker.held[0] as ServerResponse);
    await first;
  });

  it('timeoutMs counts from when the request has its slot, not while it waits', async () => {
    const silent = dgram.createSocket('udp4');
    let packets = 0;
    silent.on('message', () => packets++);
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    cleanup.push(() => void silent.close());
    const client = new TrackerClient({ maxUdpAnnounces: 1, udp: { baseTimeoutMs: 60_000, bindAddress4: '127.0.0.1' } });
    cleanup.push(() => client.close());
    const url = `udp://127.0.0.1:${silent.address().port}/announce`;
    const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { message: string }) => e.message);
    const first = outcome(client.announce(url, params, { timeoutMs: 60 }));
    const second = outcome(client.announce(url, params, { timeoutMs: 60 }));
    // Both reach the tracker and time out there; the second did not run out of time in the queue.
    // (A timer that fires a millisecond before the deadline leaves time for one more packet, so
    // each may send 1 or 2. What matters is that both were sent from their slot.)
    const noReply = /^no reply from 127\.0\.0\.1:\d+ after [12] packets?$/;
    expect(await first).toMatch(noReply);
    expect(await second).toMatch(noReply);
    expect(packets).toBeGreaterThanOrEqual(2);
  });

  it('keeps at most maxUdpAnnounces UDP transactions open', async () => {
    const sock = dgram.createSocket('udp4');
    const waiting: Array<() => void> = [];
    let connects = 0;
    sock.on('message', (msg, rinfo) => {
      const q = decodeRequest(msg);
      const send = (b: Buffer): void => void sock.send(b, rinfo.port, rinfo.address);
      // Connect requests are held until the test lets them through; announces are answered at once.
      if (q.action === 'connect') {
        connects++;
        waiting.push(() => send(encodeConnectResponse(q.transactionId, 5n)));
      } else if (q.action === 'announce') send(encodeAnnounceResponse(q.transactionId, { interval: 60, leechers: 0, seeders: 0, peers: [] }));
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    cleanup.push(() => void sock.close());
    const client = new TrackerClient({ maxUdpAnnounces: 3, udp: { baseTimeoutMs: 60_000, bindAddress4: '127.0.0.1' } });
    cleanup.push(() => client.close());
    const url = `udp://127.0.0.1:${sock.address().port}/announce`;
    const all = Promise.all(Array.from({ length: 8 }, () => client.announce(url, params)));
    await waitFor(() => connects === 3, 'three connects');
    expect(client.slots.udp.queued).toBe(5);
    let done = false;
    void all.then(() => (done = true));
    while (!done) {
      await waitFor(() => waiting.length > 0 || done, 'a held connect or the end');
      waiting.shift()?.();
    }
    expect((await all).every((r) => r.interval === 60)).toBe(true);
    // The first three connected; the connection id they got served the five that waited.
    expect(connects).toBe(3);
  });
});
