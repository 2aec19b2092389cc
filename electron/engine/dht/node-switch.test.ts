import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import type { PeerAddress } from '../api.js';
import { randomId } from './ids.js';
import { decodeMessage, encodeQuery, encodeResponse } from './krpc.js';
import { DhtNode } from './node.js';

/*
 * The user switches the DHT off while running (Settings → Privacy): the node must go silent —
 * no query answered, nothing sent — while its socket stays for uTP, which shares it; on again,
 * it bootstraps and answers. Real sockets on 127.0.0.1; no wall-clock bounds.
 */
const LOOPBACK = '127.0.0.1';
const nodes: DhtNode[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  for (const s of sockets.splice(0)) s.close();
});

async function udp(onMessage: (data: Buffer, from: PeerAddress) => void): Promise<{ address: PeerAddress; send: (to: PeerAddress, data: Uint8Array) => void }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  socket.on('message', (data, rinfo) => onMessage(data, { host: rinfo.address, port: rinfo.port }));
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return { address: { host: LOOPBACK, port: socket.address().port }, send: (to, data) => socket.send(data, to.port, to.host) };
}

describe('a DHT node switched off and on', () => {
  it('off: answers nobody, sends nothing, keeps the socket for uTP; on: bootstraps and answers again', async () => {
    // A bootstrap node that answers every query (with no nodes) and counts them.
    let bootstrapQueries = 0;
    const id = randomId();
    const router = await udp((data, from) => {
      const m = decodeMessage(data);
      if (!m.ok || m.message.type !== 'query') return;
      bootstrapQueries++;
      router.send(from, encodeResponse(m.message.t, { id }));
    });
    const node = new DhtNode({ host: LOOPBACK, port: 0, bootstrap: [`${LOOPBACK}:${router.address.port}`], restrictRoutingIps: false });
    nodes.push(node);
    node.setEnabled(false);
    await node.start();
    const utp: Buffer[] = [];
    node.shareSocket((packet) => {
      if (packet[0] !== 0x41) return false;
      utp.push(packet);
      return true;
    });

    // Replies to us, by transaction id.
    const replies: string[] = [];
    const client = await udp((data) => {
      const m = decodeMessage(data);
      if (m.ok && m.message.type !== 'query') replies.push(Buffer.from(m.message.t).toString('hex'));
    });
    const ping = (t: number): Uint8Array => encodeQuery(new Uint8Array([t, t]), randomId(), { method: 'ping' });
    client.send(node.address(), ping(1));
    // A uTP datagram after it on the same socket: once uTP has it, the ping was handled before.
    client.send(node.address(), Buffer.from([0x41, 0, 0, 0]));
    await waitUntil('uTP to get its datagram', () => utp.length === 1);
    expect(node.stats().queriesReceived).toBe(0);

    // Lookups and announces end at once, having sent nothing.
    expect(await node.announce(randomId(), 6881)).toMatchObject({ peers: [], announcedTo: 0 });
    expect(await node.findPeers(randomId())).toEqual([]);
    expect(await node.ping(router.address)).toBeNull();
    expect(node.stats().queriesSent).toBe(0);
    expect(bootstrapQueries).toBe(0);
    expect(node.enabled).toBe(false);

    node.setEnabled(true);
    await waitUntil('the bootstrap query', () => bootstrapQueries > 0);
    client.send(node.address(), ping(2));
    await waitUntil('the answer to the second ping', () => replies.includes('0202'));
    // The ping sent while off was never answered (it came first on the same socket).
    expect(replies).toEqual(['0202']);

    // Off again: a query in flight is rejected at once, not left to time out.
    const silent = await udp(() => undefined);
    const pending = node.ping(silent.address);
    node.setEnabled(false);
    expect(await pending).toBeNull();
  });
});
