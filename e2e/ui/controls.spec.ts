/**
 * Control (issue 5) end to end: speed limits, first/last pieces first and per-torrent limits
 * set through the real UI in Chromium reach the real engine behind the web host — checked
 * over the contract by a second client (what the engine reports, not what the page shows),
 * by the engine's behaviour with a real libtorrent seeder, and across a restart of the host.
 */
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { assertSameFile } from '../support/data.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { ContractProbe } from './contract-probe.js';
import { acceptAdd, dropFile, makeFixture, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';
import { join } from 'node:path';

const KIB = 1024;

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

async function setGlobalLimits(page: Page, downloadKiB: number, uploadKiB: number): Promise<void> {
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-dialog')).toBeVisible();
  await page.getByTestId('settings-download-limit').fill(String(downloadKiB));
  await page.getByTestId('settings-upload-limit').fill(String(uploadKiB));
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-dialog')).toBeHidden();
}

test('global limits, first/last pieces first and per-torrent limits set in the UI reach the engine', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  await expect.poll(() => probe.session).not.toBeNull();
  expect(probe.session).toMatchObject({ downloadLimit: 0, uploadLimit: 0 });

  // 1. Global limits in the Settings dialog: the engine's session reports them at once.
  await setGlobalLimits(page, 2048, 100);
  await expect.poll(() => probe.session?.downloadLimit).toBe(2048 * KIB);
  expect(probe.session?.uploadLimit).toBe(100 * KIB);
  expect(await probe.client.getSettings()).toMatchObject({ downloadLimit: 2048 * KIB, uploadLimit: 100 * KIB, encryption: 'allow' });
  await expect(page.getByTestId('status-down')).toHaveAttribute('data-limit', String(2048 * KIB));
  await expect(page.getByTestId('status-down-limit')).toHaveText('[2.00 MiB/s]');

  // 2. First and last pieces first, and a per-torrent upload limit, from the Info tab.
  const a = await makeFixture(cleanup, 'firstlast', 2 * 1024 * 1024, 16 * 1024); // 128 pieces
  const last = a.info.pieces - 1;
  await dropFile(page, 'firstlast.torrent', a.bytes);
  await acceptAdd(page);
  const rowA = row(page, a.info.infoHash);
  await expect(rowA).toBeVisible();
  await rowA.click();
  await page.getByTestId('tab-info').click();
  await expect.poll(() => probe.torrent(a.info.infoHash)?.firstLastPiecesFirst).toBe(false);
  await page.getByTestId('torrent-first-last').check();
  await expect.poll(() => probe.torrent(a.info.infoHash)?.firstLastPiecesFirst).toBe(true);
  await page.getByTestId('torrent-limits-button').click();
  await page.getByTestId('torrent-upload-limit').fill('50');
  await page.getByTestId('torrent-limits-save').click();
  await expect(page.getByTestId('torrent-limits-dialog')).toBeHidden();
  // The torrent's limits in the summary are read back from the engine's torrent.
  await expect.poll(() => probe.torrent(a.info.infoHash)?.uploadLimit).toBe(50 * KIB);
  expect(probe.torrent(a.info.infoHash)?.downloadLimit).toBe(0);
  await expect(page.getByTestId('torrent-limits')).toHaveAttribute('data-upload', String(50 * KIB));
  await expect(page.getByTestId('torrent-first-last')).toBeChecked();

  // The engine acts on it: with the seeder feeding ~32 pieces/s (below the global limit, so
  // the flow is smooth), the first and the last piece arrive among the first few. Rarest-first
  // alone would put both in the first tenth about 1 time in 100.
  await probe.watch(a.info.infoHash);
  await startLtSeeder(cleanup, { torrents: [a.info.torrentPath], save: a.dataDir, peers: [`127.0.0.1:${host.listenPort}`], uploadLimit: 512 * KIB });
  await expect.poll(() => probe.piecesBefore(a.info.infoHash, 0) !== null && probe.piecesBefore(a.info.infoHash, last) !== null, { timeout: 60_000 }).toBe(true);
  const firstRank = probe.piecesBefore(a.info.infoHash, 0) ?? Infinity;
  const lastRank = probe.piecesBefore(a.info.infoHash, last) ?? Infinity;
  const order = (probe.verified.get(a.info.infoHash) ?? []).map((b) => b.pieces.join(',')).join(' | ');
  expect(firstRank, `piece 0 verified after ${firstRank} others (${order})`).toBeLessThanOrEqual(a.info.pieces / 10);
  expect(lastRank, `last piece verified after ${lastRank} others (${order})`).toBeLessThanOrEqual(a.info.pieces / 10);
  await expect(rowA.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
  await assertSameFile(a.payload, join(host.downloadDir, 'firstlast.bin'));

  // 3. A lower global download limit, set while running, binds: 4 MiB from an unlimited
  // seeder on loopback takes well under a second without it, ~15 s at 256 KiB/s.
  await setGlobalLimits(page, 256, 0);
  await expect.poll(() => probe.session?.downloadLimit).toBe(256 * KIB);
  expect(probe.session?.uploadLimit).toBe(0);
  const b = await makeFixture(cleanup, 'limited', 4 * 1024 * 1024, 16 * 1024);
  await dropFile(page, 'limited.torrent', b.bytes);
  await acceptAdd(page);
  await expect(row(page, b.info.infoHash)).toBeVisible();
  await probe.watch(b.info.infoHash);
  await startLtSeeder(cleanup, { torrents: [b.info.torrentPath], save: b.dataDir, peers: [`127.0.0.1:${host.listenPort}`] });
  await expect.poll(() => probe.verifiedCount(b.info.infoHash), { timeout: 120_000, intervals: [100] }).toBe(b.info.pieces);
  const batches = probe.verified.get(b.info.infoHash) ?? [];
  const seconds = ((batches.at(-1)?.at ?? 0) - (batches[0]?.at ?? 0)) / 1000;
  // Lower bound with the bucket's 1 s burst and a last read of up to 1 MiB: (4096 − 256 − 1024) / 256 = 11 s.
  expect(seconds, `4 MiB at a 256 KiB/s limit took ${seconds.toFixed(1)} s`).toBeGreaterThan(6);
  await assertSameFile(b.payload, join(host.downloadDir, 'limited.bin'));
  probe.close();

  // 4. The settings survive a restart of the web host and reach the new engine at startup.
  await host.stop();
  const again = await startWebHost(cleanup, { stateDir: host.stateDir });
  await openApp(page, again);
  const probe2 = new ContractProbe(again);
  cleanup.add(async () => probe2.close());
  await expect.poll(() => probe2.session?.downloadLimit).toBe(256 * KIB);
  expect(probe2.session?.uploadLimit).toBe(0);
  expect(await probe2.client.getSettings()).toMatchObject({ downloadLimit: 256 * KIB, uploadLimit: 0 });
  await expect(page.getByTestId('status-down')).toHaveAttribute('data-limit', String(256 * KIB));
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-download-limit')).toHaveValue('256');
});

test('bad limits typed in the UI are refused with a reason, and nothing reaches the engine', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-download-limit').fill('-5');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-error')).toContainText('download limit must be a whole number');
  await expect(page.getByTestId('settings-dialog')).toBeVisible();
  expect(await probe.client.getSettings()).toMatchObject({ downloadLimit: 0 });

  // What the UI would never send, the host refuses too.
  await expect(probe.client.setSettings({ downloadLimit: -1 })).rejects.toMatchObject({ code: 'invalid-payload' });
  await expect(probe.client.setSettings({ uploadLimit: 1.5 })).rejects.toMatchObject({ code: 'invalid-payload' });
  await expect(probe.client.setTorrentLimits({ infoHash: 'a'.repeat(40), download: 0, upload: 0 })).rejects.toMatchObject({ code: 'not-found' });
  await expect.poll(() => probe.session).not.toBeNull();
  expect(probe.session).toMatchObject({ downloadLimit: 0, uploadLimit: 0 });
});

test('connections in all and per IP address: shown at their defaults, changed in the dialog, kept by the engine', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-max-per-ip')).toHaveValue('2');
  await page.getByTestId('settings-max-per-ip').fill('1001');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-error')).toContainText('Connections per IP address must be a number from 0 to 1000');
  await page.getByTestId('settings-max-per-ip').fill('1');
  await expect(page.getByTestId('settings-max-connections')).toHaveValue('500');
  await page.getByTestId('settings-max-connections').fill('200');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-dialog')).toBeHidden();
  await expect.poll(async () => (await probe.client.getSettings()).maxConnectionsPerIp).toBe(1);
  expect((await probe.client.getSettings()).maxConnections).toBe(200);
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-max-per-ip')).toHaveValue('1');
  await expect(page.getByTestId('settings-max-connections')).toHaveValue('200');
});
