/**
 * The out-of-order memory all uTP connections share is split fairly between remote addresses:
 * a stranger on one IP (or one IPv6 /64), with any number of ports and connection ids, cannot
 * take the whole of it and leave an honest peer on another address unable to keep its own.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DEFAULT_LIMITS } from './connection.js';
import { DEFAULT_MAX_PER_IP, DEFAULT_MAX_REORDER_BYTES, DEFAULT_MAX_REORDER_BYTES_PER_IP } from './manager.js';
import { HEADER_BYTES, ST_DATA, ST_SYN, stampHeader, writeHeader } from './packet.js';
import { TestLink } from './test-link.js';
import { MIN_CHUNK_CHARGE, type UtpSocket } from './utp-socket.js';

function packet(type: number, connectionId: number, seq: number, payload = 0): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + payload);
  writeHeader(buf, type as 0, connectionId, seq & 0xffff, 0);
  stampHeader(buf, 1, 0, 1 << 20, 0);
  return buf;
}

/**
 * Opens a connection from host:port and sends `packets` out-of-order DATA packets (the next
 * expected one never comes); the connection, or null when the SYN was refused.
 */
function outOfOrder(link: TestLink, host: string, port: number, id: number, packets: number, payload = 1300): UtpSocket | null {
  const before = link.accepted.length;
  link.b.handle(packet(ST_SYN, id, 1000), host, port);
  const socket = link.accepted[before];
  if (!socket) return null;
  socket.on('error', () => undefined);
  for (let i = 2; i < 2 + packets; i++) link.b.handle(packet(ST_DATA, id + 1, 1000 + i, payload), host, port);
  return socket;
}

/** Enough packets to fill one connection's receive window with out-of-order data. */
const FILL = Math.ceil(DEFAULT_LIMITS.recvWindow / 1300) + 2;

describe('uTP out-of-order memory per remote address', () => {
  it('an attacker on one IPv4 address, from many ports, cannot starve an honest peer on another', () => {
    const link = new TestLink();
    // As many connections as one address may have, each filling its window out of order.
    for (let c = 0; c < DEFAULT_MAX_PER_IP; c++) outOfOrder(link, '203.0.113.9', 1000 + c, 100 + 2 * c, FILL);
    const attackerHeld = link.b.reorder.used;
    const honest = outOfOrder(link, '198.51.100.7', 6881, 7, 20);
    expect(honest?.utp?.reorderedBytes).toBe(20 * 1300);
    expect(attackerHeld).toBeLessThanOrEqual(DEFAULT_MAX_REORDER_BYTES / 8);
  });

  it('an IPv6 attacker counts as one address per /64, whatever addresses in it it uses', () => {
    const link = new TestLink({ managerOptions: { maxConnections: 4096 } });
    for (let c = 0; c < 2 * DEFAULT_MAX_PER_IP; c++) outOfOrder(link, `2001:db8:1:2::${(c + 1).toString(16)}`, 1000, 100 + 2 * c, FILL);
    // One /64 gets no more connections than one IPv4 address.
    expect(link.b.size).toBe(DEFAULT_MAX_PER_IP);
    const honest = outOfOrder(link, '2001:db8:9::1', 6881, 7, 20);
    expect(honest?.utp?.reorderedBytes).toBe(20 * 1300);
  });

  it("an honest transfer over a lossy link keeps its out-of-order packets while an attacker holds all it can", async () => {
    const link = new TestLink({ delayMs: 10, loss: 0.03, seed: 5 });
    for (let c = 0; c < DEFAULT_MAX_PER_IP; c++) outOfOrder(link, '203.0.113.9', 1000 + c, 100 + 2 * c, FILL);
    const sender = link.dial();
    let connected = false;
    sender.on('connect', () => (connected = true));
    await link.run(() => connected && link.accepted.length === DEFAULT_MAX_PER_IP + 1);
    const receiver = link.accepted[DEFAULT_MAX_PER_IP] as UtpSocket;
    const got: Buffer[] = [];
    let ended = false;
    receiver.on('data', (c: Buffer) => got.push(c));
    receiver.on('end', () => (ended = true));
    const stats = receiver.utp?.stats;
    const sent = randomBytes(1024 * 1024);
    sender.write(sent);
    sender.end();
    await link.run(() => ended);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
    // Losses left holes, and what arrived after them was kept (and SACKed), not dropped to be resent.
    expect(link.lost).toBeGreaterThan(0);
    expect(stats?.reordered).toBeGreaterThan(0);
  });

  it('the global bound still holds: sixteen addresses fill it, the seventeenth waits', () => {
    const link = new TestLink();
    const perAddress = Math.ceil(DEFAULT_MAX_REORDER_BYTES_PER_IP / DEFAULT_LIMITS.recvWindow);
    const addresses = DEFAULT_MAX_REORDER_BYTES / DEFAULT_MAX_REORDER_BYTES_PER_IP;
    for (let a = 0; a < addresses; a++) for (let c = 0; c < perAddress; c++) outOfOrder(link, `192.0.2.${a + 1}`, 1000 + c, 100 + 2 * c, FILL);
    expect(link.b.reorder.used).toBeLessThanOrEqual(DEFAULT_MAX_REORDER_BYTES);
    expect(link.b.reorder.used).toBeGreaterThan(DEFAULT_MAX_REORDER_BYTES - 16 * 1300);
    const late = outOfOrder(link, '198.51.100.7', 6881, 7, 20);
    expect(late?.utp?.reorderedBytes).toBeLessThan(20 * 1300);
  });

  it('charges every held packet at least MIN_CHUNK_CHARGE: tiny packets cannot hide their cost', () => {
    const link = new TestLink();
    // 1-byte packets: ~100 bytes of heap each, whatever their length.
    outOfOrder(link, '203.0.113.9', 1000, 100, 1000, 1);
    expect(link.b.reorder.used).toBe(1000 * MIN_CHUNK_CHARGE);
    // Sixty-four connections of them stay within the address's share.
    for (let c = 1; c < DEFAULT_MAX_PER_IP; c++) outOfOrder(link, '203.0.113.9', 1000 + c, 100 + 2 * c, 1000, 1);
    expect(link.b.reorder.used).toBeLessThanOrEqual(DEFAULT_MAX_REORDER_BYTES_PER_IP);
  });

  it('gives an address its share back when its packets are delivered or its connections close', () => {
    const link = new TestLink();
    const a = outOfOrder(link, '203.0.113.9', 1000, 100, 10);
    outOfOrder(link, '203.0.113.9', 1001, 200, 10);
    expect(link.b.reorder.heldBy('203.0.113.9')).toBe(20 * 1300);
    // The missing packet of the first connection arrives: its ten held packets are delivered.
    link.b.handle(packet(ST_DATA, 101, 1001, 1300), '203.0.113.9', 1000);
    expect(a?.utp?.reorderedBytes).toBe(0);
    expect(link.b.reorder.heldBy('203.0.113.9')).toBe(10 * 1300);
    link.b.close();
    expect(link.b.reorder.heldBy('203.0.113.9')).toBe(0);
    expect(link.b.reorder.used).toBe(0);
  });
});
