import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  decodeRequest,
  encodeAnnounceResponse,
  encodeConnectResponse,
  encodeErrorResponse,
  encodeScrapeResponse,
  type UdpRequest,
} from './udp-codec.js';
import { TrackerError, type AnnounceParams } from './types.js';
import { UdpTrackerClient } from './udp.js';

type Behaviour = 'ok' | 'drop' | 'wrong-tid' | 'truncated' | 'error' | 'wrong-action' | 'short-garbage';

/** A scriptable BEP 15 tracker on 127.0.0.1 (or ::1): each received packet consumes one behaviour (default 'ok'). */
class FakeUdpTracker {
  readonly sock: dgram.Socket;
  constructor(readonly host = '127.0.0.1') {
    this.sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  }
  readonly requests: UdpRequest[] = [];
  script: Behaviour[] = [];
  readonly issued = new Set<bigint>();
  private nextConn = 1000n;
  port = 0;

  async start(): Promise<this> {
    this.sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    await new Promise<void>((r) => this.sock.bind(0, this.host, r));
    this.port = this.sock.address().port;
    return this;
  }

  get url(): string {
    return `udp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/announce`;
  }

  count(action: UdpRequest['action']): number {
    return this.requests.filter((r) => r.action === action).length;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const req = decodeRequest(msg);
    this.requests.push(req);
    const how = this.script.shift() ?? 'ok';
    if (how === 'drop' || req.action === 'invalid') return;
    const send = (b: Buffer): void => void this.sock.send(b, rinfo.port, rinfo.address);
    const tid = how === 'wrong-tid' ? (req.transactionId + 1) >>> 0 : req.transactionId;
    if (how === 'error') return send(encodeErrorResponse(tid, 'info-hash not whitelisted'));
    if (how === 'short-garbage') return send(Buffer.from([1, 2, 3]));
    if (req.action === 'connect') {
      const id = this.nextConn++;
      this.issued.add(id);
      const b = how === 'wrong-action' ? encodeAnnounceResponse(tid, { interval: 1, leechers: 0, seeders: 0, peers: [] }) : encodeConnectResponse(tid, id);
      return send(how === 'truncated' ? b.subarray(0, 12) : b);
    }
    if (req.action === 'announce') {
      if (!this.issued.has(req.connectionId)) return; // unknown connection id: silently dropped, like opentracker
      const b =
        how === 'wrong-action'
          ? encodeConnectResponse(tid, 1n)
          : this.host.includes(':')
            ? // BEP 15 over IPv6: 18-byte peers.
              encodeAnnounceResponse(tid, { interval: 1800, leechers: 3, seeders: 4, peers: [{ host: '::1', port: req.port }, { host: '2001:db8::5', port: 6881 }] }, 6)
            : encodeAnnounceResponse(tid, { interval: 1800, leechers: 3, seeders: 4, peers: [{ host: '127.0.0.1', port: req.port }] });
      return send(how === 'truncated' ? b.subarray(0, 17) : b);
    }
    if (req.action === 'scrape') {
      return send(encodeScrapeResponse(tid, req.infoHashes.map((_, i) => ({ complete: i, downloaded: 10 + i, incomplete: 20 + i }))));
    }
  }

  close(): void {
    this.sock.close();
  }
}

const params: AnnounceParams = {
  infoHash: Buffer.alloc(20, 7),
  peerId: Buffer.alloc(20, 8),
  port: 7777,
  uploaded: 1,
  downloaded: 2,
  left: 3,
  event: 'started',
  numwant: 10,
  key: 5,
};

let tracker: FakeUdpTracker;
let client: UdpTrackerClient;

beforeEach(async () => {
  tracker = await new FakeUdpTracker().start();
  // Generous base timeout: a slow reply on a busy machine must not cause a retransmission that
  // consumes the next scripted behaviour. The timing test below uses its own fast client.
  client = new UdpTrackerClient({ baseTimeoutMs: 300, maxRetransmits: 3, bindAddress4: '127.0.0.1' });
});

afterEach(() => {
  client.close();
  tracker.close();
});

async function rejection(p: Promise<unknown>): Promise<TrackerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TrackerError);
    expect((e as Error).message).not.toContain('\n');
    return e as TrackerError;
  }
  throw new Error('expected rejection');
}

describe('UdpTrackerClient', () => {
  it('connects, announces and returns peers and counts', async () => {
    const r = await client.announce(tracker.url, params);
    expect(r).toEqual({ interval: 1800, minInterval: null, complete: 4, incomplete: 3, peers: [{ host: '127.0.0.1', port: 7777 }], warning: null, trackerId: null });
    expect(tracker.requests.map((q) => q.action)).toEqual(['connect', 'announce']);
    const ann = tracker.requests[1];
    expect(ann).toMatchObject({ action: 'announce', event: 'started', port: 7777, numwant: 10, key: 5, left: 3n, urlData: '/announce' });
  });

  it('announces to an IPv6 tracker (literal or a name resolving to IPv6) and reads its 18-byte peers', async () => {
    const v6 = await new FakeUdpTracker('::1').start();
    const v6client = new UdpTrackerClient({
      baseTimeoutMs: 300,
      bindAddress6: '::1',
      lookup: (host) => (host === 'tracker6.test' ? Promise.resolve({ address: '::1', family: 6 }) : Promise.reject(new Error('unknown'))),
    });
    try {
      const peers = [
        { host: '::1', port: 7777 },
        { host: '2001:db8::5', port: 6881 },
      ];
      expect((await v6client.announce(v6.url, params)).peers).toEqual(peers);
      expect((await v6client.announce(`udp://tracker6.test:${v6.port}/announce`, params)).peers).toEqual(peers);
      expect(v6.count('announce')).toBe(2);
    } finally {
      v6client.close();
      v6.close();
    }
  });

  it('reuses the connection id within its TTL and reconnects after it expires', async () => {
    // Only Date is fake: the connection id's age is what the test says, however slow the machine.
    vi.useFakeTimers({ toFake: ['Date'] });
    const short = new UdpTrackerClient({ baseTimeoutMs: 300, connectionIdTtlMs: 150, bindAddress4: '127.0.0.1' });
    try {
      await short.announce(tracker.url, params);
      vi.advanceTimersByTime(149);
      await short.announce(tracker.url, { ...params, event: 'none' });
      expect(tracker.count('connect')).toBe(1);
      expect(tracker.count('announce')).toBe(2);
      vi.advanceTimersByTime(200);
      await short.announce(tracker.url, { ...params, event: 'none' });
      expect(tracker.count('connect')).toBe(2);
    } finally {
      short.close();
      vi.useRealTimers();
    }
  });

  it('retransmits after base × 2^n and succeeds when a later packet gets through', async () => {
    tracker.script = ['drop', 'drop', 'ok', 'drop', 'ok']; // connect lost twice, then announce lost once
    // 300 ms, not less: a reply the loopback tracker sends at once must not miss its window on a busy machine.
    const fast = new UdpTrackerClient({ baseTimeoutMs: 300, maxRetransmits: 3, bindAddress4: '127.0.0.1' });
    const t0 = Date.now();
    const r = await fast.announce(tracker.url, params).finally(() => fast.close());
    const took = Date.now() - t0;
    expect(r.peers).toHaveLength(1);
    expect(tracker.requests.map((q) => q.action)).toEqual(['connect', 'connect', 'connect', 'announce', 'connect', 'announce']);
    // waits: 300 (n=0) + 600 (n=1) + 1200 (n=2, announce lost; connection dropped and re-requested) = 2100 ms.
    // Timers never fire early, so this lower bound holds on any machine (no upper bound: a busy one is slower).
    expect(took).toBeGreaterThanOrEqual(2080);
  });

  it('gives up after maxRetransmits with a timeout error', async () => {
    tracker.script = Array<Behaviour>(10).fill('drop');
    const e = await rejection(client.announce(tracker.url, params, { maxRetransmits: 1 }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/no reply from 127\.0\.0\.1:\d+ after 2 packets/);
    expect(tracker.count('connect')).toBe(2);
  });

  it('ignores replies with the wrong transaction id (noted in the final error)', async () => {
    tracker.script = Array<Behaviour>(10).fill('wrong-tid');
    const e = await rejection(client.announce(tracker.url, params, { maxRetransmits: 1 }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/\(ignored: 2 × reply with a wrong transaction id\)$/);
  });

  it('accepts the right reply after a wrong-transaction-id one', async () => {
    tracker.script = ['wrong-tid', 'ok', 'ok'];
    const r = await client.announce(tracker.url, params);
    expect(r.peers).toHaveLength(1);
  });

  it('truncated, wrong-action and error replies fail the request at once', async () => {
    tracker.script = ['truncated'];
    expect((await rejection(client.announce(tracker.url, params))).message).toMatch(/garbage reply: truncated connect response \(12 bytes\)/);
    tracker.script = ['ok', 'truncated'];
    expect((await rejection(client.announce(tracker.url, params))).message).toMatch(/truncated announce response \(17 bytes\)/);
    client.clearConnections();
    tracker.script = ['wrong-action'];
    expect((await rejection(client.announce(tracker.url, params))).message).toMatch(/announce response where connect was expected/);
    tracker.script = ['ok', 'wrong-action'];
    expect((await rejection(client.announce(tracker.url, params))).message).toMatch(/connect response where announce was expected/);
    tracker.script = ['error'];
    const err = await rejection(client.announce(tracker.url, params));
    expect([err.kind, err.message]).toEqual(['failure', 'tracker: info-hash not whitelisted']);
  });

  it('a packet too short for a transaction id is noted, then the request goes on', async () => {
    tracker.script = ['short-garbage', 'ok', 'ok'];
    const r = await client.announce(tracker.url, params);
    expect(r.peers).toHaveLength(1);
    tracker.script = Array<Behaviour>(10).fill('short-garbage');
    client.clearConnections();
    const e = await rejection(client.announce(tracker.url, params, { maxRetransmits: 0 }));
    expect(e.message).toMatch(/ignored: truncated packet \(3 bytes\)/);
  });

  it('deadline and abort end a request early', async () => {
    tracker.script = Array<Behaviour>(10).fill('drop');
    const slow = new UdpTrackerClient({ baseTimeoutMs: 10_000, bindAddress4: '127.0.0.1' });
    try {
      // The tracker never answers and the first retransmission is 10 s away: only the 200 ms deadline can end this.
      expect((await rejection(slow.announce(tracker.url, params, { deadlineMs: 200 }))).kind).toBe('timeout');
      expect(tracker.count('connect')).toBe(1);
      const ac = new AbortController();
      const p = slow.announce(tracker.url, params, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      expect((await rejection(p)).kind).toBe('aborted');
    } finally {
      slow.close();
    }
  });

  it('rejects unusable URLs and unresolvable hosts', async () => {
    expect((await rejection(client.announce('udp://127.0.0.1/announce', params))).message).toMatch(/no port/);
    expect((await rejection(client.announce('http://127.0.0.1:1/announce', params))).kind).toBe('unsupported');
    const failing = new UdpTrackerClient({
      lookup: () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })),
    });
    try {
      const e = await rejection(failing.announce('udp://tracker.invalid:6969/announce', params));
      expect([e.kind, e.message]).toEqual(['network', 'cannot resolve tracker.invalid: ENOTFOUND']);
    } finally {
      failing.close();
    }
  });

  it('reports a socket that cannot be opened as a network error', async () => {
    const bad = new UdpTrackerClient({ bindAddress4: '203.0.113.1' }); // not a local address: bind fails, nothing is sent
    try {
      const e = await rejection(bad.announce(tracker.url, params));
      expect([e.kind, e.message]).toEqual(['network', 'cannot open a UDP socket: EADDRNOTAVAIL']);
    } finally {
      bad.close();
    }
  });

  it('scrapes', async () => {
    const r = await client.scrape(tracker.url, [Buffer.alloc(20, 1), Buffer.alloc(20, 2)]);
    expect(r).toEqual([
      { complete: 0, downloaded: 10, incomplete: 20 },
      { complete: 1, downloaded: 11, incomplete: 21 },
    ]);
  });
});
