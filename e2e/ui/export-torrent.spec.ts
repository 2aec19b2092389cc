/**
 * "Export .torrent" in the real UI (Chromium against the web host): the row menu's entry makes
 * the browser download <name>.torrent, and that file is the torrent libtorrent made (same
 * info-hash, name and files), parsed from the downloaded bytes.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { parseTorrent } from '../../electron/engine/metainfo/index.js';
import { Cleanup } from '../support/cleanup.js';
import { acceptAdd, dropFile, makeFixture, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

test('Export .torrent downloads the torrent as <name>.torrent, and it parses to the same torrent', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const f = await makeFixture(cleanup, 'exported', 96 * 1024, 16 * 1024);
  await dropFile(page, 'exported.torrent', f.bytes);
  await acceptAdd(page);
  const r = row(page, f.info.infoHash);
  await expect(r).toBeVisible();

  await r.click({ button: 'right' });
  const downloading = page.waitForEvent('download');
  await page.getByRole('menu').getByRole('menuitem', { name: 'Export .torrent' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${f.info.name}.torrent`);
  const path = await download.path();
  const meta = parseTorrent(await readFile(path));
  expect(meta.infoHash.toString('hex')).toBe(f.info.infoHash);
  expect(meta.name).toBe(f.info.name);
  expect(meta.pieceLength).toBe(f.info.pieceLength);
});
