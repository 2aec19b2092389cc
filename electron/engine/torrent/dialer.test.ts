import type net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EncryptionMode, PeerAddress } from '../api.js';
import type { CloseKind, CloseReason } from '../peer/close-reason.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { PROTOCOL_PREFIX } from '../wire/handshake.js';
import { CONNECT_TIMEOUT_MS, Dialer, HANDSHAKE_TIMEOUT_MS, UTP_HEAD_START_MS, type DialerHost } from './dialer.js';
import { HalfOpenLimit, TORRENT_HALF_OPEN } from './half-open.js';
import { SessionConnections } from './session-connections.js';

const INFO_HASH = Buffer.alloc(20, 0x11);

/** A socket that connects when the test says so, and records what is written before a connection owns it. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  constructor(readonly address: PeerAddress) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(Buffer.from(chunk));
    done();
  }
  override _read(): void {}
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  connected(): void {
    this.emit('connect');
  }
  bytes(): Buffer {
    return Buffer.concat(this.written);
  }
}

/** What the dialer reads of a connection it handed over. */
interface FakePeer {
  remote: object | null;
  encrypted: boolean;
  violated: boolean;
  blocksReceived: number;
  started: boolean;
  closedWith: CloseReason[];
  start(): void;
  receive(): void;
  receiveDecrypted(): void;
  close(reason: CloseReason): void;
}

function fakePeer(encrypted: boolean): FakePeer {
  return {
    remote: null,
    encrypted,
    violated: false,
    blocksReceived: 0,
    started: false,
    closedWith: [],
    start() {
      this.started = true;
    },
    receive() {},
    receiveDecrypted() {},
    close(reason) {
      this.closedWith.push(reason);
    },
  };
}

function setup(options: { encryption?: EncryptionMode; maxPeers?: number; session?: HalfOpenLimit; halfOpen?: number; connections?: SessionConnections } = {}) {
  const sockets: FakeSocket[] = [];
  /** Each socket's read callback (what the dialer does with bytes from the peer), by socket index. */
  const reads: Array<(chunk: Buffer) => boolean> = [];
  const peers: FakePeer[] = [];
  const warnings: string[] = [];
  let active = true;
  const host: DialerHost = {
    infoHash: INFO_HASH,
    encryption: options.encryption ?? 'allow',
    maxPeers: options.maxPeers ?? 100,
    connectedCount: 0,
    readBuffer: Buffer.alloc(1024),
    isActive: () => active,
    wantsPeers: () => active,
    connectedAddresses: () => [],
    opened: (_socket, _key, mse) => {
      const peer = fakePeer(mse !== null);
      peers.push(peer);
      return peer as unknown as PeerConnection;
    },
    throttleDownload: () => true,
    warn: (m) => warnings.push(m),
    ...(options.connections ? { sessionConnections: options.connections } : {}),
  };
  const dialer = new Dialer(host, {
    connect: (address, _buffer, onRead) => {
      const socket = new FakeSocket(address);
      sockets.push(socket);
      reads.push(onRead);
      return socket as unknown as net.Socket;
    },
    ...(options.session ? { sessionHalfOpen: options.session } : {}),
    ...(options.halfOpen !== undefined ? { halfOpen: options.halfOpen } : {}),
  });
  const close = (peer: FakePeer, kind: CloseKind, known = false): void => dialer.peerClosed(peer as unknown as PeerConnection, { kind }, known);
  const setActive = (on: boolean): void => {
    active = on;
  };
  return { dialer, sockets, reads, peers, warnings, host, close, setActive };
}

/** Lets a destroyed socket report its error and close (streams emit them on the next tick). */
const settle = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

const A: PeerAddress = { host: '127.0.0.1', port: 7001 };
const isPlainHandshake = (bytes: Buffer): boolean => bytes.subarray(0, PROTOCOL_PREFIX.length).equals(PROTOCOL_PREFIX);

afterEach(() => {
  vi.useRealTimers();
});

describe('Dialer: plain, then MSE', () => {
  it("'allow' dials plain first; a peer that hangs up on the plain handshake is dialled again at once with MSE", () => {
    const { dialer, sockets, peers, close } = setup({ encryption: 'allow' });
    dialer.add([A]);
    expect(sockets).toHaveLength(1);
    sockets[0]!.connected();
    expect(sockets[0]!.bytes().length).toBe(0); // the dialer wrote nothing: the connection sends the BitTorrent handshake
    expect(peers).toHaveLength(1);
    expect(peers[0]!.started).toBe(true);
    expect(peers[0]!.encrypted).toBe(false);

    close(peers[0]!, 'remote-closed');
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
    sockets[1]!.connected();
    const hello = sockets[1]!.bytes();
    expect(hello.length).toBeGreaterThanOrEqual(96); // Diffie-Hellman public key, then padding
    expect(isPlainHandshake(hello)).toBe(false);
  });

  it("'allow': an MSE dial that fails goes back to plain, and the address backs off", async () => {
    vi.useFakeTimers();
    const { dialer, sockets, peers, close } = setup({ encryption: 'allow' });
    dialer.add([A]);
    sockets[0]!.connected();
    close(peers[0]!, 'remote-closed');
    dialer.connectMore();
    sockets[1]!.connected();
    sockets[1]!.destroy(new Error('reset'));
    await settle();
    dialer.connectMore();
    expect(sockets).toHaveLength(2); // backing off
    vi.advanceTimersByTime(60_000);
    dialer.connectMore();
    expect(sockets).toHaveLength(3);
    sockets[2]!.connected();
    expect(sockets[2]!.bytes().length).toBe(0); // plain again
  });

  it("'require' opens every dial with MSE", () => {
    const { dialer, sockets } = setup({ encryption: 'require' });
    dialer.add([A]);
    sockets[0]!.connected();
    expect(sockets[0]!.bytes().length).toBeGreaterThanOrEqual(96);
    expect(isPlainHandshake(sockets[0]!.bytes())).toBe(false);
  });

  it("'disable' never tries MSE: a hang-up is an ordinary failure with back-off", () => {
    vi.useFakeTimers();
    const { dialer, sockets, peers, close } = setup({ encryption: 'disable' });
    dialer.add([A]);
    sockets[0]!.connected();
    close(peers[0]!, 'remote-closed');
    dialer.connectMore();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(60_000);
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
    sockets[1]!.connected();
    expect(sockets[1]!.bytes().length).toBe(0);
  });
});

describe('Dialer: half-open cap', () => {
  const many = (n: number): PeerAddress[] => Array.from({ length: n }, (_, i) => ({ host: '127.0.0.1', port: 10_000 + i }));

  it('has at most TORRENT_HALF_OPEN attempts in progress; a slot comes back when the BitTorrent handshake is done', () => {
    const { dialer, sockets, peers } = setup();
    dialer.add(many(50));
    expect(sockets).toHaveLength(TORRENT_HALF_OPEN);
    expect(dialer.halfOpen).toBe(TORRENT_HALF_OPEN);
    sockets[0]!.connected(); // TCP is up, but the handshake is not done: still half-open
    dialer.connectMore();
    expect(sockets).toHaveLength(TORRENT_HALF_OPEN);
    dialer.handshakeDone(peers[0]! as unknown as PeerConnection);
    dialer.connectMore();
    expect(sockets).toHaveLength(TORRENT_HALF_OPEN + 1);
  });

  it('a failed attempt gives its slot back and the next candidate is dialled', async () => {
    const { dialer, sockets, warnings } = setup({ halfOpen: 2 });
    dialer.add(many(5));
    expect(sockets).toHaveLength(2);
    sockets[0]!.destroy(new Error('ECONNREFUSED'));
    await settle();
    expect(sockets).toHaveLength(3);
    expect(dialer.halfOpen).toBe(2);
    expect(warnings.some((w) => w.includes('ECONNREFUSED'))).toBe(true);
  });

  it('the session-wide cap is shared: a torrent waiting for a slot is woken when another gives one back', async () => {
    const session = new HalfOpenLimit(12);
    const first = setup({ session });
    const second = setup({ session });
    first.dialer.add(many(20));
    second.dialer.add(many(20));
    expect(first.sockets).toHaveLength(TORRENT_HALF_OPEN);
    expect(second.sockets).toHaveLength(12 - TORRENT_HALF_OPEN);
    expect(session.used).toBe(12);
    first.sockets[0]!.destroy(new Error('ECONNREFUSED'));
    await settle();
    await new Promise((resolve) => setImmediate(resolve));
    // The slot went to the torrent that was waiting, not back to the one that gave it.
    expect(first.sockets).toHaveLength(TORRENT_HALF_OPEN);
    expect(second.sockets).toHaveLength(12 - TORRENT_HALF_OPEN + 1);
    expect(session.used).toBe(12);
  });

  it('a torrent stopped while dials are in progress closes them when they connect, and gives the slots back', async () => {
    const { dialer, sockets, peers, setActive } = setup({ encryption: 'require' });
    dialer.add(many(2));
    sockets[0]!.connected(); // MSE under way
    setActive(false);
    sockets[1]!.connected();
    expect(sockets[1]!.destroyed).toBe(true);
    expect(dialer.halfOpen).toBe(1);
    sockets[0]!.destroy(new Error('reset during MSE'));
    await settle();
    expect(dialer.halfOpen).toBe(0);
    expect(peers).toHaveLength(0);
  });

  it('a dial that has not connected CONNECT_TIMEOUT_MS after it began is given up, and its slot goes to the next candidate', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { dialer, sockets, warnings } = setup({ halfOpen: 1 });
    dialer.add(many(2));
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS - 1);
    expect(sockets[0]!.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    await settle();
    expect(sockets[0]!.destroyed).toBe(true);
    expect(warnings.some((w) => w.includes('connect timeout'))).toBe(true);
    expect(sockets).toHaveLength(2);
    expect(dialer.halfOpen).toBe(1);
  });

  it('an address that accepts and never answers our handshake is closed HANDSHAKE_TIMEOUT_MS after connecting', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { dialer, sockets, peers, close } = setup({ halfOpen: 1 });
    dialer.add(many(2));
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS - 1); // the connect timeout stops at the connect
    sockets[0]!.connected();
    vi.advanceTimersByTime(HANDSHAKE_TIMEOUT_MS - 1);
    expect(peers[0]!.closedWith).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(peers[0]!.closedWith.map((r) => r.kind)).toEqual(['handshake-timeout']);
    close(peers[0]!, 'handshake-timeout'); // what the torrent does when its connection closes
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
    // A handshake that came in time stops the deadline.
    sockets[1]!.connected();
    dialer.handshakeDone(peers[1]! as unknown as PeerConnection);
    vi.advanceTimersByTime(HANDSHAKE_TIMEOUT_MS);
    expect(peers[1]!.closedWith).toEqual([]);
  });

  it('a peer dribbling its MSE handshake a byte at a time loses the dial HANDSHAKE_TIMEOUT_MS after connecting', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { dialer, sockets, reads, peers } = setup({ encryption: 'require', halfOpen: 1 });
    dialer.add(many(2));
    sockets[0]!.connected();
    for (let t = 0; t < HANDSHAKE_TIMEOUT_MS - 1000; t += 1000) {
      reads[0]!(Buffer.from([t & 0xff])); // part of a Diffie-Hellman key, never finished
      vi.advanceTimersByTime(1000);
    }
    expect(sockets[0]!.destroyed).toBe(false);
    vi.advanceTimersByTime(1000);
    await settle();
    expect(sockets[0]!.destroyed).toBe(true);
    expect(peers).toHaveLength(0);
    expect(sockets).toHaveLength(2);
  });

  it("one slot coming back at a time, the sources still take turns: a tracker's peer is not held up by a magnet's dead addresses", async () => {
    const { dialer, sockets } = setup({ halfOpen: 1 });
    const seeder: PeerAddress = { host: '127.0.0.2', port: 6881 };
    dialer.add(many(5), 'magnet x.pe');
    dialer.add([seeder], 'tracker http://t.example/announce');
    sockets[0]!.destroy(new Error('connect timeout'));
    await settle();
    expect(sockets.map((s) => s.address)).toEqual([many(1)[0], seeder]);
  });

  it('never dials past the peer limit', () => {
    const { dialer, sockets } = setup({ maxPeers: 3 });
    dialer.add(many(20));
    expect(sockets).toHaveLength(3);
  });

  it("dials no more than the session's connection limit leaves room for, whatever its own peer limit", () => {
    let held = 498;
    const connections = new SessionConnections(() => 500, () => held);
    const { dialer, sockets } = setup({ maxPeers: 50, connections });
    dialer.add(Array.from({ length: 10 }, (_, i) => ({ host: `198.51.100.${i + 1}`, port: 6881 })));
    expect(sockets).toHaveLength(2);
    held = 400; // connections closed elsewhere: counted again at the next question, not at once
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
    connections.recount();
    dialer.connectMore();
    expect(sockets).toHaveLength(10);
  });

  it('does not dial an address that holds as many connections as one address may', () => {
    const { dialer, sockets, host } = setup();
    host.addressFull = (ip) => ip === '203.0.113.7';
    dialer.add([
      { host: '203.0.113.7', port: 6881 },
      { host: '198.51.100.1', port: 6881 },
    ]);
    expect(sockets.map((s) => s.address.host)).toEqual(['198.51.100.1']);
  });
});

describe('Dialer: what a close means for the address', () => {
  it("'self' and protocol violations ban the address", () => {
    const { dialer, sockets, peers, close } = setup();
    const B: PeerAddress = { host: '127.0.0.1', port: 7002 };
    dialer.add([A, B]);
    sockets[0]!.connected();
    sockets[1]!.connected();
    close(peers[0]!, 'self');
    peers[1]!.violated = true;
    close(peers[1]!, 'protocol-violation', true);
    expect(dialer.candidates.isBanned(A)).toBe(true);
    expect(dialer.candidates.isBanned(B)).toBe(true);
    expect(dialer.halfOpen).toBe(0);
  });

  it('a peer that sent data and hung up is retried later, without counting a failure', () => {
    vi.useFakeTimers();
    const { dialer, sockets, peers, close } = setup();
    dialer.add([A]);
    sockets[0]!.connected();
    peers[0]!.remote = {};
    peers[0]!.blocksReceived = 3;
    close(peers[0]!, 'remote-closed', true);
    dialer.connectMore();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(10_001);
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
  });

  it('a socket error before the handshake counts as a failed dial (exponential back-off)', () => {
    vi.useFakeTimers();
    const { dialer, sockets, peers, close } = setup();
    dialer.add([A]);
    sockets[0]!.connected();
    close(peers[0]!, 'socket-error');
    vi.advanceTimersByTime(9_000);
    dialer.connectMore();
    expect(sockets).toHaveLength(1); // first failure: 5 s doubled
    vi.advanceTimersByTime(1_001);
    dialer.connectMore();
    expect(sockets).toHaveLength(2);
  });

  it('the torrent stopping ends every dial in progress at once, none counted as failed: connecting, in its MSE handshake, or waiting for the BitTorrent handshake', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { dialer, sockets, peers, warnings, setActive } = setup({ encryption: 'require' });
    const B: PeerAddress = { host: '127.0.0.1', port: 7002 };
    const C: PeerAddress = { host: '127.0.0.1', port: 7003 };
    for (let round = 0; round < 6; round++) {
      const from = sockets.length;
      dialer.add([A, B, C]);
      dialer.connectMore();
      expect(sockets).toHaveLength(from + 3);
      sockets[from + 1]!.connected(); // B: its MSE handshake starts (A and C still connecting)
      setActive(false);
      dialer.abort();
      await settle();
      expect(sockets.slice(from).map((s) => s.destroyed)).toEqual([true, true, true]);
      expect(dialer.halfOpen).toBe(0);
      setActive(true); // dialled again at once, every time: nothing was counted against them
    }
    expect(warnings).toEqual([]);
    expect(peers).toHaveLength(0);
  });

  it('a connection still waiting for its BitTorrent handshake is closed as torrent-stopped, and not counted as failed', () => {
    vi.useFakeTimers();
    const { dialer, sockets, peers, close } = setup();
    for (let round = 0; round < 6; round++) {
      dialer.add([A]);
      dialer.connectMore();
      expect(sockets).toHaveLength(round + 1);
      sockets[round]!.connected();
      const peer = peers[round]!;
      const kinds: CloseKind[] = [];
      peer.close = (reason: CloseReason) => {
        kinds.push(reason.kind);
        close(peer, reason.kind); // as a real connection reports its close
      };
      dialer.abort();
      expect(kinds).toEqual(['torrent-stopped']);
      expect(dialer.halfOpen).toBe(0);
      vi.advanceTimersByTime(10_001);
    }
  });

  it('incoming connections (never dialled) leave the candidates alone', () => {
    const { dialer, close } = setup();
    close(fakePeer(false), 'self');
    expect(dialer.candidates.size).toBe(0);
  });
});

describe('Dialer: uTP first, TCP on failure (libtorrent supports_utp)', () => {
  function withUtp() {
    const base = setup();
    const utpSockets: FakeSocket[] = [];
    const tcpSockets: FakeSocket[] = [];
    const make = (list: FakeSocket[]) => (address: PeerAddress): net.Socket => {
      const socket = new FakeSocket(address);
      list.push(socket);
      return socket as unknown as net.Socket;
    };
    const dialer = new Dialer(base.host, { connect: make(tcpSockets), utpConnect: make(utpSockets) });
    return { dialer, utpSockets, tcpSockets, peers: base.peers, warnings: base.warnings };
  }

  it('dials uTP first; a uTP dial that gets no answer is followed at once by TCP, and TCP stays the choice', async () => {
    const { dialer, utpSockets, tcpSockets, peers } = withUtp();
    dialer.add([A]);
    expect(utpSockets).toHaveLength(1);
    expect(tcpSockets).toHaveLength(0);
    utpSockets[0]!.destroy(new Error('uTP connect timed out'));
    await settle();
    await settle();
    expect(tcpSockets).toHaveLength(1);
    tcpSockets[0]!.connected();
    expect(peers).toHaveLength(1);
    vi.useFakeTimers({ toFake: ['Date'] });
    dialer.peerClosed(peers[0] as unknown as PeerConnection, { kind: 'remote-closed' }, true);
    // Redialled once its back-off is over: TCP again, not uTP (remembered).
    vi.setSystemTime(Date.now() + 60_000);
    dialer.connectMore();
    expect(utpSockets).toHaveLength(1);
    expect(tcpSockets).toHaveLength(2);
  });

  it('a peer that answered over uTP is handed over on the uTP socket', () => {
    const { dialer, utpSockets, tcpSockets, peers } = withUtp();
    dialer.add([A]);
    utpSockets[0]!.connected();
    expect(peers).toHaveLength(1);
    expect(peers[0]!.started).toBe(true);
    expect(tcpSockets).toHaveLength(0);
  });

  it('dials TCP beside a uTP dial that has no answer after its head start; TCP connecting first is the connection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { dialer, utpSockets, tcpSockets, peers } = withUtp();
    dialer.add([A]);
    vi.advanceTimersByTime(UTP_HEAD_START_MS - 1);
    expect(tcpSockets).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(tcpSockets).toHaveLength(1);
    expect(dialer.halfOpen).toBe(1); // one attempt, two sockets
    tcpSockets[0]!.connected();
    expect(peers).toHaveLength(1);
    expect(utpSockets[0]!.destroyed).toBe(true);
    await settle();
    await settle();
    expect(tcpSockets).toHaveLength(1); // the uTP socket's close is no failure: no redial
    expect(utpSockets).toHaveLength(1);
    // Later dials go straight to TCP.
    dialer.peerClosed(peers[0] as unknown as PeerConnection, { kind: 'remote-closed' }, true);
    vi.setSystemTime(Date.now() + 60_000);
    dialer.connectMore();
    expect(tcpSockets).toHaveLength(2);
    expect(utpSockets).toHaveLength(1);
  });

  it('a uTP answer within the head start means no TCP dial at all', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { dialer, utpSockets, tcpSockets, peers } = withUtp();
    dialer.add([A]);
    vi.advanceTimersByTime(UTP_HEAD_START_MS / 2);
    utpSockets[0]!.connected();
    vi.advanceTimersByTime(10 * UTP_HEAD_START_MS);
    expect(tcpSockets).toHaveLength(0);
    expect(peers).toHaveLength(1);
  });

  it('uTP connecting before the TCP dial beside it wins, and the TCP socket is closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { dialer, utpSockets, tcpSockets, peers } = withUtp();
    dialer.add([A]);
    vi.advanceTimersByTime(UTP_HEAD_START_MS);
    utpSockets[0]!.connected();
    expect(peers).toHaveLength(1);
    expect(tcpSockets[0]!.destroyed).toBe(true);
    await settle();
    await settle();
    expect(tcpSockets).toHaveLength(1);
    expect(utpSockets).toHaveLength(1);
    expect(dialer.halfOpen).toBe(1); // until the BitTorrent handshake on the uTP socket
    dialer.handshakeDone(peers[0] as unknown as PeerConnection);
    expect(dialer.halfOpen).toBe(0);
  });

  it('TCP refused while uTP still tries: uTP may still connect; both failing is one failed dial, no TCP retry at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { dialer, utpSockets, tcpSockets, peers, warnings } = withUtp();
    dialer.add([A]);
    vi.advanceTimersByTime(UTP_HEAD_START_MS);
    tcpSockets[0]!.destroy(new Error('connect ECONNREFUSED'));
    await settle();
    await settle();
    expect(dialer.halfOpen).toBe(1);
    expect(warnings).toEqual([]);
    utpSockets[0]!.destroy(new Error('uTP connect timed out'));
    await settle();
    await settle();
    expect(dialer.halfOpen).toBe(0);
    expect(peers).toHaveLength(0);
    expect(tcpSockets).toHaveLength(1);
    expect(warnings).toEqual(['127.0.0.1:7001: uTP connect timed out']);
    // Backed off, then uTP first again (a TCP failure clears the TCP preference).
    vi.setSystemTime(Date.now() + 60_000);
    dialer.connectMore();
    expect(utpSockets).toHaveLength(2);
  });
});
