import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../e2e/support/test-utils.js';
import { encode } from '../bencode/index.js';
import {
  decodeCompactNodes,
  decodeCompactPeer,
  decodeIp,
  encodeCompactNodes,
  encodeCompactPeer,
  encodeIp,
  type NodeInfo,
} from './compact.js';
import { decodeMessage, encodeError, encodeQuery, encodeResponse, type KrpcMessage } from './krpc.js';

const id = (byte: number): Uint8Array => new Uint8Array(20).fill(byte);
const t = new Uint8Array([0xaa, 0x01]);
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function decodeOk(packet: Uint8Array): KrpcMessage {
  const result = decodeMessage(packet);
  if (!result.ok) throw new Error(`expected a message, got: ${result.reason}`);
  return result.message;
}

function reason(packet: Uint8Array): string {
  const result = decodeMessage(packet);
  if (result.ok) throw new Error(`expected rejection, got ${result.message.type}`);
  return result.reason;
}

describe('compact encodings', () => {
  it('encodes a peer as 6 bytes (IPv4) and 18 bytes (IPv6)', () => {
    const v4 = encodeCompactPeer({ host: '10.1.2.3', port: 6881 });
    expect(v4 && Buffer.from(v4).toString('hex')).toBe('0a0102031ae1');
    expect(decodeCompactPeer(v4 ?? new Uint8Array())).toEqual({ host: '10.1.2.3', port: 6881 });
    const v6 = encodeCompactPeer({ host: '2001:db8::1', port: 51413 });
    expect(v6?.length).toBe(18);
    expect(decodeCompactPeer(v6 ?? new Uint8Array())).toEqual({ host: '2001:db8::1', port: 51413 });
    expect(encodeCompactPeer({ host: 'example.org', port: 1 })).toBeNull();
    expect(decodeCompactPeer(new Uint8Array(7))).toBeNull();
  });

  it('writes IPv6 the way RFC 5952 does and round-trips odd forms', () => {
    expect(decodeIp(encodeIp('::1') ?? new Uint8Array())).toBe('::1');
    expect(decodeIp(encodeIp('::') ?? new Uint8Array())).toBe('::');
    expect(decodeIp(encodeIp('fe80:0:0:0:1:0:0:2') ?? new Uint8Array())).toBe('fe80::1:0:0:2');
    expect(decodeIp(encodeIp('::ffff:127.0.0.1') ?? new Uint8Array())).toBe('::ffff:7f00:1');
    expect(encodeIp('1.2.3')).toBeNull();
  });

  it('encodes nodes as 26 bytes each (IPv4) and 38 (IPv6), skipping the other family', () => {
    const nodes: NodeInfo[] = [
      { id: id(1), host: '127.0.0.1', port: 1000 },
      { id: id(2), host: '::1', port: 2000 },
      { id: id(3), host: '192.168.0.9', port: 65535 },
    ];
    const v4 = encodeCompactNodes(nodes, 4);
    expect(v4.length).toBe(52);
    expect(decodeCompactNodes(v4, 4)).toEqual([nodes[0], nodes[2]]);
    const v6 = encodeCompactNodes(nodes, 6);
    expect(v6.length).toBe(38);
    expect(decodeCompactNodes(v6, 6)).toEqual([nodes[1]]);
    expect(decodeCompactNodes(new Uint8Array(27), 4)).toBeNull();
  });
});

describe('KRPC queries', () => {
  it('round-trips ping, find_node, get_peers and announce_peer', () => {
    const ping = decodeOk(encodeQuery(t, id(7), { method: 'ping' }));
    expect(ping).toMatchObject({ type: 'query', method: 'ping', t, id: id(7), readOnly: false });

    const find = decodeOk(encodeQuery(t, id(7), { method: 'find_node', target: id(9) }));
    expect(find).toMatchObject({ method: 'find_node', target: id(9) });

    const get = decodeOk(encodeQuery(t, id(7), { method: 'get_peers', infoHash: id(5), want: ['n4', 'n6'] }));
    expect(get).toMatchObject({ method: 'get_peers', infoHash: id(5), want: ['n4', 'n6'] });

    const token = new Uint8Array([1, 2, 3, 4]);
    const announce = decodeOk(encodeQuery(t, id(7), { method: 'announce_peer', infoHash: id(5), port: 6881, token }));
    expect(announce).toMatchObject({ method: 'announce_peer', infoHash: id(5), port: 6881, token, impliedPort: false });

    const implied = decodeOk(encodeQuery(t, id(7), { method: 'announce_peer', infoHash: id(5), port: 0, token, impliedPort: true }, true));
    expect(implied).toMatchObject({ method: 'announce_peer', impliedPort: true, readOnly: true });
  });

  it('matches the byte layout of BEP 5', () => {
    const packet = encodeQuery(bytes('aa'), bytes('abcdefghij0123456789'), { method: 'ping' });
    expect(Buffer.from(packet).toString('latin1')).toBe('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:v4:TS\x00\x011:y1:qe');
    const bep5 = decodeOk(bytes('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'));
    expect(bep5).toMatchObject({ method: 'ping', t: new Uint8Array(bytes('aa')) });
  });

  it('reports unknown methods as such (so the node can answer 204)', () => {
    const message = decodeOk(encode({ t: 'xy', y: 'q', q: 'sample_infohashes', a: { id: Buffer.alloc(20), target: Buffer.alloc(20) } }));
    expect(message).toMatchObject({ type: 'query', method: 'unknown', name: 'sample_infohashes' });
  });
});

describe('KRPC responses and errors', () => {
  it('round-trips a get_peers response with token, values, nodes and the requester ip', () => {
    const nodes: NodeInfo[] = [
      { id: id(1), host: '127.0.0.1', port: 7001 },
      { id: id(2), host: '127.0.0.2', port: 7002 },
    ];
    const values = [
      { host: '127.0.0.5', port: 51413 },
      { host: '::1', port: 6881 },
    ];
    const packet = encodeResponse(t, { id: id(3), nodes, values, token: new Uint8Array([9, 9]) }, { host: '127.0.0.9', port: 4000 });
    const message = decodeOk(packet);
    expect(message).toEqual({
      type: 'response',
      t,
      id: id(3),
      nodes,
      nodes6: [],
      values,
      token: new Uint8Array([9, 9]),
      ip: { host: '127.0.0.9', port: 4000 },
    });
  });

  it('round-trips nodes6 (38-byte entries) and 18-byte IPv6 values beside nodes, and a want list', () => {
    const nodes6: NodeInfo[] = [
      { id: id(4), host: '2001:db8::1', port: 6881 },
      { id: id(5), host: '::1', port: 7005 },
    ];
    const packet = encodeResponse(t, { id: id(3), nodes: [{ id: id(1), host: '10.0.0.1', port: 1 }], nodes6, values: [{ host: '2001:db8::7', port: 51413 }] }, { host: '::1', port: 4000 });
    const message = decodeOk(packet);
    expect(message).toMatchObject({ type: 'response', nodes6, values: [{ host: '2001:db8::7', port: 51413 }], ip: { host: '::1', port: 4000 } });
    expect(encodeCompactNodes(nodes6, 6)).toHaveLength(76);
    expect(Buffer.from(encodeCompactNodes(nodes6, 6).subarray(20, 38)).toString('hex')).toBe('20010db80000000000000000000000011ae1');
    expect(encodeCompactPeer({ host: '2001:db8::7', port: 51413 })).toHaveLength(18);
    const query = decodeOk(encodeQuery(t, id(2), { method: 'get_peers', infoHash: id(9), want: ['n4', 'n6'] }));
    expect(query).toMatchObject({ type: 'query', method: 'get_peers', want: ['n4', 'n6'] });
  });

  it('decodes errors', () => {
    expect(decodeOk(encodeError(t, 203, 'bad token'))).toEqual({ type: 'error', t, code: 203, message: 'bad token' });
    expect(decodeOk(bytes('d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee'))).toMatchObject({ code: 201, message: 'A Generic Error Ocurred' });
  });

  it('drops nodes and peers with port 0 but keeps the rest', () => {
    const nodes = encodeCompactNodes([{ id: id(1), host: '1.2.3.4', port: 0 }, { id: id(2), host: '1.2.3.5', port: 5 }], 4);
    const message = decodeOk(encode({ t: 'aa', y: 'r', r: { id: Buffer.alloc(20), nodes, values: [Buffer.from([1, 2, 3, 4, 0, 0])] } }));
    expect(message).toMatchObject({ nodes: [{ host: '1.2.3.5', port: 5 }], values: [] });
  });
});

describe('KRPC garbage', () => {
  const a = { id: Buffer.alloc(20) };
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array()],
    ['not bencode', bytes('hello world')],
    ['truncated', bytes('d1:ad2:id20:abcdefghij0123')],
    ['trailing bytes', Buffer.concat([encode({ t: 'aa', y: 'q', q: 'ping', a }), bytes('x')])],
    ['a list', encode(['t', 'y'])],
    ['no t', encode({ y: 'q', q: 'ping', a })],
    ['t too long', encode({ t: 'x'.repeat(100), y: 'q', q: 'ping', a })],
    ['integer t', encode({ t: 5, y: 'q', q: 'ping', a })],
    ['unknown y', encode({ t: 'aa', y: 'z' })],
    ['query without a', encode({ t: 'aa', y: 'q', q: 'ping' })],
    ['short id', encode({ t: 'aa', y: 'q', q: 'ping', a: { id: Buffer.alloc(19) } })],
    ['find_node without target', encode({ t: 'aa', y: 'q', q: 'find_node', a })],
    ['get_peers short info_hash', encode({ t: 'aa', y: 'q', q: 'get_peers', a: { ...a, info_hash: Buffer.alloc(4) } })],
    ['announce without token', encode({ t: 'aa', y: 'q', q: 'announce_peer', a: { ...a, info_hash: Buffer.alloc(20), port: 1 } })],
    ['announce port out of range', encode({ t: 'aa', y: 'q', q: 'announce_peer', a: { ...a, info_hash: Buffer.alloc(20), port: 70000, token: 'x' } })],
    ['announce port as string', encode({ t: 'aa', y: 'q', q: 'announce_peer', a: { ...a, info_hash: Buffer.alloc(20), port: '80', token: 'x' } })],
    ['huge integer', encode({ t: 'aa', y: 'q', q: 'announce_peer', a: { ...a, info_hash: Buffer.alloc(20), port: 2n ** 62n, token: 'x' } })],
    ['response without r', encode({ t: 'aa', y: 'r' })],
    ['response id wrong', encode({ t: 'aa', y: 'r', r: { id: 'short' } })],
    ['nodes not a multiple of 26', encode({ t: 'aa', y: 'r', r: { ...a, nodes: Buffer.alloc(27) } })],
    ['nodes6 not a multiple of 38', encode({ t: 'aa', y: 'r', r: { ...a, nodes6: Buffer.alloc(26) } })],
    ['values not a list', encode({ t: 'aa', y: 'r', r: { ...a, values: Buffer.alloc(6) } })],
    ['value of 5 bytes', encode({ t: 'aa', y: 'r', r: { ...a, values: [Buffer.alloc(5)] } })],
    ['value that is a dict', encode({ t: 'aa', y: 'r', r: { ...a, values: [{}] } })],
    ['error without list', encode({ t: 'aa', y: 'e', e: 'oops' })],
    ['error code not int', encode({ t: 'aa', y: 'e', e: ['x', 'y'] })],
    ['deep nesting', bytes('d1:t2:aa1:y1:r1:r' + 'l'.repeat(50) + 'e'.repeat(50) + 'e')],
    ['oversized', Buffer.concat([bytes('d1:t2:aa1:y1:r1:rd2:id20:'), Buffer.alloc(20), bytes('1:x3000:'), Buffer.alloc(3000), bytes('ee')])],
  ];
  it.each(cases)('rejects %s with a reason', (_name, packet) => {
    expect(reason(packet)).toMatch(/\S/);
  });

  it('never throws on random bytes or mutated packets', () => {
    const valid = encodeResponse(t, { id: id(3), nodes: [{ id: id(1), host: '127.0.0.1', port: 7001 }], values: [{ host: '1.1.1.1', port: 1 }], token: id(4) });
    let accepted = 0;
    const random = mulberry32(2000); // seeded: the same packets on every run
    for (let i = 0; i < 2000; i++) {
      const packet = Buffer.from(valid);
      const flips = 1 + (i % 4);
      for (let f = 0; f < flips; f++) packet[Math.floor(random() * packet.length)] = Math.floor(random() * 256);
      if (decodeMessage(packet).ok) accepted++;
      const noise = Buffer.alloc(1 + (i % 200));
      for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(random() * 256);
      expect(() => decodeMessage(noise)).not.toThrow();
    }
    expect(accepted).toBeLessThan(2000);
  });
});
