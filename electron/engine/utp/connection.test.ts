import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestLink } from './test-link.js';
import { MIN_CHUNK_CHARGE, type UtpSocket } from './utp-socket.js';
import { decodeHeader, emptyHeader, HEADER_BYTES, ST_DATA, ST_FIN, ST_RESET, ST_STATE, ST_SYN, stampHeader, writeHeader } from './packet.js';
import { MAX_REORDER_DISTANCE } from './connection.js';
import { createUtpBudget } from './manager.js';

/** Errors of every socket the tests made: a clean transfer has none. */
const errors: Error[] = [];

function collect(socket: UtpSocket): { chunks: Buffer[]; bytes: () => number; ended: () => boolean } {
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('error', (e: Error) => errors.push(e));
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('end', () => (ended = true));
  return { chunks, bytes: () => chunks.reduce((n, c) => n + c.length, 0), ended: () => ended };
}

async function transfer(link: TestLink, size: number): Promise<{ sent: Buffer; got: Buffer; sender: UtpSocket; receiver: UtpSocket }> {
  const sender = link.dial();
  let connected = false;
  sender.on('connect', () => (connected = true));
  sender.on('error', (e: Error) => errors.push(e));
  await link.run(() => connected && link.accepted.length === 1);
  const receiver = link.accepted[0] as UtpSocket;
  const sink = collect(receiver);
  const sent = randomBytes(size);
  // Written in uneven pieces, like peer-wire frames.
  for (let at = 0; at < size; at += 16_397) sender.write(sent.subarray(at, Math.min(size, at + 16_397)));
  sender.end();
  await link.run(() => sink.ended());
  return { sent, got: Buffer.concat(sink.chunks), sender, receiver };
}

describe('uTP connection over an in-memory link', () => {
  it('connects and transfers byte-identical data, then closes with FIN both ways', async () => {
    const link = new TestLink({ delayMs: 5 });
    const { sent, got, sender, receiver } = await transfer(link, 3 * 1024 * 1024);
    expect(got.equals(sent)).toBe(true);
    const stats = sender.utp?.stats;
    expect(stats?.retransmits).toBe(0);
    // The receiver's end finishes it too (allowHalfOpen false): both connections go away.
    await link.run(() => link.a.size === 0 && link.b.size === 0);
    expect(sender.destroyed && receiver.destroyed).toBe(true);
    expect(errors).toEqual([]);
  });

  it('recovers from loss and reordering (SACK, fast retransmit, timeouts)', async () => {
    const link = new TestLink({ delayMs: 10, loss: 0.05, reorder: 0.05, seed: 3 });
    let stats = null as null | NonNullable<UtpSocket['utp']>['stats'];
    const sender = link.dial();
    sender.on('error', (e: Error) => errors.push(e));
    sender.on('connect', () => (stats = sender.utp?.stats ?? null));
    const result = await (async () => {
      await link.run(() => stats !== null && link.accepted.length === 1);
      const receiver = link.accepted[0] as UtpSocket;
      const sink = collect(receiver);
      const sent = randomBytes(2 * 1024 * 1024);
      sender.write(sent);
      sender.end();
      await link.run(() => sink.ended());
      return { sent, got: Buffer.concat(sink.chunks) };
    })();
    expect(result.got.equals(result.sent)).toBe(true);
    expect(link.lost).toBeGreaterThan(0);
    expect(stats?.retransmits).toBeGreaterThan(0);
    expect(stats?.fastLosses).toBeGreaterThan(0);
    // Each hole is resent about once, not again on every ACK that repeats the same SACK.
    expect(stats?.retransmits ?? Infinity).toBeLessThan(3 * link.lost);
  });

  it('finds a single lost packet from SACK without waiting for the timeout', async () => {
    let dataSeen = 0;
    const link = new TestLink({
      delayMs: 5,
      // Drop the 20th data packet from A to B, once.
      dropIndex: (_n, to, d) => to === 'b' && d[0] === ((ST_DATA << 4) | 1) && ++dataSeen === 20,
    });
    const { sent, got, sender } = await transfer(link, 200_000);
    expect(got.equals(sent)).toBe(true);
    expect(sender.utp?.stats.fastLosses ?? -1).toBe(1);
    expect(sender.utp?.stats.timeouts ?? -1).toBe(0);
  });

  it('works across the 16-bit sequence number wrap', async () => {
    // Initial sequence numbers from the managers' random source: close to 0xffff.
    const link = new TestLink({ delayMs: 2, managerOptions: { random: () => 0.9999 } });
    const { sent, got } = await transfer(link, 400_000); // ~300 packets: wraps
    expect(got.equals(sent)).toBe(true);
  });

  it('fails a dial nobody answers after its SYN retries', async () => {
    const link = new TestLink({ dropIndex: () => true, stepMs: 50 });
    const socket = link.dial();
    let error: Error | null = null;
    socket.on('error', (e: Error) => (error = e));
    await link.run(() => error !== null, 10_000);
    expect(String(error)).toMatch(/connect timed out/);
    expect(link.a.size).toBe(0);
  });

  it('a destroyed socket still delivers what was written, then FIN', async () => {
    const link = new TestLink({ delayMs: 3 });
    const sender = link.dial();
    let connected = false;
    sender.on('connect', () => (connected = true));
    sender.on('error', (e: Error) => errors.push(e));
    await link.run(() => connected && link.accepted.length === 1);
    const sink = collect(link.accepted[0] as UtpSocket);
    const sent = randomBytes(100_000);
    sender.write(sent, () => sender.destroy());
    await link.run(() => sink.ended());
    expect(Buffer.concat(sink.chunks).equals(sent)).toBe(true);
  });

  it('a paused reader closes the window; reading reopens it', async () => {
    const link = new TestLink({ delayMs: 2, managerOptions: { connection: { recvWindow: 64 * 1024, sendBuffer: 256 * 1024, maxWindow: 1 << 20 } } });
    const sender = link.dial();
    let connected = false;
    sender.on('connect', () => (connected = true));
    sender.on('error', (e: Error) => errors.push(e));
    await link.run(() => connected && link.accepted.length === 1);
    const receiver = link.accepted[0] as UtpSocket;
    receiver.on('error', (e: Error) => errors.push(e));
    receiver.pause();
    const sent = randomBytes(1024 * 1024);
    sender.write(sent);
    sender.end();
    for (let i = 0; i < 3000; i++) {
      link.step();
      await new Promise<void>((r) => setImmediate(r));
    }
    // Held below the window (plus one packet a zero-window probe may carry).
    expect(receiver.readableLength).toBeLessThanOrEqual(64 * 1024 + 1400);
    const sink = collect(receiver);
    receiver.resume();
    await link.run(() => sink.ended());
    expect(Buffer.concat(sink.chunks).equals(sent)).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('uTP manager against hostile datagrams', () => {
  function packet(type: number, connectionId: number, seq: number, ack: number, payload = 0): Buffer {
    const buf = Buffer.alloc(HEADER_BYTES + payload);
    writeHeader(buf, type as 0, connectionId, seq, ack);
    stampHeader(buf, 1, 0, 1 << 20, ack);
    return buf;
  }

  it('answers a SYN, resets unknown connections, and ignores DHT datagrams', () => {
    const link = new TestLink();
    const sentByB: Buffer[] = [];
    const b = link.b;
    const original = (b as unknown as { sendDatagram: (p: Uint8Array) => void }).sendDatagram;
    (b as unknown as { sendDatagram: (p: Uint8Array) => void }).sendDatagram = (p) => {
      sentByB.push(Buffer.from(p));
      original(p);
    };
    expect(b.handle(Buffer.from('d1:y1:qe'), '1.2.3.4', 1)).toBe(false);
    expect(b.handle(packet(ST_SYN, 100, 5, 0), '1.2.3.4', 1)).toBe(true);
    expect(b.size).toBe(1);
    const h = emptyHeader();
    expect(decodeHeader(sentByB[0] as Buffer, h)).toBe(true);
    expect(h).toMatchObject({ type: ST_STATE, connectionId: 100, ackNr: 5 });
    b.handle(packet(ST_DATA, 999, 1, 1, 10), '1.2.3.4', 1);
    expect(decodeHeader(sentByB[1] as Buffer, h) && h.type).toBe(ST_RESET);
  });

  it('allocates no rings for a connection that has sent no data nor held a packet out of order (a SYN flood costs no 64 KiB a SYN)', () => {
    const link = new TestLink();
    link.b.handle(packet(ST_SYN, 100, 5, 0), '1.2.3.4', 1);
    const socket = link.accepted[0] as UtpSocket;
    const rings = (): number[] => {
      const c = socket.utp as unknown as { outRing: unknown[]; inRing: unknown[] };
      return [c.outRing.length, c.inRing.length];
    };
    expect(rings()).toEqual([0, 0]);
    link.b.handle(packet(ST_DATA, 101, 7, 5, 100), '1.2.3.4', 1); // out of order: the reorder ring is needed
    expect(rings()).toEqual([0, 4096]);
    socket.write(Buffer.alloc(10));
    link.b.flush();
    expect(rings()).toEqual([4096, 4096]);
  });

  it('caps connections per IP and in all (a SYN flood)', () => {
    const link = new TestLink({ managerOptions: { maxPerIp: 4, maxConnections: 10 } });
    for (let id = 0; id < 50; id++) link.b.handle(packet(ST_SYN, id * 2, 1, 0), '1.2.3.4', 1000);
    expect(link.b.size).toBe(4);
    for (let ip = 0; ip < 50; ip++) link.b.handle(packet(ST_SYN, 7, 1, 0), `1.2.4.${ip}`, 1000);
    expect(link.b.size).toBe(10);
  });

  it('managers sharing a budget (one per address family) share its connection cap and out-of-order memory', () => {
    const budget = createUtpBudget({ maxConnections: 6, maxReorderBytes: 20_000 });
    const v4 = new TestLink({ managerOptions: { shared: budget, maxPerIp: 64 } });
    const v6 = new TestLink({ managerOptions: { shared: budget, maxPerIp: 64 } });
    expect(v6.b.reorder).toBe(v4.b.reorder);
    for (let id = 0; id < 4; id++) v4.b.handle(packet(ST_SYN, id * 2, 1, 0), '1.2.3.4', 1000);
    for (let id = 0; id < 4; id++) v6.b.handle(packet(ST_SYN, id * 2, 1, 0), '2001:db8::1', 1000);
    expect([v4.b.size, v6.b.size]).toEqual([4, 2]);
    expect(budget.connections.open).toBe(6);
    const refused = v6.b.connect('2001:db8::2', 6881);
    const refusal = new Promise<Error>((resolve) => refused.once('error', resolve));
    for (const s of [...v4.accepted, ...v6.accepted]) s.on('error', () => undefined);
    v4.b.close();
    expect(budget.connections.open).toBe(2);
    v6.b.handle(packet(ST_SYN, 50, 1, 0), '2001:db8::1', 1000);
    expect(v6.b.size).toBe(3);
    return expect(refusal).resolves.toMatchObject({ message: 'too many uTP connections' });
  });

  it('bounds out-of-order data across connections, and gives it back when they end', () => {
    const link = new TestLink({ managerOptions: { maxReorderBytes: 20_000 } });
    const b = link.b;
    for (let c = 0; c < 5; c++) {
      b.handle(packet(ST_SYN, 100 + 2 * c, 1000, 0), '1.2.3.4', 1000 + c);
      for (let i = 2; i < 40; i++) b.handle(packet(ST_DATA, 101 + 2 * c, 1000 + i, 0, 1000), '1.2.3.4', 1000 + c);
    }
    for (const s of link.accepted) s.on('error', () => undefined);
    expect(b.reorder.used).toBeGreaterThan(0);
    expect(b.reorder.used).toBeLessThanOrEqual(20_000);
    b.close();
    expect(b.reorder.used).toBe(0);
  });

  it('keeps at most the reorder distance of out-of-order data, within the window', () => {
    const link = new TestLink();
    const b = link.b;
    b.handle(packet(ST_SYN, 10, 1000, 0), '1.2.3.4', 1);
    const socket = link.accepted[0] as UtpSocket;
    // Every packet but the next expected one, far and wide: only the reorder distance is kept.
    for (let i = 2; i < 5000; i++) b.handle(packet(ST_DATA, 11, (1000 + i) & 0xffff, 0, 1300), '1.2.3.4', 1);
    const held = socket.utp?.reorderedBytes ?? -1;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(Math.min(MAX_REORDER_DISTANCE * 1300, 1024 * 1024 + 1400));
    // A FIN far ahead does not end the stream before the data in between.
    b.handle(packet(ST_FIN, 11, 1100, 0), '1.2.3.4', 1);
    expect(socket.readableEnded).toBe(false);
  });

  it('never delivers data held beyond the FIN: the stream ends cleanly and the memory is given back', async () => {
    const link = new TestLink();
    const b = link.b;
    b.handle(packet(ST_SYN, 10, 1000, 0), '1.2.3.4', 1);
    const socket = link.accepted[0] as UtpSocket;
    const got: Buffer[] = [];
    const seen: string[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('end', () => seen.push('end'));
    socket.on('error', (e: Error) => seen.push(e.message));
    // Data after the FIN arrives first (held out of order), then the FIN, then what fills the hole.
    b.handle(packet(ST_DATA, 11, 1003, 0, 700), '1.2.3.4', 1);
    b.handle(packet(ST_FIN, 11, 1002, 0), '1.2.3.4', 1);
    // Only the FIN itself is held (an empty packet costs MIN_CHUNK_CHARGE like any other).
    expect(b.reorder.used).toBe(MIN_CHUNK_CHARGE);
    b.handle(packet(ST_DATA, 11, 1001, 0, 5), '1.2.3.4', 1);
    await new Promise<void>((r) => setImmediate(r));
    expect(Buffer.concat(got).length).toBe(5);
    expect(seen).toEqual(['end']);
  });

  it('charges each small packet a paused reader holds at MIN_CHUNK_CHARGE: 1-byte packets cannot fill the window by the million', () => {
    const recvWindow = 64 * 1024;
    const link = new TestLink({ managerOptions: { connection: { recvWindow, sendBuffer: recvWindow, maxWindow: 1 << 20 } } });
    const b = link.b;
    b.handle(packet(ST_SYN, 10, 1000, 0), '1.2.3.4', 1);
    const socket = link.accepted[0] as UtpSocket;
    socket.on('error', () => undefined);
    socket.pause();
    // Each held chunk costs ~230 bytes whatever its length; counted as 1 byte, a 64 KiB window would hold 65,536 of them.
    for (let i = 1; i <= 4000; i++) b.handle(packet(ST_DATA, 11, 1000 + i, 0, 1), '1.2.3.4', 1);
    const held = socket.readableLength;
    expect(held).toBeGreaterThan(16);
    expect(held).toBeLessThanOrEqual(recvWindow / MIN_CHUNK_CHARGE + 3);
    // Reading reopens the window: the packets that follow are taken again.
    while (socket.read() !== null);
    for (let i = 1; i <= 10; i++) b.handle(packet(ST_DATA, 11, 1000 + held + i, 0, 1), '1.2.3.4', 1);
    expect(socket.readableLength).toBe(10);
    expect(socket.utp?.state).toBe('connected');
  });
});
