import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { randomId } from './ids.js';
import { decodeMessage, encodeQuery, encodeResponse } from './krpc.js';
import { KrpcSocket } from './rpc.js';

const LOOPBACK = '127.0.0.1';
const opened: Array<KrpcSocket | Socket> = [];

afterEach(async () => {
  for (const item of opened.splice(0)) {
    if (item instanceof KrpcSocket) await item.close();
    else item.close();
  }
});

async function rawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  opened.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return socket;
}

async function krpc(now: () => number): Promise<KrpcSocket> {
  const socket = new KrpcSocket({
    host: LOOPBACK,
    port: 0,
    ownId: randomId(),
    timeoutMs: 60_000,
    limits: { inboundPerIpPerSecond: 5, inboundPerSecond: 10, blockAbovePerIpPerSecond: 1000 },
    now,
  });
  opened.push(socket);
  await socket.bind();
  return socket;
}

describe('KrpcSocket inbound limits', () => {
  it('drops datagrams over the per-source limit before decoding them', async () => {
    const frozen = Date.now();
    const node = await krpc(() => frozen);
    const flooder = await rawSocket();
    const port = node.address().port;
    // Not bencode at all: decoding would count each as garbage.
    for (let i = 0; i < 40; i++) flooder.send(Buffer.from('not bencode'), port, LOOPBACK);
    await waitUntil('all 40 datagrams to be counted', () => node.stats().garbage + node.stats().rateLimited === 40);
    expect(node.stats()).toMatchObject({ garbage: 10, rateLimited: 30 });
  });

  it('still takes the reply to its own query while its source floods it', async () => {
    const frozen = Date.now();
    const node = await krpc(() => frozen);
    const port = node.address().port;
    const flooder = await rawSocket();
    const queriesFlood = encodeQuery(new Uint8Array([1, 2]), randomId(), { method: 'ping' }, false);
    for (let i = 0; i < 100; i++) flooder.send(queriesFlood, port, LOOPBACK);
    await waitUntil('the flood to be counted', () => node.stats().queriesReceived + node.stats().rateLimited === 100);
    expect(node.stats().queriesReceived).toBe(10); // the limits are spent: same IP, frozen clock

    const answerer = await rawSocket();
    const answererId = randomId();
    answerer.on('message', (packet, rinfo) => {
      const decoded = decodeMessage(packet);
      if (!decoded.ok || decoded.message.type !== 'query') return;
      answerer.send(encodeResponse(decoded.message.t, { id: answererId }), rinfo.port, rinfo.address);
    });
    const reply = await node.query({ host: LOOPBACK, port: answerer.address().port }, { method: 'ping' });
    expect(reply.id).toEqual(answererId);
    // Its endpoint is no longer awaited: another datagram from it is limited again.
    answerer.send(queriesFlood, port, LOOPBACK);
    await waitUntil('the late query to be dropped', () => node.stats().rateLimited === 91);
  });
});
