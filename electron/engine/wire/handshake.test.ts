import { describe, expect, it } from 'vitest';
import { decodeHandshake, encodeHandshake, HANDSHAKE_LENGTH, type Handshake } from './handshake.js';

const infoHash = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex');
const peerId = Buffer.from('-TS0100-abcdefghijkl', 'latin1');

function decoded(bytes: Buffer): Handshake {
  const hs = decodeHandshake(bytes);
  if (typeof hs === 'string') throw new Error(`unexpected: ${hs}`);
  return hs;
}

describe('handshake', () => {
  it('encodes the 68-byte BEP 3 layout', () => {
    const out = encodeHandshake(infoHash, peerId);
    expect(out.length).toBe(HANDSHAKE_LENGTH);
    expect(out[0]).toBe(19);
    expect(out.subarray(1, 20).toString('latin1')).toBe('BitTorrent protocol');
    expect(out.subarray(28, 48).equals(infoHash)).toBe(true);
    expect(out.subarray(48, 68).equals(peerId)).toBe(true);
  });

  it('sets exactly the extension-protocol, fast-extension and DHT reserved bits', () => {
    const reserved = encodeHandshake(infoHash, peerId).subarray(20, 28);
    expect([...reserved]).toEqual([0, 0, 0, 0, 0, 0x10, 0, 0x05]);
  });

  it('adds the BEP 52 v2 bit (reserved[7] & 0x10) when asked, and reads it back', () => {
    const bytes = encodeHandshake(infoHash, peerId, true);
    expect([...bytes.subarray(20, 28)]).toEqual([0, 0, 0, 0, 0, 0x10, 0, 0x15]);
    expect(decoded(bytes)).toMatchObject({ extensions: true, fast: true, dht: true, v2: true });
    expect(decoded(encodeHandshake(infoHash, peerId))).toMatchObject({ v2: false });
  });

  it('round-trips info-hash, peer id and the flags', () => {
    const hs = decoded(encodeHandshake(infoHash, peerId));
    expect(hs.infoHash.equals(infoHash)).toBe(true);
    expect(hs.peerId.equals(peerId)).toBe(true);
    expect(hs).toMatchObject({ extensions: true, fast: true, dht: true });
  });

  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], { extensions: false, fast: false, dht: false }],
    [[0, 0, 0, 0, 0, 0x10, 0, 0], { extensions: true, fast: false, dht: false }],
    [[0, 0, 0, 0, 0, 0, 0, 0x04], { extensions: false, fast: true, dht: false }],
    [[0, 0, 0, 0, 0, 0, 0, 0x01], { extensions: false, fast: false, dht: true }],
    // Other bits (Azureus messaging, LTEP neighbours, v2 upgrade) do not turn on ours.
    [[0x80, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff, 0xea], { extensions: false, fast: false, dht: false, v2: false }],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], { extensions: true, fast: true, dht: true }],
  ])('reads reserved bytes %j as %j', (reserved, flags) => {
    const bytes = encodeHandshake(infoHash, peerId);
    Buffer.from(reserved).copy(bytes, 20);
    expect(decoded(bytes)).toMatchObject(flags);
  });

  it('ignores bytes after the first 68 (the first messages may share the packet)', () => {
    const bytes = Buffer.concat([encodeHandshake(infoHash, peerId), Buffer.from([0, 0, 0, 1, 2])]);
    expect(decoded(bytes).peerId.equals(peerId)).toBe(true);
  });

  it('copies info-hash and peer id out of the input buffer', () => {
    const bytes = encodeHandshake(infoHash, peerId);
    const hs = decoded(bytes);
    bytes.fill(0);
    expect(hs.infoHash.equals(infoHash)).toBe(true);
    expect(hs.peerId.equals(peerId)).toBe(true);
  });

  it('rejects a short handshake with a reason', () => {
    expect(decodeHandshake(encodeHandshake(infoHash, peerId).subarray(0, 67))).toBe('short handshake');
    expect(decodeHandshake(Buffer.alloc(0))).toBe('short handshake');
  });

  it('rejects anything that is not the BitTorrent protocol string', () => {
    const variants: Buffer[] = [];
    const wrongLength = encodeHandshake(infoHash, peerId);
    wrongLength[0] = 18;
    variants.push(wrongLength);
    const wrongCase = encodeHandshake(infoHash, peerId);
    wrongCase.write('bittorrent protocol', 1, 'latin1');
    variants.push(wrongCase);
    variants.push(Buffer.from('GET / HTTP/1.1\r\nHost: example.org\r\n\r\n'.padEnd(68, 'x')));
    variants.push(Buffer.alloc(68));
    for (const v of variants) expect(decodeHandshake(v)).toBe('not a BitTorrent handshake');
  });
});
