import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encode } from '../bencode/index.js';
import { PieceDownload } from '../picker/piece-download.js';
import * as msg from '../wire/encode.js';
import { decodeHandshake, encodeHandshake } from '../wire/handshake.js';
import { MessageId } from '../wire/message-ids.js';
import { PeerConnection, QUEUED_MESSAGE_OVERHEAD } from './peer-connection.js';
import { REPLY_DROP_BOUND } from './reply-bound.js';
import { SendShares } from './send-shares.js';
import type { PeerHandler } from './peer-handler.js';
import { describeClose, type CloseKind, type CloseReason } from './close-reason.js';
import { FakeSocket } from './test-peer.js';

const INFO_HASH = Buffer.alloc(20, 0xab);
const OTHER_HASH = Buffer.alloc(20, 0xcd);
const OUR_ID = Buffer.from('-TS0100-ourownpeerid', 'latin1');
const THEIR_ID = Buffer.from('-LT2080-theirpeer-id', 'latin1');

type Call = [string, ...unknown[]];

/** Records every call a connection makes to its torrent. */
class RecordingHandler implements PeerHandler {
  readonly calls: Call[] = [];
  acceptBlocks = true;
  readonly closeKinds: CloseKind[] = [];
  constructor(public pieceCount: number) {}

  names(): string[] {
    return this.calls.map((c) => c[0]);
  }

  closedReason(): string | null {
    const c = this.calls.find((x) => x[0] === 'peerClosed');
    return c ? String(c[1]) : null;
  }

  peerReady(): void {
    this.calls.push(['peerReady']);
  }
  peerHashMessage(_p: PeerConnection, id: number, payload: Buffer): void {
    this.calls.push(['peerHashMessage', id, payload.length]);
  }
  peerBitfield(): void {
    this.calls.push(['peerBitfield']);
  }
  peerHave(_p: PeerConnection, index: number): void {
    this.calls.push(['peerHave', index]);
  }
  peerChoked(): void {
    this.calls.push(['peerChoked']);
  }
  peerUnchoked(): void {
    this.calls.push(['peerUnchoked']);
  }
  peerInterest(_p: PeerConnection, interested: boolean): void {
    this.calls.push(['peerInterest', interested]);
  }
  blockStart(_p: PeerConnection, index: number, begin: number, length: number): boolean {
    this.calls.push(['blockStart', index, begin, length]);
    return this.acceptBlocks;
  }
  blockData(_p: PeerConnection, bytes: Buffer, offset: number): void {
    this.calls.push(['blockData', bytes.toString('hex'), offset]);
  }
  blockEnd(): void {
    this.calls.push(['blockEnd']);
  }
  peerRequest(_p: PeerConnection, index: number, begin: number, length: number): void {
    this.calls.push(['peerRequest', index, begin, length]);
  }
  peerCancel(_p: PeerConnection, index: number, begin: number, length: number): void {
    this.calls.push(['peerCancel', index, begin, length]);
  }
  peerReject(_p: PeerConnection, index: number, begin: number, length: number): void {
    this.calls.push(['peerReject', index, begin, length]);
  }
  peerAllowedFast(_p: PeerConnection, index: number): void {
    this.calls.push(['peerAllowedFast', index]);
  }
  peerSuggest(_p: PeerConnection, index: number): void {
    this.calls.push(['peerSuggest', index]);
  }
  peerDhtPort(_p: PeerConnection, port: number): void {
    this.calls.push(['peerDhtPort', port]);
  }
  peerExtensionHandshake(): void {
    this.calls.push(['peerExtensionHandshake']);
  }
  peerExtended(_p: PeerConnection, localId: number, payload: Buffer): void {
    this.calls.push(['peerExtended', localId, payload.toString('hex')]);
  }
  peerClosed(_p: PeerConnection, reason: CloseReason): void {
    this.calls.push(['peerClosed', describeClose(reason)]);
    this.closeKinds.push(reason.kind);
  }
}

interface Setup {
  peer: PeerConnection;
  socket: FakeSocket;
  handler: RecordingHandler;
}

const live: PeerConnection[] = [];

afterEach(() => {
  for (const p of live.splice(0)) p.close({ kind: 'torrent-stopped', detail: 'test over' });
  vi.useRealTimers();
});

function create(pieceCount = 20, incoming = false, v2?: Buffer, sendShares?: SendShares): Setup {
  const socket = new FakeSocket();
  const handler = new RecordingHandler(pieceCount);
  const peer = new PeerConnection(socket as unknown as Socket, handler, {
    infoHash: INFO_HASH,
    ...(v2 ? { v2 } : {}),
    ourPeerId: OUR_ID,
    incoming,
    address: '127.0.0.1:6881',
    opening: () => handler.calls.push(['opening']),
    ...(sendShares ? { sendShares } : {}),
  });
  live.push(peer);
  return { peer, socket, handler };
}

/** Their handshake; `reserved` overrides bytes 20..27 (default: extensions + fast + DHT). */
function theirHandshake(options: { infoHash?: Buffer; peerId?: Buffer; reserved?: number[] } = {}): Buffer {
  const hs = encodeHandshake(options.infoHash ?? INFO_HASH, options.peerId ?? THEIR_ID);
  if (options.reserved) Buffer.from(options.reserved).copy(hs, 20);
  return hs;
}

const NO_FAST = [0, 0, 0, 0, 0, 0x10, 0, 0x01];
const NOTHING = [0, 0, 0, 0, 0, 0, 0, 0];

/** An outgoing connection that completed the handshake. */
function connected(pieceCount = 20, reserved?: number[]): Setup {
  const s = create(pieceCount);
  s.peer.start();
  s.peer.receive(theirHandshake({ reserved }));
  expect(s.peer.isOpen).toBe(true);
  s.handler.calls.length = 0;
  return s;
}

function frame(id: number, payload: Buffer | number[] = []): Buffer {
  const body = Buffer.from(payload);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(1 + body.length, 0);
  out[4] = id;
  body.copy(out, 5);
  return out;
}

describe('PeerConnection: handshake', () => {
  it('sends our handshake first on an outgoing connection', () => {
    const { peer, socket } = create();
    peer.start();
    const hs = decodeHandshake(socket.bytes());
    expect(typeof hs).not.toBe('string');
    if (typeof hs === 'string') return;
    expect(hs.infoHash.equals(INFO_HASH)).toBe(true);
    expect(hs.peerId.equals(OUR_ID)).toBe(true);
    expect(socket.noDelay).toBe(true);
  });

  it('accepts their handshake, runs the opening and reports ready', () => {
    const { peer, handler } = create();
    peer.start();
    peer.receive(theirHandshake());
    expect(handler.names()).toEqual(['opening', 'peerReady']);
    expect(peer.remotePeerId?.equals(THEIR_ID)).toBe(true);
    expect(peer.supportsExtensions).toBe(true);
    expect(peer.supportsFast).toBe(true);
    expect(peer.client).toBe('libtorrent 2.0.8.0');
  });

  it('accepts a handshake split into single bytes, followed by messages in the last chunk', () => {
    const { peer, handler } = create();
    peer.start();
    const bytes = Buffer.concat([theirHandshake(), msg.unchoke(), msg.have(3)]);
    for (let i = 0; i < 67; i++) peer.receive(bytes.subarray(i, i + 1));
    expect(handler.names()).toEqual([]);
    peer.receive(bytes.subarray(67));
    expect(handler.names()).toEqual(['opening', 'peerReady', 'peerUnchoked', 'peerHave']);
  });

  it('closes a connection whose handshake is for another torrent', () => {
    const { peer, socket, handler } = create();
    peer.start();
    peer.receive(theirHandshake({ infoHash: OTHER_HASH }));
    expect(peer.isOpen).toBe(false);
    expect(handler.names()).toEqual(['peerClosed']);
    expect(handler.closedReason()).toMatch(/different torrent/);
    expect(socket.destroyed).toBe(true);
  });

  it('closes a connection to ourselves (outgoing)', () => {
    const { peer, handler } = create();
    peer.start();
    peer.receive(theirHandshake({ peerId: OUR_ID }));
    expect(peer.isOpen).toBe(false);
    expect(handler.names()).toEqual(['peerClosed']);
    expect(handler.closedReason()).toMatch(/ourselves/);
  });

  it('closes a connection to ourselves (incoming)', () => {
    const { peer, handler, socket } = create(20, true);
    const hs = decodeHandshake(theirHandshake({ peerId: OUR_ID }));
    if (typeof hs === 'string') throw new Error(hs);
    peer.start(hs);
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/ourselves/);
    expect(socket.destroyed).toBe(true);
  });

  it('closes a connection that does not speak BitTorrent', () => {
    const { peer, handler } = create();
    peer.start();
    peer.receive(Buffer.from('GET /announce?info_hash=x HTTP/1.1\r\nHost: tracker\r\nUser-Agent: curl\r\n\r\n'));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/not a BitTorrent handshake/);
  });

  it('incoming: answers with our handshake and processes the bytes that came with theirs', () => {
    const { peer, socket, handler } = create(20, true);
    const hs = decodeHandshake(theirHandshake());
    if (typeof hs === 'string') throw new Error(hs);
    peer.start(hs, Buffer.concat([msg.interested(), msg.have(1)]));
    expect(socket.bytes().subarray(0, 68).equals(encodeHandshake(INFO_HASH, OUR_ID))).toBe(true);
    expect(handler.names()).toEqual(['opening', 'peerReady', 'peerInterest', 'peerHave']);
    expect(peer.incoming).toBe(true);
  });

  it('reads the reserved bits: no extension protocol, no fast extension', () => {
    const { peer } = connected(20, NOTHING);
    expect(peer.supportsExtensions).toBe(false);
    expect(peer.supportsFast).toBe(false);
  });

  it('closes when no handshake arrives within 20 s', () => {
    vi.useFakeTimers();
    const { peer, handler } = create();
    peer.start();
    peer.receive(theirHandshake().subarray(0, 30));
    vi.advanceTimersByTime(19_999);
    expect(peer.isOpen).toBe(true);
    vi.advanceTimersByTime(1);
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/handshake timeout/);
  });
});

describe('PeerConnection: transport', () => {
  it('knows a uTP socket (engine/utp UtpSocket has a `utp` property; net.Socket has none) for the PEX uTP flag', () => {
    expect(create().peer.overUtp).toBe(false);
    expect('utp' in new net.Socket()).toBe(false);
    const overUtp = new PeerConnection(Object.assign(new FakeSocket(), { utp: null }) as unknown as Socket, new RecordingHandler(20), {
      infoHash: INFO_HASH, ourPeerId: OUR_ID, incoming: false, address: '[::1]:6881', opening: () => undefined,
    });
    live.push(overUtp);
    expect(overUtp.overUtp).toBe(true);
  });
});

describe('PeerConnection: state messages', () => {
  it('tracks choke, unchoke, interested and not interested', () => {
    const { peer, handler } = connected();
    expect(peer.peerChoking).toBe(true);
    peer.receive(Buffer.concat([msg.unchoke(), msg.interested()]));
    expect(peer.peerChoking).toBe(false);
    expect(peer.peerInterested).toBe(true);
    peer.receive(Buffer.concat([msg.notInterested(), msg.choke()]));
    expect(peer.peerInterested).toBe(false);
    expect(peer.peerChoking).toBe(true);
    expect(handler.calls).toEqual([['peerUnchoked'], ['peerInterest', true], ['peerInterest', false], ['peerChoked']]);
  });

  it.each([MessageId.Choke, MessageId.Unchoke, MessageId.Interested, MessageId.NotInterested])('closes on message %i with a payload', (id) => {
    const { peer, handler } = connected();
    peer.receive(frame(id, [0]));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/payload/);
  });

  it('ignores keep-alives', () => {
    const { peer, handler } = connected();
    peer.receive(Buffer.concat([msg.keepAlive(), msg.keepAlive(), msg.keepAlive()]));
    expect(peer.isOpen).toBe(true);
    expect(handler.calls).toEqual([]);
  });

  it('ignores unknown message ids and keeps going', () => {
    const { peer, handler } = connected();
    peer.receive(Buffer.concat([frame(99, [1, 2, 3]), frame(30), frame(0xff, Buffer.alloc(1000)), msg.unchoke()]));
    expect(peer.isOpen).toBe(true);
    expect(handler.calls).toEqual([['peerUnchoked']]);
  });

  it("a hybrid's connection sets the v2 bit and takes an answer under the v2 hash (BEP 52 upgrade), not any other", () => {
    const V2 = Buffer.alloc(20, 0x5a);
    const upgraded = create(20, false, V2);
    upgraded.peer.start();
    expect(upgraded.socket.written[0]![27]! & 0x10).toBe(0x10);
    upgraded.peer.receive(theirHandshake({ infoHash: V2 }));
    expect(upgraded.peer.isOpen).toBe(true);
    const other = create(20, false, V2);
    other.peer.start();
    other.peer.receive(theirHandshake({ infoHash: Buffer.alloc(20, 0x33) }));
    expect(other.peer.isOpen).toBe(false);
    const plain = create(20, false);
    plain.peer.start();
    expect(plain.socket.written[0]![27]! & 0x10).toBe(0);
    plain.peer.receive(theirHandshake({ infoHash: V2 }));
    expect(plain.peer.isOpen).toBe(false);
  });

  it('hands BEP 52 hash messages of the right size to the torrent, closes on the wrong size', () => {
    const { peer, handler } = connected();
    peer.receive(Buffer.concat([frame(21, Buffer.alloc(48)), frame(22, Buffer.alloc(48 + 64)), frame(23, Buffer.alloc(48))]));
    expect(handler.calls).toEqual([
      ['peerHashMessage', 21, 48],
      ['peerHashMessage', 22, 112],
      ['peerHashMessage', 23, 48],
    ]);
    peer.receive(frame(22, Buffer.alloc(48 + 31)));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/malformed hashes/);
    const other = connected();
    other.peer.receive(frame(21, Buffer.alloc(47)));
    expect(other.peer.isOpen).toBe(false);
  });

  it('answers no hash requests of a peer that reads nothing of what we send (no reject queued per request)', () => {
    const { peer, socket, handler } = connected();
    socket.holdWrites = true;
    peer.receive(frame(21, Buffer.alloc(48)));
    expect(handler.calls).toEqual([['peerHashMessage', 21, 48]]);
    // Its backlog at the bound: requests are dropped unread; hashes and rejects still reach the torrent.
    peer.send(Buffer.alloc(REPLY_DROP_BOUND));
    handler.calls.length = 0;
    const flood = Buffer.concat(Array.from({ length: 1000 }, () => frame(21, Buffer.alloc(48))));
    peer.receive(Buffer.concat([flood, frame(23, Buffer.alloc(48))]));
    expect(handler.calls).toEqual([['peerHashMessage', 23, 48]]);
    expect(peer.isOpen).toBe(true);
  });

  it('drops hash requests at its part of the session-wide send total, far below REPLY_DROP_BOUND when many peers share it', () => {
    const shares = new SendShares(64 * 1024 * 1024, 64 * 1024);
    const s = create(20, false, undefined, shares);
    s.peer.start();
    s.peer.receive(theirHandshake());
    for (let i = 0; i < 199; i++) shares.join(); // 200 peers: 320 KiB each
    expect(s.peer.sendShare).toBe(Math.floor((64 * 1024 * 1024) / 200));
    expect(s.peer.replyBound).toBe(s.peer.sendShare + 64 * 1024);
    s.socket.holdWrites = true;
    s.peer.send(Buffer.alloc(s.peer.replyBound));
    s.handler.calls.length = 0;
    s.peer.receive(frame(21, Buffer.alloc(48)));
    expect(s.handler.calls).toEqual([]);
  });

  it('takes its part of the session-wide send total while open, and gives it back when closed', () => {
    const shares = new SendShares(1024 * 1024, 1024);
    const a = create(20, false, undefined, shares);
    create(20, false, undefined, shares);
    expect(shares.count).toBe(2);
    expect(a.peer.sendShare).toBe(512 * 1024);
    a.peer.close({ kind: 'remote-closed' });
    a.peer.close({ kind: 'remote-closed' });
    expect(shares.count).toBe(1);
  });

  it('counts each message waiting in the socket at its overhead too, until the kernel takes it', async () => {
    const { peer, socket } = connected();
    await new Promise((resolve) => setImmediate(resolve));
    expect(peer.unsentBytes).toBe(0);
    socket.holdWrites = true;
    for (let i = 0; i < 1000; i++) peer.send(msg.rejectRequest(0, 0, 16384));
    expect(peer.unsentBytes).toBe(1000 * (17 + QUEUED_MESSAGE_OVERHEAD));
    await socket.releaseWrites();
    expect(peer.unsentBytes).toBe(0);
  });

  it('behind a backlog, gathers small messages into a few writes, in order, so a flood of rejects holds its bytes, not an object each', async () => {
    const { peer, socket } = connected();
    await new Promise((resolve) => setImmediate(resolve));
    socket.holdWrites = true;
    const backlog = msg.extended(1, Buffer.alloc(100 * 1024));
    peer.send(backlog);
    socket.written.length = 0;
    for (let i = 0; i < 10_000; i++) peer.send(msg.rejectRequest(i, 0, 16384));
    peer.send(msg.extended(1, Buffer.alloc(2000))); // larger: written after what was gathered
    peer.send(msg.have(7));
    // Counted as bytes plus one overhead per write: far under 10,000 × (17 + overhead).
    expect(peer.unsentBytes).toBeLessThan(backlog.length + 10_000 * 17 + 2100 + 100 * QUEUED_MESSAGE_OVERHEAD);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.written.length).toBeLessThan(60);
    const bytes = Buffer.concat(socket.written);
    const ids: number[] = [];
    const firsts: number[] = [];
    for (let at = 0; at < bytes.length; ) {
      const len = bytes.readUInt32BE(at);
      ids.push(bytes[at + 4]!);
      if (bytes[at + 4] === MessageId.RejectRequest) firsts.push(bytes.readUInt32BE(at + 5));
      at += 4 + len;
    }
    expect(firsts).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(ids.slice(-2)).toEqual([MessageId.Extended, MessageId.Have]);
    await socket.releaseWrites();
    expect(peer.unsentBytes).toBe(0);
  });

  it('stops reading a peer that reads nothing once its replies reach the bound, and reads again when it drains', async () => {
    const { peer, socket } = connected();
    socket.resume(); // flowing, as a real socket with a 'data' listener
    socket.holdWrites = true;
    peer.send(Buffer.alloc(peer.replyBound - 1000));
    peer.receive(msg.keepAlive());
    expect(socket.isPaused()).toBe(false);
    peer.send(Buffer.alloc(1000));
    peer.receive(msg.keepAlive());
    expect(socket.isPaused()).toBe(true);
    await socket.releaseWrites();
    expect(peer.unsentBytes).toBe(0);
    expect(socket.isPaused()).toBe(false);
    expect(peer.isOpen).toBe(true);
  });

  it('closes on a frame over the 1 MiB limit', () => {
    const { peer, handler } = connected();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1024 * 1024 + 1);
    peer.receive(Buffer.concat([head, Buffer.from([MessageId.Bitfield])]));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/exceeds/);
  });

  it('accepts a port message of 2 bytes and closes on a malformed one', () => {
    const { peer } = connected();
    peer.receive(msg.port(6881));
    expect(peer.isOpen).toBe(true);
    peer.receive(frame(MessageId.Port, [1, 2, 3]));
    expect(peer.isOpen).toBe(false);
  });
});

describe('PeerConnection: bitfield and have', () => {
  it('accepts a bitfield of the right size', () => {
    const { peer, handler } = connected(10);
    peer.receive(msg.bitfield(Uint8Array.from([0b10100000, 0b01000000])));
    expect(handler.names()).toEqual(['peerBitfield']);
    expect([0, 1, 2, 9].map((i) => peer.has(i))).toEqual([true, false, true, true]);
    expect(peer.bitfield?.count).toBe(3);
    expect(peer.isSeed).toBe(false);
  });

  it('recognises a complete bitfield as a seed', () => {
    const { peer } = connected(10);
    peer.receive(msg.bitfield(Uint8Array.from([0xff, 0xc0])));
    expect(peer.isSeed).toBe(true);
  });

  it.each([
    ['too short', [0xff]],
    ['too long', [0xff, 0xc0, 0x00]],
    ['empty', []],
  ])('closes on a bitfield that is %s', (_name, bytes) => {
    const { peer, handler } = connected(10);
    peer.receive(msg.bitfield(Uint8Array.from(bytes)));
    expect(peer.isOpen).toBe(false);
    expect(handler.names()).toEqual(['peerClosed']);
    // Too long is refused from its length prefix (nothing buffered), too short once it arrived.
    expect(handler.closedReason()).toMatch(/bitfield of \d+ bytes for 10 pieces|bitfield: a 3-byte payload is over its 2-byte limit/);
  });

  it('closes on a bitfield with spare bits set', () => {
    const { peer, handler } = connected(10);
    peer.receive(msg.bitfield(Uint8Array.from([0x00, 0x20])));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/spare bits/);
  });

  it('closes on a second bitfield', () => {
    const { peer, handler } = connected(8);
    peer.receive(msg.bitfield(Uint8Array.from([0x01])));
    peer.receive(msg.bitfield(Uint8Array.from([0xff])));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/second bitfield/);
    expect(peer.bitfield?.count).toBe(1);
  });

  it('closes on a bitfield after have messages (the bitfield must come first)', () => {
    const { peer } = connected(8);
    peer.receive(msg.have(1));
    peer.receive(msg.bitfield(Uint8Array.from([0xff])));
    expect(peer.isOpen).toBe(false);
  });

  it('reports each new have once', () => {
    const { peer, handler } = connected(8);
    peer.receive(Buffer.concat([msg.have(3), msg.have(3), msg.have(7)]));
    expect(handler.calls).toEqual([
      ['peerHave', 3],
      ['peerHave', 7],
    ]);
    expect(peer.has(3)).toBe(true);
    expect(peer.has(4)).toBe(false);
  });

  it('closes on a have out of range', () => {
    const { peer, handler } = connected(8);
    peer.receive(msg.have(8));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/have for piece 8 of 8/);
  });

  it('closes on a have with a huge index', () => {
    const { peer } = connected(8);
    peer.receive(msg.have(0xffffffff));
    expect(peer.isOpen).toBe(false);
  });

  it('closes on a malformed have', () => {
    const { peer, handler } = connected(8);
    peer.receive(frame(MessageId.Have, [0, 0, 1]));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/malformed have/);
  });

  it('without metadata (magnet): keeps the bitfield and haves for later, then validates them', () => {
    const { peer, handler } = connected(0);
    peer.receive(Buffer.concat([msg.bitfield(Uint8Array.from([0xff, 0xff])), msg.have(5), msg.have(99_999)]));
    expect(peer.isOpen).toBe(true);
    expect(handler.calls).toEqual([]);
    expect(peer.pieces.bitfield).toBeNull();
    expect(peer.has(5)).toBe(false);
    // Metadata arrives: 10 pieces, so 0xffff has spare bits set.
    handler.pieceCount = 10;
    expect(peer.learnPieceCount(10)).toBe(false);
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/spare bits/);
  });

  it('without metadata: a second bitfield still closes', () => {
    const { peer } = connected(0);
    peer.receive(msg.bitfield(Uint8Array.from([0x80])));
    peer.receive(msg.bitfield(Uint8Array.from([0x80])));
    expect(peer.isOpen).toBe(false);
  });
});

describe('PeerConnection: fast extension (BEP 6)', () => {
  it.each([
    ['have all', msg.haveAll()],
    ['have none', msg.haveNone()],
    ['reject request', msg.rejectRequest(0, 0, 16384)],
    ['allowed fast', msg.allowedFast(1)],
    ['suggest', msg.suggest(1)],
  ])('closes on %s from a peer that did not set the fast bit', (_name, bytes) => {
    const { peer, handler } = connected(8, NO_FAST);
    peer.receive(bytes);
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/fast extension/);
    expect(handler.names()).toEqual(['peerClosed']);
  });

  it('have all makes the peer a seed', () => {
    const { peer, handler } = connected(8);
    peer.receive(msg.haveAll());
    expect(handler.names()).toEqual(['peerBitfield']);
    expect(peer.isSeed).toBe(true);
    expect(peer.has(7)).toBe(true);
  });

  it('have none gives an empty piece set', () => {
    const { peer, handler } = connected(8);
    peer.receive(msg.haveNone());
    expect(handler.names()).toEqual(['peerBitfield']);
    expect(peer.isSeed).toBe(false);
    expect(peer.bitfield?.count).toBe(0);
    peer.receive(msg.have(2));
    expect(peer.has(2)).toBe(true);
  });

  it.each([
    ['have all after a bitfield', [msg.bitfield(Uint8Array.from([0x80])), msg.haveAll()]],
    ['have none after a bitfield', [msg.bitfield(Uint8Array.from([0x80])), msg.haveNone()]],
    ['have all twice', [msg.haveAll(), msg.haveAll()]],
    ['have none after have all', [msg.haveAll(), msg.haveNone()]],
    ['a bitfield after have none', [msg.haveNone(), msg.bitfield(Uint8Array.from([0x80]))]],
    ['have all after have messages', [msg.have(0), msg.haveAll()]],
  ])('closes on %s (a second piece set would corrupt availability counts)', (_name, frames) => {
    const { peer, handler } = connected(8);
    peer.receive(Buffer.concat(frames));
    expect(peer.isOpen).toBe(false);
    expect(handler.names().filter((n) => n === 'peerBitfield').length).toBeLessThanOrEqual(1);
    expect(handler.closedReason()).toMatch(/second bitfield/);
  });

  it('closes on malformed have all / have none', () => {
    const { peer } = connected(8);
    peer.receive(frame(MessageId.HaveAll, [1]));
    expect(peer.isOpen).toBe(false);
  });

  it('reports allowed fast and suggest, ignoring out-of-range indexes', () => {
    const { peer, handler } = connected(8);
    peer.receive(Buffer.concat([msg.allowedFast(3), msg.allowedFast(8), msg.suggest(5), msg.suggest(100)]));
    expect(peer.isOpen).toBe(true);
    expect(handler.calls).toEqual([
      ['peerAllowedFast', 3],
      ['peerSuggest', 5],
    ]);
    expect([...peer.allowedFast]).toEqual([3]);
  });

  it("reports a BEP 5 PORT once per connection (one ping at most), never port 0, and closes on a malformed one", () => {
    const { peer, handler } = connected(8);
    expect(peer.supportsDht).toBe(true);
    peer.receive(Buffer.concat([msg.port(0), msg.port(6881), msg.port(6882)]));
    expect(peer.isOpen).toBe(true);
    expect(handler.calls).toEqual([['peerDhtPort', 6881]]);
    const bad = connected(8);
    bad.peer.receive(frame(MessageId.Port, [1, 2, 3]));
    expect(bad.peer.isOpen).toBe(false);
  });

  it('bounds the allowed-fast set', () => {
    const { peer } = connected(1000);
    const frames: Buffer[] = [];
    for (let i = 0; i < 400; i++) frames.push(msg.allowedFast(i));
    peer.receive(Buffer.concat(frames));
    expect(peer.allowedFast.size).toBe(256);
  });

  it('closes on a malformed allowed fast', () => {
    const { peer } = connected(8);
    peer.receive(frame(MessageId.AllowedFast, [0, 0]));
    expect(peer.isOpen).toBe(false);
  });
});

describe('PeerConnection: requests', () => {
  it('decodes request, cancel and reject', () => {
    const { peer, handler } = connected(200);
    peer.receive(Buffer.concat([msg.request(109, 0, 13_686), msg.cancel(7, 16384, 16384), msg.rejectRequest(199, 32768, 1)]));
    expect(handler.calls).toEqual([
      ['peerRequest', 109, 0, 13_686],
      ['peerCancel', 7, 16384, 16384],
      ['peerReject', 199, 32768, 1],
    ]);
  });

  it.each([MessageId.Request, MessageId.Cancel, MessageId.RejectRequest])('closes on message %i for a piece out of range', (id) => {
    const { peer, handler } = connected(10);
    const payload = Buffer.alloc(12);
    payload.writeUInt32BE(10, 0);
    payload.writeUInt32BE(16384, 8);
    peer.receive(frame(id, payload));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/piece 10 of 10/);
  });

  it.each([MessageId.Request, MessageId.Cancel, MessageId.RejectRequest])('closes on a malformed message %i', (id) => {
    const { peer } = connected(10);
    peer.receive(frame(id, Buffer.alloc(11)));
    expect(peer.isOpen).toBe(false);
  });

  it('closes on reject from a peer without the fast extension', () => {
    const { peer, handler } = connected(10, NO_FAST);
    peer.receive(msg.rejectRequest(1, 0, 16384));
    expect(peer.isOpen).toBe(false);
    expect(handler.names()).toEqual(['peerClosed']);
  });

  it('sends a batch of requests in one write and records them as outstanding', () => {
    const { peer, socket } = connected(10);
    socket.written.length = 0;
    const piece = new PieceDownload(3, 3 * 16384, Buffer.alloc(3 * 16384));
    peer.sendRequests([
      { piece, block: 0, begin: 0, length: 16384 },
      { piece, block: 2, begin: 32768, length: 16384 },
    ]);
    expect(socket.written).toHaveLength(1);
    expect(socket.bytes().equals(msg.requestBatch([[3, 0, 16384], [3, 32768, 16384]]))).toBe(true);
    expect(peer.requests.has(3, 0)).toBe(true);
    expect(peer.requests.has(3, 1)).toBe(false);
    expect(peer.requests.get(3, 2)?.begin).toBe(32768);
    peer.sendCancel(peer.requests.get(3, 2)!);
    expect(peer.requests.has(3, 2)).toBe(false);
    expect(socket.written.at(-1)!.equals(msg.cancel(3, 32768, 16384))).toBe(true);
    peer.sendRequests([]);
    expect(socket.written).toHaveLength(2);
  });

  it("caps the request pipeline by the peer's reqq", () => {
    const { peer } = connected(10);
    peer.requests.pipelineDepth = 300;
    expect(peer.requestLimit).toBe(250); // default when the peer gave no reqq
    peer.receive(msg.extended(0, encode({ reqq: 16 })));
    expect(peer.requestLimit).toBe(16);
    peer.requests.pipelineDepth = 4;
    expect(peer.requestLimit).toBe(4);
    peer.requests.pipelineDepth = 0;
    expect(peer.requestLimit).toBe(1);
  });

  it('with the fast extension, choking rejects the requests we had not answered', () => {
    const { peer, socket } = connected(10);
    peer.setChoking(false);
    peer.uploads.add(1, 0, 16384);
    peer.uploads.add(2, 16384, 100);
    peer.uploads.next(); // one is being read: it is rejected too
    socket.written.length = 0;
    peer.setChoking(true);
    expect(socket.bytes().equals(Buffer.concat([msg.choke(), msg.rejectRequest(2, 16384, 100), msg.rejectRequest(1, 0, 16384)]))).toBe(true);
    expect(peer.uploads.size).toBe(0);
  });

  it('without the fast extension, choking drops the requests silently', () => {
    const { peer, socket } = connected(10, NO_FAST);
    peer.setChoking(false);
    peer.uploads.add(1, 0, 16384);
    socket.written.length = 0;
    peer.setChoking(true);
    expect(socket.bytes().equals(msg.choke())).toBe(true);
    expect(peer.uploads.size).toBe(0);
  });

  it('sends interest and choke changes only when they change', () => {
    const { peer, socket } = connected(10);
    socket.written.length = 0;
    peer.setInterested(true);
    peer.setInterested(true);
    peer.setChoking(true); // already choking
    peer.setChoking(false);
    peer.setInterested(false);
    expect(socket.bytes().equals(Buffer.concat([msg.interested(), msg.unchoke(), msg.notInterested()]))).toBe(true);
  });
});

describe('PeerConnection: piece data', () => {
  it('streams a block to the handler', () => {
    const { peer, handler } = connected(10);
    const block = Buffer.from('0123456789');
    const bytes = Buffer.concat([msg.pieceHeader(2, 16384, block.length), block]);
    peer.receive(bytes.subarray(0, 17));
    peer.receive(bytes.subarray(17));
    expect(handler.calls).toEqual([
      ['blockStart', 2, 16384, 10],
      ['blockData', Buffer.from('0123').toString('hex'), 0],
      ['blockData', Buffer.from('456789').toString('hex'), 4],
      ['blockEnd'],
    ]);
  });

  it('stops reading when the handler refuses a block', () => {
    const { peer, handler } = connected(10);
    handler.acceptBlocks = false;
    peer.receive(Buffer.concat([msg.pieceHeader(2, 0, 4), Buffer.from('abcd'), msg.unchoke()]));
    expect(handler.names()).toEqual(['blockStart']);
  });

  it('closes on a piece message too short to hold index and begin', () => {
    const { peer, handler } = connected(10);
    peer.receive(frame(MessageId.Piece, [0, 0, 0, 1]));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/too short/);
  });
});

describe('PeerConnection: extension protocol (BEP 10)', () => {
  it('parses the extension handshake', () => {
    const { peer, handler } = connected(10);
    peer.receive(msg.extended(0, encode({ m: { ut_metadata: 3 }, v: 'qBittorrent/5.0', reqq: 500 })));
    expect(handler.names()).toEqual(['peerExtensionHandshake']);
    expect(peer.extensions?.ids.get('ut_metadata')).toBe(3);
    expect(peer.client).toBe('qBittorrent/5.0');
  });

  it('passes other extended messages on with their local id', () => {
    const { peer, handler } = connected(10);
    peer.receive(msg.extended(2, Buffer.from([9, 8, 7])));
    expect(handler.calls).toEqual([['peerExtended', 2, '090807']]);
  });

  it('closes on a bad extension handshake', () => {
    const { peer, handler } = connected(10);
    peer.receive(msg.extended(0, Buffer.from('li1ei2ee')));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/bad extension handshake: not a dictionary/);
  });

  it('closes on an empty extended message', () => {
    const { peer } = connected(10);
    peer.receive(frame(MessageId.Extended));
    expect(peer.isOpen).toBe(false);
  });

  it('closes on extended messages from a peer without the extension bit', () => {
    const { peer, handler } = connected(10, [0, 0, 0, 0, 0, 0, 0, 0x05]);
    peer.receive(msg.extended(0, encode({ m: {} })));
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/extension protocol/);
  });
});

describe('PeerConnection: lifecycle', () => {
  it('reports closing once, destroys the socket and sends nothing afterwards', () => {
    const { peer, socket, handler } = connected(10);
    socket.written.length = 0;
    peer.close({ kind: 'duplicate' });
    peer.close({ kind: 'torrent-stopped' });
    expect(handler.calls).toEqual([['peerClosed', 'duplicate connection to the same peer']]);
    expect(handler.closeKinds).toEqual(['duplicate']);
    expect(socket.destroyed).toBe(true);
    peer.send(msg.unchoke());
    peer.setInterested(true);
    const done: boolean[] = [];
    peer.sendBlock(0, 0, Buffer.alloc(10), (err) => done.push(!err));
    expect(socket.written).toEqual([]);
    expect(done).toEqual([false]);
  });

  it('ignores data after closing', () => {
    const { peer, handler } = connected(10);
    peer.close({ kind: 'torrent-stopped' });
    peer.receive(Buffer.concat([msg.unchoke(), msg.have(1)]));
    expect(handler.names()).toEqual(['peerClosed']);
  });

  it('closes when the socket ends or errors', () => {
    const a = connected(10);
    a.socket.emit('end');
    expect(a.peer.isOpen).toBe(false);
    expect(a.handler.closedReason()).toMatch(/closed by peer/);
    expect(a.handler.closeKinds).toEqual(['remote-closed']);
    const b = connected(10);
    b.socket.emit('error', new Error('ECONNRESET'));
    expect(b.handler.closedReason()).toMatch(/socket error: ECONNRESET/);
    expect(b.handler.closeKinds).toEqual(['socket-error']);
    expect(b.handler.names().filter((n) => n === 'peerClosed')).toHaveLength(1);
  });

  it('sends a block as a piece header and the data', async () => {
    const { peer, socket } = connected(10);
    socket.written.length = 0;
    const data = Buffer.from('block!');
    const done: boolean[] = [];
    peer.sendBlock(4, 16384, data, (err) => done.push(!err));
    // Header and data are corked together and flushed on the next tick; then the callback runs.
    expect(done).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.bytes().equals(Buffer.concat([msg.pieceHeader(4, 16384, data.length), data]))).toBe(true);
    expect(done).toEqual([true]);
  });

  it('sends a keep-alive after 90 s of silence and closes after 240 s without data', () => {
    vi.useFakeTimers();
    const { peer, socket, handler } = connected(10);
    socket.written.length = 0;
    vi.advanceTimersByTime(90_000);
    expect(socket.written).toEqual([]);
    vi.advanceTimersByTime(15_000);
    expect(socket.bytes().equals(msg.keepAlive())).toBe(true);
    vi.advanceTimersByTime(100_000);
    peer.receive(msg.keepAlive()); // 205 s: they are alive
    vi.advanceTimersByTime(225_000);
    expect(peer.isOpen).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(peer.isOpen).toBe(false);
    expect(handler.closedReason()).toMatch(/inactivity/);
  });
});

describe('PeerConnection over a real loopback socket', () => {
  it('exchanges handshakes and messages, and reports the remote closing', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const remote = net.connect(port, '127.0.0.1');
    const local = await accepted;
    try {
      const handler = new RecordingHandler(8);
      const peer = new PeerConnection(local, handler, {
        infoHash: INFO_HASH,
        ourPeerId: OUR_ID,
        incoming: true,
        address: `127.0.0.1:${remote.localPort}`,
        opening: (p) => p.send(msg.haveNone()),
      });
      live.push(peer);
      local.on('data', (chunk: Buffer) => peer.receive(chunk));
      const received: Buffer[] = [];
      remote.on('data', (chunk: Buffer) => received.push(chunk));

      peer.start();
      remote.write(Buffer.concat([theirHandshake(), msg.bitfield(Uint8Array.from([0xa0])), msg.unchoke()]));
      await vi.waitFor(() => expect(handler.names()).toContain('peerUnchoked'), { timeout: 5000, interval: 5 });
      expect(handler.names()).toEqual(['peerReady', 'peerBitfield', 'peerUnchoked']);
      expect(peer.has(0)).toBe(true);
      expect(peer.has(1)).toBe(false);
      await vi.waitFor(() => expect(Buffer.concat(received).length).toBe(68 + 5), { timeout: 5000, interval: 5 });
      const bytes = Buffer.concat(received);
      expect(bytes.subarray(0, 68).equals(encodeHandshake(INFO_HASH, OUR_ID))).toBe(true);
      expect(bytes.subarray(68).equals(msg.haveNone())).toBe(true);

      remote.end();
      await vi.waitFor(() => expect(peer.isOpen).toBe(false), { timeout: 5000, interval: 5 });
      expect(handler.closedReason()).toMatch(/closed by peer/);
      expect(handler.names().filter((n) => n === 'peerClosed')).toHaveLength(1);
    } finally {
      remote.destroy();
      local.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
