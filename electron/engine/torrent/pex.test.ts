import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { decodePex } from '../wire/ut-pex.js';
import { isLocalAddress } from '../session/session.js';
import { PeerExchange, PEX_INTERVAL_MS } from './pex.js';

interface FakePeer {
  address: PeerAddress;
  sent: Buffer[];
  peer: PeerConnection;
}

function fakePeer(host: string, port: number, pex = true): FakePeer {
  const sent: Buffer[] = [];
  const peer = {
    extensions: { ids: new Map(pex ? [['ut_pex', 3]] : []) },
    isOpen: true,
    incoming: false,
    isSeed: false,
    send: (b: Buffer) => sent.push(b),
  } as unknown as PeerConnection;
  return { address: { host, port }, sent, peer };
}

/** The PEX payloads a fake peer was sent (extended message: 4-byte length, id 20, ext id, payload). */
function received(p: FakePeer): Array<{ added: string[]; dropped: string[] }> {
  return p.sent.map((b) => {
    const parsed = decodePex(b.subarray(6));
    if (typeof parsed === 'string') throw new Error(parsed);
    return { added: parsed.added.map((a) => `${a.host}:${a.port}`), dropped: parsed.dropped.map((a) => `${a.host}:${a.port}`) };
  });
}

describe('PeerExchange', () => {
  it('is due for a peer until its first message, then once a minute', () => {
    const peers = [fakePeer('10.0.0.1', 1001), fakePeer('10.0.0.2', 1002)];
    const byConn = new Map(peers.map((p) => [p.peer, p.address]));
    const pex = new PeerExchange((c) => byConn.get(c) ?? null);
    const [a, b] = peers as [FakePeer, FakePeer];
    // Alone: nothing to say, no message, still due (checked again next second).
    pex.sendTo(a.peer, [a.peer]);
    expect(a.sent).toHaveLength(0);
    expect(pex.due(a.peer, Date.now())).toBe(true);
    // B arrives: A hears of it at once, and is then not due for a minute.
    pex.sendTo(a.peer, [a.peer, b.peer]);
    expect(received(a)).toEqual([{ added: ['10.0.0.2:1002'], dropped: [] }]);
    const now = Date.now();
    expect(pex.due(a.peer, now)).toBe(false);
    expect(pex.due(a.peer, now + PEX_INTERVAL_MS)).toBe(true);
  });

  it('never tells a peer about itself, even over a second connection to it', () => {
    const a = fakePeer('10.0.0.1', 1001);
    const aAgain = fakePeer('10.0.0.1', 1001);
    const c = fakePeer('10.0.0.3', 1003);
    const byConn = new Map([a, aAgain, c].map((p) => [p.peer, p.address]));
    const pex = new PeerExchange((conn) => byConn.get(conn) ?? null);
    pex.sendTo(a.peer, [a.peer, aAgain.peer, c.peer]);
    expect(received(a)).toEqual([{ added: ['10.0.0.3:1003'], dropped: [] }]);
  });
});

describe('isLocalAddress', () => {
  it('knows loopback, unspecified and mapped loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.0.0.5', '::1', '::ffff:127.0.0.1', '0.0.0.0']) expect(isLocalAddress(host), host).toBe(true);
    for (const host of ['192.0.2.1', '2001:db8::1', 'example.org']) expect(isLocalAddress(host), host).toBe(false);
  });
});
