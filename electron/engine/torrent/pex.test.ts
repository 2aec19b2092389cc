import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { decode, encode, getBytes, isDict } from '../bencode/index.js';
import { decodePex, encodePex, MAX_PEX_ENTRIES, PEX_FLAG_REACHABLE, PEX_FLAG_SEED, PEX_FLAG_UTP } from '../wire/ut-pex.js';
import { PeerCandidates } from './peer-candidates.js';
import { isLocalAddress } from '../session/session.js';
import { PeerExchange, PEX_INTERVAL_MS } from './pex.js';

interface FakePeer {
  address: PeerAddress;
  sent: Buffer[];
  peer: PeerConnection;
}

function fakePeer(host: string, port: number, pex = true, overUtp = false): FakePeer {
  const sent: Buffer[] = [];
  const peer = {
    extensions: { ids: new Map(pex ? [['ut_pex', 3]] : []) },
    isOpen: true,
    incoming: false,
    isSeed: false,
    overUtp,
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

describe('PEX over IPv6 (added6, added6.f, dropped6)', () => {
  it('encodes IPv6 peers in added6 with their flags and IPv4 ones in added, and decodes both', () => {
    const payload = encodePex(
      [
        { host: '10.0.0.1', port: 1001, flags: PEX_FLAG_SEED },
        { host: '2001:db8::7', port: 6881, flags: PEX_FLAG_REACHABLE | PEX_FLAG_SEED },
        { host: '::1', port: 6882, flags: 0 },
      ],
      [{ host: '2001:db8::9', port: 7000 }],
    );
    const raw = decode(payload);
    if (!isDict(raw)) throw new Error('not a dictionary');
    expect(getBytes(raw, 'added6')?.toString('hex')).toBe('20010db8000000000000000000000007' + '1ae1' + '00000000000000000000000000000001' + '1ae2');
    expect([...(getBytes(raw, 'added6.f') ?? [])]).toEqual([PEX_FLAG_REACHABLE | PEX_FLAG_SEED, 0]);
    expect(getBytes(raw, 'added')?.length).toBe(6);
    expect(getBytes(raw, 'dropped6')?.length).toBe(18);
    const parsed = decodePex(payload);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.added).toEqual([
      { host: '10.0.0.1', port: 1001 },
      { host: '2001:db8::7', port: 6881 },
      { host: '::1', port: 6882 },
    ]);
    expect(parsed.dropped).toEqual([{ host: '2001:db8::9', port: 7000 }]);
  });

  it('drops a partial 18-byte entry and caps added6 like added', () => {
    const entry = Buffer.concat([Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from([0x1a, 0xe1])]);
    const parsed = decodePex(encode({ added6: Buffer.concat([entry, entry.subarray(0, 10)]) }));
    expect(parsed).toEqual({ added: [{ host: '2001:db8::1', port: 6881 }], dropped: [], utp: [] });
    const many = Array.from({ length: 300 }, (_, i) => ({ host: `2001:db8::${(i + 1).toString(16)}`, port: 6881, flags: 0 }));
    const capped = decodePex(encodePex(many, []));
    if (typeof capped === 'string') throw new Error(capped);
    expect(capped.added).toHaveLength(MAX_PEX_ENTRIES);
  });

  it('tells a peer about IPv6 peers and hears IPv6 peers from it', () => {
    const a = fakePeer('::1', 1001);
    const b = fakePeer('2001:db8::2', 1002);
    const byConn = new Map([a, b].map((p) => [p.peer, p.address]));
    const pex = new PeerExchange((c) => byConn.get(c) ?? null);
    pex.sendTo(a.peer, [a.peer, b.peer]);
    expect(received(a)).toEqual([{ added: ['2001:db8::2:1002'], dropped: [] }]);
    byConn.delete(b.peer);
    pex.sendTo(a.peer, [a.peer]);
    expect(received(a)[1]).toEqual({ added: [], dropped: ['2001:db8::2:1002'] });
    const heard = pex.receive(a.peer, encodePex([{ host: '2001:db8::3', port: 1003, flags: PEX_FLAG_REACHABLE }], []));
    expect(heard).toEqual([{ host: '2001:db8::3', port: 1003 }]);
  });
});

describe('PEX uTP flag (0x04, as libtorrent: set for peers connected over uTP)', () => {
  it('flags the peers we are connected to over uTP, in added and added6', () => {
    const a = fakePeer('10.0.0.1', 1001);
    const overUtp4 = fakePeer('10.0.0.2', 1002, true, true);
    const overTcp4 = fakePeer('10.0.0.3', 1003);
    const overUtp6 = fakePeer('2001:db8::4', 1004, true, true);
    const byConn = new Map([a, overUtp4, overTcp4, overUtp6].map((p) => [p.peer, p.address]));
    const pex = new PeerExchange((c) => byConn.get(c) ?? null);
    pex.sendTo(a.peer, [a.peer, overUtp4.peer, overTcp4.peer, overUtp6.peer]);
    const raw = decode((a.sent[0] as Buffer).subarray(6));
    if (!isDict(raw)) throw new Error('not a dictionary');
    expect([...(getBytes(raw, 'added.f') ?? [])]).toEqual([PEX_FLAG_REACHABLE | PEX_FLAG_UTP, PEX_FLAG_REACHABLE]);
    expect([...(getBytes(raw, 'added6.f') ?? [])]).toEqual([PEX_FLAG_REACHABLE | PEX_FLAG_UTP]);
  });

  it('reads the flag: a known peer whose uTP dial failed is tried over uTP again; an unflagged one keeps what it had', () => {
    const candidates = new PeerCandidates();
    const flagged = { host: '2001:db8::5', port: 1005 };
    const unflagged = { host: '10.0.0.6', port: 1006 };
    for (const p of [flagged, unflagged]) {
      candidates.add(p);
      candidates.utpFailed(p);
    }
    const from = fakePeer('10.0.0.1', 1001);
    const pex = new PeerExchange(() => null, (peers) => candidates.supportsUtp(peers));
    const heard = pex.receive(from.peer, encodePex([{ ...flagged, flags: PEX_FLAG_UTP | PEX_FLAG_SEED }, { ...unflagged, flags: PEX_FLAG_SEED }], []));
    expect(heard).toEqual([unflagged, flagged]);
    expect(candidates.wantsUtp(flagged)).toBe(true);
    expect(candidates.wantsUtp(unflagged)).toBe(false);
    const parsed = decodePex(encodePex([{ ...unflagged, flags: PEX_FLAG_UTP }, { ...flagged, flags: 0 }], []));
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.utp).toEqual([unflagged]);
  });
});

describe('isLocalAddress', () => {
  it('knows loopback, unspecified and mapped loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.0.0.5', '::1', '::ffff:127.0.0.1', '0.0.0.0']) expect(isLocalAddress(host), host).toBe(true);
    for (const host of ['192.0.2.1', '2001:db8::1', 'example.org']) expect(isLocalAddress(host), host).toBe(false);
  });
});
