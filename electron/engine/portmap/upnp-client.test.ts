import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from './upnp-client.js';

// Servers bind to 127.0.0.1 only.
const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A "device" that sends headers, then one byte every `everyMs` and never ends the reply. */
async function drippingDevice(everyMs: number): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    const drip = setInterval(() => res.write(' '), everyMs);
    res.on('close', () => clearInterval(drip));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/desc.xml`;
}

describe('UPnP device HTTP requests', () => {
  it('gives up on a device that drips bytes forever once the total deadline passes, though the socket never goes idle', async () => {
    const url = await drippingDevice(20);
    // The idle timeout is far longer than the test; only the deadline can end the request.
    const request = httpRequest(url, { method: 'GET' }, { idleMs: 60_000, deadlineMs: 300 });
    await expect(request).rejects.toThrow(/not complete within 300 ms/);
  }, 5000);

  it('still returns a complete reply that arrives before the deadline', async () => {
    const server = http.createServer((_req, res) => res.end('<root/>'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/desc.xml`;
    const reply = await httpRequest(url, { method: 'GET' }, { idleMs: 60_000, deadlineMs: 30_000 });
    expect(reply.body).toEqual({ status: 200, text: '<root/>' });
    expect(reply.localAddress).toBe('127.0.0.1');
  });
});
