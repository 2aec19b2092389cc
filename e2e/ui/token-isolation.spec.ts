/**
 * Cookies ignore ports: whatever the browser keeps for Tessera's 127.0.0.1 page, it also sends
 * to every other server on 127.0.0.1. Nothing such a server receives may open Tessera's API.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { wsUpgrade } from '../support/net.js';
import { openApp } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

/** Every value a header or cookie carried, split the ways a token could hide in it. */
function candidateValues(headers: IncomingHttpHeaders): string[] {
  const values = new Set<string>();
  for (const value of Object.values(headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      values.add(v);
      for (const part of v.split(/[;,\s]+/)) {
        values.add(part);
        const eq = part.indexOf('=');
        if (eq >= 0) values.add(part.slice(eq + 1));
      }
    }
  }
  values.delete('');
  return [...values];
}

test('an unrelated local server receives nothing that authenticates to Tessera; the UI keeps working after reload', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await expect(page.getByTestId('status-bar')).toContainText('Connected');

  // An unrelated server on another port of the same address, visited in the same browser.
  const received: IncomingHttpHeaders[] = [];
  const other: Server = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>unrelated</title><img src="/pixel.png">');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  cleanup.add(() => new Promise<void>((r) => other.close(() => r())));
  const otherPort = (other.address() as AddressInfo).port;
  await page.goto(`http://127.0.0.1:${otherPort}/`);
  await expect(page).toHaveTitle('unrelated');
  await expect.poll(() => received.length).toBeGreaterThanOrEqual(2);

  // Nothing it received carries the token, and replaying all of it to Tessera's API is refused.
  expect(JSON.stringify(received)).not.toContain(host.token);
  const ws = `ws://127.0.0.1:${host.port}/ws`;
  for (const headers of received) {
    const replay: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !['host', 'connection', 'upgrade'].includes(name)) replay[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    delete replay.origin;
    expect(await wsUpgrade(ws, replay)).toBe(401);
    expect(await wsUpgrade(ws, { cookie: replay.cookie ?? '' })).toBe(401);
  }
  for (const value of candidateValues(Object.assign({}, ...received) as IncomingHttpHeaders)) {
    expect(await wsUpgrade(`${ws}?token=${encodeURIComponent(value)}`, {}), value).toBe(401);
  }

  // Back to Tessera in the same tab, without the token in the address: still connected, and after a reload.
  await page.goto(`${host.origin}/`);
  await expect(page.getByTestId('torrent-list')).toBeVisible();
  await expect(page.getByTestId('status-bar')).toContainText('Connected');
  await page.reload();
  await expect(page.getByTestId('torrent-list')).toBeVisible();
  await expect(page.getByTestId('status-bar')).toContainText('Connected');
  expect(new URL(page.url()).searchParams.get('token')).toBeNull();
});
