/**
 * Tessera's UI end to end: the built renderer in Debian's Chromium, served by the built web
 * host (`npm run web`) with a temporary state folder, downloading from a real libtorrent
 * seeder on 127.0.0.1 that dials Tessera's listening port.
 */
import { mkdir, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { Cleanup } from '../support/cleanup.js';
import { assertSameFile } from '../support/data.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { REPO_ROOT } from '../support/tools.js';
import { wsUpgrade } from '../support/net.js';
import { acceptAdd, acceptFileChoice, dropFile, dropLink, makeFixture as makeFixtureIn, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

const makeFixture = (label: string, size: number, pieceLength: number) => makeFixtureIn(cleanup, label, size, pieceLength);

/** Ctrl/Cmd+V of some text anywhere outside a text field. */
async function pasteText(page: Page, text: string): Promise<void> {
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

async function verifiedCount(page: Page): Promise<number> {
  const v = await page.getByTestId('piece-grid').getAttribute('data-verified');
  return v === null ? 0 : Number(v);
}

test('drop a .torrent file: it appears, the piece grid fills, it completes, the file is byte-identical', async ({ page }) => {
  const fx = await makeFixture('drop', 4 * 1024 * 1024, 16 * 1024); // 256 pieces
  const host = await startWebHost(cleanup);
  await openApp(page, host);

  await dropFile(page, 'drop.torrent', fx.bytes);
  // Nothing is added before the add dialog is answered; it names what the file holds.
  await expect(page.getByTestId('add-dialog')).toBeVisible();
  await expect(page.locator('[data-testid="torrent-row"]')).toHaveCount(0);
  await acceptAdd(page, { name: 'drop.bin', size: '4.00 MiB' });
  const r = row(page, fx.info.infoHash);
  await expect(r).toBeVisible();
  await expect(r).toContainText('drop.bin');
  await r.click();
  const grid = page.getByTestId('piece-grid');
  await expect(grid).toBeVisible();
  await expect(grid).toHaveAttribute('data-pieces', String(fx.info.pieces));

  // The seeder dials Tessera (trackers/DHT are other issues' business); rate-limited so the grid visibly fills.
  await startLtSeeder(cleanup, {
    torrents: [fx.info.torrentPath],
    save: fx.dataDir,
    peers: [`127.0.0.1:${host.listenPort}`],
    uploadLimit: 2 * 1024 * 1024,
  });

  const seen = new Set<number>();
  await expect
    .poll(
      async () => {
        const v = await verifiedCount(page);
        seen.add(v);
        return v;
      },
      { timeout: 120_000, intervals: [100] },
    )
    .toBe(fx.info.pieces);
  const intermediate = [...seen].filter((v) => v > 0 && v < fx.info.pieces);
  expect(intermediate.length, `grid filled progressively (saw ${[...seen].sort((a, b) => a - b).join(', ')})`).toBeGreaterThan(0);

  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
  await expect(r.getByTestId('torrent-progress')).toHaveAttribute('data-progress', '1');
  await assertSameFile(fx.payload, join(host.downloadDir, 'drop.bin'));
});

test('screenshot of the piece grid mid-download is saved to e2e/artifacts/', async ({ page }, testInfo) => {
  const fx = await makeFixture('shot', 8 * 1024 * 1024, 16 * 1024); // 512 pieces
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await dropFile(page, 'shot.torrent', fx.bytes);
  await acceptAdd(page);
  const r = row(page, fx.info.infoHash);
  await r.click();
  const grid = page.getByTestId('piece-grid');
  await expect(grid).toHaveAttribute('data-pieces', String(fx.info.pieces));
  await startLtSeeder(cleanup, {
    torrents: [fx.info.torrentPath],
    save: fx.dataDir,
    peers: [`127.0.0.1:${host.listenPort}`],
    uploadLimit: 1024 * 1024,
  });
  await expect.poll(() => verifiedCount(page), { timeout: 120_000, intervals: [100] }).toBeGreaterThanOrEqual(Math.floor(fx.info.pieces / 4));
  const verified = await verifiedCount(page);
  expect(verified, 'still mid-download when the screenshot is taken').toBeLessThan(fx.info.pieces);
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, 'piece-grid-mid-download.png');
  await grid.screenshot({ path: file });
  await page.screenshot({ path: join(ARTIFACTS, 'window-mid-download.png') });
  await testInfo.attach('piece-grid-mid-download', { path: file, contentType: 'image/png' });
  expect((await stat(file)).size).toBeGreaterThan(1000);
});

test('drop a magnet link: metadata arrives from the seeder, the download completes byte-identical', async ({ page }) => {
  // The magnet names the seeder with x.pe (no tracker or DHT needed); ut_metadata fetches the info dict.
  const fx = await makeFixture('magnet', 2 * 1024 * 1024, 16 * 1024);
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const seeder = await startLtSeeder(cleanup, { torrents: [fx.info.torrentPath], save: fx.dataDir });
  const magnet = `magnet:?xt=urn:btih:${fx.info.infoHash}&dn=magnet.bin&x.pe=${seeder.address}`;
  await dropLink(page, magnet);
  await acceptAdd(page, { name: 'magnet.bin' });
  const r = row(page, fx.info.infoHash);
  await expect(r).toBeVisible();
  // The dialog comes back with the file list once the metadata is in; Download starts it.
  await acceptFileChoice(page, { name: 'magnet.bin' });
  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 120_000 });
  await assertSameFile(fx.payload, join(host.downloadDir, 'magnet.bin'));
});

test('an invalid magnet paste and a non-torrent drop show an error, and the app keeps working', async ({ page }) => {
  const fx = await makeFixture('after-errors', 64 * 1024, 16 * 1024);
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const errors = page.getByTestId('error-banner');

  await pasteText(page, 'magnet:?xt=urn:btih:not-a-hash');
  await expect(errors.last()).toBeVisible();
  await expect(errors.last()).toContainText(/magnet/i);
  const afterPaste = await errors.count();

  await dropFile(page, 'holiday.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), 'image/png');
  await expect.poll(() => errors.count()).toBeGreaterThan(afterPaste);
  await expect(errors.last()).toContainText(/holiday\.png/);
  const afterPng = await errors.count();

  // Looks like bencode to the renderer, so only the engine can say no: the error comes back over the socket.
  await dropFile(page, 'broken.torrent', new TextEncoder().encode('d4:infod4:name3:abcee'));
  await expect.poll(() => errors.count()).toBeGreaterThan(afterPng);
  await expect(errors.last()).toContainText(/broken\.torrent|info|piece/i);

  await expect(page.locator('[data-testid="torrent-row"]')).toHaveCount(0);
  await dropFile(page, 'after-errors.torrent', fx.bytes);
  await acceptAdd(page);
  await expect(row(page, fx.info.infoHash)).toBeVisible();
});

test('torrents survive a restart of the web host (same state folder)', async ({ page }) => {
  const fx = await makeFixture('restart', 512 * 1024, 16 * 1024);
  const first = await startWebHost(cleanup);
  await openApp(page, first);
  await dropFile(page, 'restart.torrent', fx.bytes);
  await acceptAdd(page);
  const r = row(page, fx.info.infoHash);
  const seeder = await startLtSeeder(cleanup, { torrents: [fx.info.torrentPath], save: fx.dataDir, peers: [`127.0.0.1:${first.listenPort}`] });
  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 120_000 });
  await seeder.stop();
  await first.stop();

  const second = await startWebHost(cleanup, { stateDir: first.stateDir });
  await openApp(page, second);
  const again = row(page, fx.info.infoHash);
  await expect(again).toBeVisible();
  // The data is re-checked from disk, not downloaded again: no peer is around this time.
  await expect(again.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
  await assertSameFile(fx.payload, join(second.downloadDir, 'restart.bin'));
});

interface RawResult {
  status: number;
  body: string;
}

function rawGet(port: number, path: string, headers: Record<string, string>): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('requests without the token, with a foreign Host or from a foreign Origin are refused', async ({ page, browser }) => {
  const host = await startWebHost(cleanup);
  const local = `127.0.0.1:${host.port}`;

  // Plain HTTP: the app shell is public; a wrong token, a DNS-rebinding Host or a foreign Origin is refused.
  expect((await rawGet(host.port, '/', { host: local })).status).toBe(200);
  expect((await rawGet(host.port, '/?token=0000', { host: local })).status).toBe(401);
  expect((await rawGet(host.port, `/?token=${host.token}`, { host: `rebind.example:${host.port}` })).status).toBe(403);
  expect((await rawGet(host.port, `/?token=${host.token}`, { host: local, origin: 'http://evil.example' })).status).toBe(403);
  expect((await rawGet(host.port, `/?token=${host.token}`, { host: local })).status).toBe(200);

  // WebSocket upgrades: same rules.
  const ws = `ws://127.0.0.1:${host.port}/ws`;
  expect(await wsUpgrade(ws, {})).toBe(401);
  expect(await wsUpgrade(`${ws}?token=${host.token}`, { host: `rebind.example:${host.port}` })).toBe(403);
  expect(await wsUpgrade(`${ws}?token=${host.token}`, { origin: 'http://evil.example' })).toBe(403);
  expect(await wsUpgrade(`${ws}?token=${host.token}`, { origin: host.origin })).toBe('open');

  // In the browser: a fresh profile without the token gets the shell saying so, not the app.
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await strangerPage.goto(`${host.origin}/`);
  await expect(strangerPage.locator('body')).toContainText('access token');
  await expect(strangerPage.getByTestId('torrent-list')).toHaveCount(0);
  await stranger.close();

  // A page on another origin that knows the token still cannot open the socket (Origin check).
  const foreign: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>foreign</title>');
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
  cleanup.add(() => new Promise<void>((r) => foreign.close(() => r())));
  const foreignPort = (foreign.address() as AddressInfo).port;
  await page.goto(`http://127.0.0.1:${foreignPort}/`);
  const outcome = await page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const s = new WebSocket(url);
        s.onopen = () => resolve('open');
        s.onerror = () => resolve('refused');
        setTimeout(() => resolve('timeout'), 10_000);
      }),
    `${ws}?token=${host.token}`,
  );
  expect(outcome).toBe('refused');

  // And the legitimate page still works afterwards.
  await openApp(page, host);
});
