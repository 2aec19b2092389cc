/**
 * Managing a torrent's trackers through the real UI against the web host and its engine (as
 * qBittorrent's Trackers tab): add tiers in the dialog, edit a URL, remove trackers, Force
 * reannounce. What the engine keeps is read over the contract by a second client, what its
 * announcer does by a tracker on 127.0.0.1 that records every announce, and the list is
 * checked again after a restart of the host.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { writeRandomFile } from '../support/data.js';
import { createTorrent } from '../support/torrent.js';
import { ContractProbe } from './contract-probe.js';
import { acceptAdd, dropFile, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

/** An HTTP tracker that answers every announce with no peers (no min interval) and records each one's `event` ('' for a regular announce). */
async function startRecordingTracker(c: Cleanup): Promise<{ url: string; events: string[] }> {
  const events: string[] = [];
  const server = createServer((req, res) => {
    events.push(new URL(req.url ?? '/', 'http://x').searchParams.get('event') ?? '');
    res.end(Buffer.from('d8:intervali1800e5:peers0:e'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  c.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`, events };
}

const urlsShown = (page: Page) => page.getByTestId('tracker-url');
const trackerRow = (page: Page, url: string) => page.getByTestId('tracker-row').filter({ has: page.getByTestId('tracker-url').getByText(url, { exact: true }) });

test('trackers added, edited and removed in the Trackers tab reach the engine and survive a restart; Force reannounce announces', async ({ page }) => {
  const tracker = await startRecordingTracker(cleanup);
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  await expect.poll(() => probe.session).not.toBeNull();
  const tiers = async (infoHash: string) => (await probe.client.getTrackers({ infoHash })).map((t) => [t.tier, t.url]);

  const dataDir = await cleanup.tempDir('trackers-data');
  await writeRandomFile(join(dataDir, 'tracked.bin'), 64 * 1024, 'tracked');
  const out = join(await cleanup.tempDir('trackers-torrent'), 'tracked.torrent');
  const info = await createTorrent({ path: join(dataDir, 'tracked.bin'), out, pieceLength: 16 * 1024, trackers: [tracker.url] });
  await dropFile(page, 'tracked.torrent', await readFile(out));
  await acceptAdd(page);
  await row(page, info.infoHash).click();
  await page.getByTestId('tab-trackers').click();
  await expect(urlsShown(page)).toHaveText([tracker.url]);
  await expect.poll(() => tracker.events.includes('started')).toBe(true);

  // Add: two tiers; a bad line is refused in the dialog, nothing sent.
  await page.getByTestId('trackers-add').click();
  await page.getByTestId('add-trackers-text').fill('http://127.0.0.1:1/announce\n\nftp://127.0.0.1:2/announce');
  await page.getByTestId('add-trackers-save').click();
  await expect(page.getByTestId('add-trackers-error')).toContainText('ftp://127.0.0.1:2/announce');
  expect(await tiers(info.infoHash)).toEqual([[0, tracker.url]]);
  await page.getByTestId('add-trackers-text').fill(`http://127.0.0.1:1/announce\n${tracker.url}\n\nudp://127.0.0.1:2/announce`);
  await page.getByTestId('add-trackers-save').click();
  await expect(page.getByTestId('add-trackers-dialog')).toBeHidden();
  await expect(urlsShown(page)).toHaveText([tracker.url, 'http://127.0.0.1:1/announce', 'udp://127.0.0.1:2/announce']);
  expect(await tiers(info.infoHash)).toEqual([[0, tracker.url], [1, 'http://127.0.0.1:1/announce'], [2, 'udp://127.0.0.1:2/announce']]);

  // Edit the udp tracker's URL, in its tier: a double click on its row (which leaves that row
  // selected, the one a click before it was on no longer).
  await trackerRow(page, tracker.url).click();
  await trackerRow(page, 'udp://127.0.0.1:2/announce').dblclick();
  await expect(page.getByTestId('edit-tracker-url')).toHaveValue('udp://127.0.0.1:2/announce');
  expect(await page.getByTestId('tracker-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-selected')))).toEqual(['false', 'false', 'true']);
  await page.getByTestId('edit-tracker-url').fill('udp://127.0.0.1:3/announce');
  await page.getByTestId('edit-tracker-save').click();
  await expect(page.getByTestId('edit-tracker-dialog')).toBeHidden();
  await expect(urlsShown(page)).toHaveText([tracker.url, 'http://127.0.0.1:1/announce', 'udp://127.0.0.1:3/announce']);

  // Remove the http one with the Delete key: the tiers after it move up, the torrent stays.
  await trackerRow(page, 'http://127.0.0.1:1/announce').click();
  await page.keyboard.press('Delete');
  await expect(urlsShown(page)).toHaveText([tracker.url, 'udp://127.0.0.1:3/announce']);
  await expect(page.getByTestId('remove-dialog')).toHaveCount(0);
  await expect(row(page, info.infoHash)).toBeVisible();
  expect(await tiers(info.infoHash)).toEqual([[0, tracker.url], [1, 'udp://127.0.0.1:3/announce']]);

  // Force reannounce: the tracker hears a regular announce (no event) now, not in 30 minutes.
  await expect.poll(() => tracker.events.filter((e) => e === 'started').length).toBeGreaterThanOrEqual(2); // the edits restarted the announcer
  expect(tracker.events.filter((e) => e === '')).toEqual([]);
  await page.getByTestId('trackers-reannounce').click();
  await expect.poll(() => tracker.events.filter((e) => e === '').length).toBeGreaterThanOrEqual(1);

  // The .torrent's own tracker may go too; after a restart it stays gone.
  await trackerRow(page, tracker.url).click();
  await page.getByTestId('trackers-remove').click();
  await expect(urlsShown(page)).toHaveText(['udp://127.0.0.1:3/announce']);
  await expect.poll(() => tracker.events.includes('stopped')).toBe(true);
  probe.close();
  await host.stop();
  const again = await startWebHost(cleanup, { stateDir: host.stateDir });
  await openApp(page, again);
  const probe2 = new ContractProbe(again);
  cleanup.add(async () => probe2.close());
  await expect.poll(() => probe2.torrent(info.infoHash)).toBeTruthy();
  expect((await probe2.client.getTrackers({ infoHash: info.infoHash })).map((t) => [t.tier, t.url])).toEqual([[0, 'udp://127.0.0.1:3/announce']]);
  await row(page, info.infoHash).click();
  await page.getByTestId('tab-trackers').click();
  await expect(urlsShown(page)).toHaveText(['udp://127.0.0.1:3/announce']);

  // What the dialog would never send, the host refuses too.
  await expect(probe2.client.addTrackers({ infoHash: info.infoHash, tiers: [['ftp://x.example/']] })).rejects.toMatchObject({ code: 'invalid-payload' });
  await expect(probe2.client.editTracker({ infoHash: info.infoHash, url: 'http://none.example/', newUrl: 'http://x.example/' })).rejects.toMatchObject({ code: 'not-found' });
  await expect(probe2.client.removeTrackers({ infoHash: 'a'.repeat(40), urls: ['http://x.example/'] })).rejects.toMatchObject({ code: 'not-found' });
});

test("the DHT, PeX and LSD rows above the trackers follow Settings → Privacy; the host's own switches (TESSERA_LSD=0, no DHT) win", async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  await expect.poll(() => probe.session).not.toBeNull();
  const dataDir = await cleanup.tempDir('discovery-data');
  await writeRandomFile(join(dataDir, 'found.bin'), 64 * 1024, 'found');
  const out = join(await cleanup.tempDir('discovery-torrent'), 'found.torrent');
  const info = await createTorrent({ path: join(dataDir, 'found.bin'), out, pieceLength: 16 * 1024, trackers: ['http://127.0.0.1:1/announce'] });
  await dropFile(page, 'found.torrent', await readFile(out));
  await acceptAdd(page);
  await row(page, info.infoHash).click();
  await page.getByTestId('tab-trackers').click();
  const rows = page.getByTestId('discovery-row');
  const statuses = () => rows.evaluateAll((trs) => trs.map((tr) => [tr.children[1]?.textContent, tr.children[2]?.textContent]));
  // The web host runs here without a DHT and with LSD off (its environment): only PeX works.
  await expect.poll(statuses).toEqual([['** [DHT] **', 'Disabled'], ['** [PeX] **', 'Working'], ['** [LSD] **', 'Disabled']]);
  await expect(page.getByTestId('tracker-row').locator('td').first()).toHaveText('0');

  // Settings → Privacy: PeX off applies at once; DHT on cannot beat the host's switch.
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-pex')).toBeChecked();
  await page.getByTestId('settings-pex').uncheck();
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-dialog')).toBeHidden();
  expect((await probe.client.getSettings()).pex).toBe(false);
  await expect.poll(statuses).toEqual([['** [DHT] **', 'Disabled'], ['** [PeX] **', 'Disabled'], ['** [LSD] **', 'Disabled']]);
  expect((await probe.client.getDiscovery({ infoHash: info.infoHash })).pex.status).toBe('disabled');
});
