/**
 * Choosing a magnet's files (issue 15): the add dialog of a magnet cannot list files — they
 * come with the metadata, from peers Tessera contacts only once the user pressed Add. So Add
 * adds it waiting for the choice; when libtorrent has sent the metadata the dialog comes back
 * with the file tree, and what is unchecked there is never created, while the rest completes
 * byte-identical.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { assertSameFile, writeTree } from '../support/data.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { createTorrent } from '../support/torrent.js';
import { ContractProbe } from './contract-probe.js';
import { dropLink, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

/** axe-core finds nothing in the page as it is (a11y.spec.ts checks every other view). */
async function expectNoViolations(page: Page, view: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`), `axe violations in ${view}`).toEqual([]);
}

test('a magnet through the add dialog: the file list appears when the metadata arrives; an unchecked file is never created', async ({ page }) => {
  // Sizes that are no multiple of the piece length: the skipped file shares pieces with both neighbours.
  const files = [
    { path: 'CD1/01.flac', size: 300_000 },
    { path: 'CD1/02.flac', size: 250_000 },
    { path: 'cover.jpg', size: 70_000 },
  ];
  const dataDir = await cleanup.tempDir('magnet-files-data');
  const root = join(dataDir, 'Album');
  await writeTree(root, files, 'magnet-files');
  const info = await createTorrent({ path: root, out: join(await cleanup.tempDir('magnet-files-torrent'), 'Album.torrent'), pieceLength: 16 * 1024 });

  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());
  const seeder = await startLtSeeder(cleanup, { torrents: [info.torrentPath], save: dataDir });
  // x.pe names the seeder: no tracker or DHT needed.
  await dropLink(page, `magnet:?xt=urn:btih:${info.infoHash}&dn=Album&x.pe=${seeder.address}`);

  const dialog = page.getByTestId('add-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('add-name')).toHaveText('Album');
  await expect(page.getByTestId('add-magnet-hint')).toBeVisible();
  await expect(page.getByTestId('add-choose-files')).toBeChecked();
  await expectNoViolations(page, "a magnet's add dialog");
  // Nothing is added (nor any peer contacted) before Add.
  await expect(page.locator('[data-testid="torrent-row"]')).toHaveCount(0);
  await page.getByTestId('add-confirm').click();
  await expect(row(page, info.infoHash)).toBeVisible();

  // The metadata arrives from libtorrent: the dialog is back, filled in with the tree.
  await expect(page.getByTestId('add-file-choice-hint')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('add-size')).toHaveText('605 KiB');
  const file = (p: string) => dialog.locator(`[data-testid="add-file"][data-path="Album/${p}"]`);
  for (const f of files) await expect(file(f.path)).toBeVisible();
  await expectNoViolations(page, 'the file choice');
  // Waiting for the choice: still the metadata step, nothing on disk, no piece requested.
  await expect(row(page, info.infoHash).getByTestId('torrent-state')).toHaveAttribute('data-state', 'metadata');
  await expect(row(page, info.infoHash).getByTestId('torrent-state')).toHaveText('Choose files');
  expect(probe.torrent(info.infoHash)?.progress ?? 0).toBe(0);
  await expect(stat(join(host.downloadDir, 'Album')).catch(() => null)).resolves.toBeNull();

  await file('CD1/02.flac').getByTestId('add-file-check').uncheck();
  await expect(page.getByTestId('add-wanted-size')).toContainText('361 KiB');
  await page.getByTestId('add-confirm').click();
  await expect(dialog).toBeHidden();

  await expect(row(page, info.infoHash).getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 120_000 });
  const got = await probe.client.getFiles({ infoHash: info.infoHash });
  expect(got.map((f) => [f.path, f.priority]).sort()).toEqual([['Album/CD1/01.flac', 1], ['Album/CD1/02.flac', 0], ['Album/cover.jpg', 1]]);
  await assertSameFile(join(root, 'CD1', '01.flac'), join(host.downloadDir, 'Album', 'CD1', '01.flac'));
  await assertSameFile(join(root, 'cover.jpg'), join(host.downloadDir, 'Album', 'cover.jpg'));
  await expect(stat(join(host.downloadDir, 'Album', 'CD1', '02.flac')).catch(() => null)).resolves.toBeNull();
});
