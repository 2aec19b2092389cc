import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as codec from './udp-codec.js';
import { UdpTrackerClient } from './udp.js';

// Spy on the body decoder: the client must look at a datagram's header before paying for it.
vi.mock('./udp-codec.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./udp-codec.js')>();
  return { ...real, decodeResponse: vi.fn(real.decodeResponse) };
});

/** A full 64 KiB announce reply: ~10,900 compact peers. */
function hugeAnnounceReply(transactionId: number): Buffer {
  const b = Buffer.alloc(65_000);
  b.writeUInt32BE(codec.ACTION_ANNOUNCE, 0);
  b.writeUInt32BE(transactionId >>> 0, 4);
  for (let o = 20; o + 6 <= b.length; o += 6) {
    b.writeUInt32BE(0x0a000000 + o, o);
    b.writeUInt16BE(1 + (o % 60_000), o + 4);
  }
  return b;
}

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

describe('UdpTrackerClient and unsolicited datagrams', () => {
  it('does not decode the body of a reply whose transaction id matches nothing', async () => {
    const tracker = dgram.createSocket('udp4');
    sockets.push(tracker);
    tracker.on('message', (msg, rinfo) => {
      const req = codec.decodeRequest(msg);
      if (req.action === 'invalid') return;
      const send = (b: Buffer): void => void tracker.send(b, rinfo.port, rinfo.address);
      // Before each real answer, a huge reply nobody asked for (wrong transaction id).
      send(hugeAnnounceReply((req.transactionId + 1) >>> 0));
      if (req.action === 'connect') send(codec.encodeConnectResponse(req.transactionId, 42n));
      else if (req.action === 'announce') send(codec.encodeAnnounceResponse(req.transactionId, { interval: 1800, leechers: 0, seeders: 1, peers: [] }));
    });
    await new Promise<void>((r) => tracker.bind(0, '127.0.0.1', r));
    const client = new UdpTrackerClient({ baseTimeoutMs: 5_000, maxRetransmits: 0, bindAddress4: '127.0.0.1' });
    try {
      const decode = vi.mocked(codec.decodeResponse);
      decode.mockClear();
      const result = await client.announce(`udp://127.0.0.1:${tracker.address().port}`, {
        infoHash: Buffer.alloc(20, 1),
        peerId: Buffer.alloc(20, 2),
        port: 6881,
        uploaded: 0,
        downloaded: 0,
        left: 1,
        event: 'started',
        numwant: 50,
        key: 1,
      });
      expect(result.complete).toBe(1);
      // Both real answers decoded; neither 65,000-byte stray.
      expect(decode.mock.calls.map(([packet]) => packet.length)).toEqual([16, 20]);
    } finally {
      client.close();
    }
  });
});
