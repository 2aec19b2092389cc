import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHeader, emptyHeader, HEADER_BYTES, ST_STATE, ST_SYN, stampHeader, writeHeader } from '../utp/packet.js';
import type { UtpSocket } from '../utp/index.js';
import { SessionDht } from './session-dht.js';
import { SessionUtp, utpEnabled } from './session-utp.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function client(): { socket: dgram.Socket; next: () => Promise<Buffer> } {
  const socket = dgram.createSocket('udp4');
  const queue: Buffer[] = [];
  const waiting: Array<(b: Buffer) => void> = [];
  socket.on('message', (m) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift() as Buffer) : waiting.push(resolve))) };
}

/** A UDP port free on both families (uTP binds it on each). */
async function freeUdpPort(): Promise<number> {
  for (;;) {
    const v4 = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => v4.bind(0, '0.0.0.0', () => resolve(v4.address().port)));
    const v6 = dgram.createSocket({ type: 'udp6', ipv6Only: true });
    const free = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.bind(port, '::', () => resolve(true));
    });
    if (free) await new Promise<void>((resolve) => v6.close(() => resolve()));
    await new Promise<void>((resolve) => v4.close(() => resolve()));
    if (free) return port;
  }
}

function syn(connectionId: number): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  writeHeader(buf, ST_SYN, connectionId, 1, 0);
  stampHeader(buf, 1, 0, 1 << 20, 0);
  return buf;
}

describe('uTP on the UDP socket of the DHT', () => {
  it('one port answers both: a SYN gets a uTP STATE (and an incoming connection), a KRPC ping a DHT reply', async () => {
    const warnings: string[] = [];
    const dht = await SessionDht.start({ downloadDir: '.', dhtBootstrap: ['127.0.0.1:9'], listenHost: '127.0.0.1' }, 0, (m) => warnings.push(m));
    if (!dht) throw new Error(`no DHT: ${warnings.join('; ')}`);
    closers.push(() => dht.close());
    const accepted: UtpSocket[] = [];
    const utp = await SessionUtp.start({ downloadDir: '.', utp: true }, dht.port, dht, (s) => accepted.push(s), (m) => warnings.push(m));
    if (!utp) throw new Error('uTP did not start');
    closers.push(() => utp.close());

    const peer = client();
    peer.socket.send(syn(4242), dht.port, '127.0.0.1');
    const reply = await peer.next();
    const h = emptyHeader();
    expect(decodeHeader(reply, h)).toBe(true);
    expect(h).toMatchObject({ type: ST_STATE, connectionId: 4242, ackNr: 1 });
    expect(accepted).toHaveLength(1);
    accepted[0]?.on('error', () => undefined);

    peer.socket.send(Buffer.from('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'), dht.port, '127.0.0.1');
    // The node may query us too (it learned a contact); its answer is the message with y = r.
    let pong = await peer.next();
    for (let i = 0; i < 5 && !pong.toString('latin1').endsWith('1:y1:re'); i++) pong = await peer.next();
    expect(pong.toString('latin1')).toMatch(/^d.*1:t2:aa.*1:y1:re$/s);
    expect(warnings).toEqual([]);
  });

  it('dials each peer over the socket of its address family, and accepts on both', async () => {
    const warnings: string[] = [];
    const accepted: UtpSocket[] = [];
    const port = await freeUdpPort();
    const server = await SessionUtp.start({ downloadDir: '.', utp: true }, port, null, (s) => accepted.push(s), (m) => warnings.push(m));
    if (!server) throw new Error(`uTP did not start: ${warnings.join('; ')}`);
    closers.push(() => server.close());
    expect(server.families).toEqual([4, 6]);
    const client = await SessionUtp.start({ downloadDir: '.', utp: true }, await freeUdpPort(), null, () => undefined, (m) => warnings.push(m));
    if (!client) throw new Error('client uTP did not start');
    closers.push(() => client.close());

    for (const host of ['127.0.0.1', '::1']) {
      const socket = client.connect({ host, port }, Buffer.alloc(0), () => true);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      socket.destroy();
    }
    expect(accepted.map((s) => [s.remoteFamily, s.remoteAddress])).toEqual([
      ['IPv4', '127.0.0.1'],
      ['IPv6', '::1'],
    ]);
    for (const s of accepted) s.on('error', () => undefined);
    // PeerConnection.overUtp (the PEX uTP flag) recognises a uTP socket by this property.
    expect(accepted.every((s) => 'utp' in s)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('a peer of a family uTP does not run on fails the uTP dial at once (the dialer then uses TCP)', async () => {
    const warnings: string[] = [];
    const utp = await SessionUtp.start({ downloadDir: '.', utp: true, listenHost: '127.0.0.1' }, await freeUdpPort(), null, () => undefined, (m) => warnings.push(m));
    if (!utp) throw new Error('uTP did not start');
    closers.push(() => utp.close());
    expect(utp.families).toEqual([4]);
    const socket = utp.connect({ host: '::1', port: 9 }, Buffer.alloc(0), () => true);
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toBe('no uTP socket for IPv6');
  });

  it('is on unless turned off by the option or TESSERA_UTP=0', () => {
    expect(utpEnabled({}, {})).toBe(true);
    expect(utpEnabled({}, { TESSERA_UTP: '0' })).toBe(false);
    expect(utpEnabled({ utp: false }, {})).toBe(false);
    expect(utpEnabled({ utp: true }, { TESSERA_UTP: '0' })).toBe(true);
  });
});
