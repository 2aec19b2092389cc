/**
 * Issue 15 through the real UI against the web host and its engine: the add dialog's file
 * tree (checkboxes, priorities, sequential), the queue (Queued rows, moving to the top),
 * categories and moving data. What the engine did is read over the contract by a second
 * client (ContractProbe), not from the page.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { writeTree } from '../support/data.js';
import { createTorrent } from '../support/torrent.js';
import { ContractProbe } from './contract-probe.js';
import { acceptAdd, dropFile, makeFixture, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

async function saveSettings(page: Page, fill: () => Promise<void>): Promise<void> {
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-dialog')).toBeVisible();
  await fill();
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-dialog')).toBeHidden();
}

test('the add dialog shows the file tree; unchecked files are skipped and priorities and sequential reach the engine', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());

  const root = join(await cleanup.tempDir('tree-data'), 'Album');
  await writeTree(root, [{ path: 'CD1/01.flac', size: 40_000 }, { path: 'CD1/02.flac', size: 50_000 }, { path: 'cover.jpg', size: 3_000 }], 'tree');
  const out = join(await cleanup.tempDir('tree-torrent'), 'Album.torrent');
  const info = await createTorrent({ path: root, out, pieceLength: 16 * 1024 });
  await dropFile(page, 'Album.torrent', await readFile(out));

  const dialog = page.getByTestId('add-dialog');
  await expect(dialog).toBeVisible();
  const file = (p: string) => dialog.locator(`[data-testid="add-file"][data-path="Album/${p}"]`);
  await expect(file('CD1/01.flac')).toBeVisible();
  await expect(file('cover.jpg')).toBeVisible();
  // Uncheck the CD1 folder, then want 02.flac again at High.
  await dialog.locator('[data-testid="add-folder"][data-path="Album/CD1"] >> [data-testid="add-folder-check"]').first().uncheck();
  await expect(file('CD1/01.flac').getByTestId('add-file-check')).not.toBeChecked();
  await file('CD1/02.flac').getByTestId('add-file-check').check();
  await file('CD1/02.flac').getByTestId('add-file-priority').selectOption('2');
  await page.getByTestId('add-sequential').check();
  await page.getByTestId('add-confirm').click();
  await expect(dialog).toBeHidden();

  await expect.poll(() => probe.torrent(info.infoHash)?.sequential).toBe(true);
  // The file list is answered once the added torrent has its files set up: asked until then.
  const priorities = async (): Promise<Array<number | undefined>> => {
    const files = await probe.client.getFiles({ infoHash: info.infoHash });
    const priority = (p: string) => files.find((f) => f.path === `Album/${p}`)?.priority;
    return [priority('CD1/01.flac'), priority('CD1/02.flac'), priority('cover.jpg')];
  };
  await expect.poll(priorities).toEqual([0, 2, 1]);
});

test('queueing: one active download, the others Queued; moving one to the top of the queue runs it; categories and moving data', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());

  await saveSettings(page, async () => {
    await page.getByTestId('settings-queue-enabled').check();
    await page.getByTestId('settings-queue-downloads').fill('1');
    await page.getByTestId('settings-category-add').click();
    await page.getByTestId('settings-category-name').fill('Films');
    await page.getByTestId('settings-category-folder').fill('video/films');
  });
  await expect.poll(async () => (await probe.client.getSettings()).queueing?.enabled).toBe(true);

  // Nobody seeds these: each wants to download for as long as the test runs.
  const a = await makeFixture(cleanup, 'first', 64 * 1024, 16 * 1024);
  const b = await makeFixture(cleanup, 'second', 64 * 1024, 16 * 1024);
  await dropFile(page, 'first.torrent', a.bytes);
  await acceptAdd(page, { name: 'first.bin' });
  await dropFile(page, 'second.torrent', b.bytes);
  await acceptAdd(page, { name: 'second.bin' });

  const state = (h: string) => row(page, h).getByTestId('torrent-state');
  await expect(state(a.info.infoHash)).toHaveAttribute('data-state', 'downloading');
  await expect(state(b.info.infoHash)).toHaveAttribute('data-state', 'queued');
  await expect(state(b.info.infoHash)).toHaveText('Queued');

  await row(page, b.info.infoHash).click({ button: 'right' });
  await page.getByTestId('menu-queue-top').click();
  await expect(state(b.info.infoHash)).toHaveAttribute('data-state', 'downloading');
  await expect(state(a.info.infoHash)).toHaveAttribute('data-state', 'queued');
  await expect.poll(() => [probe.torrent(b.info.infoHash)?.queuePosition, probe.torrent(a.info.infoHash)?.queuePosition]).toEqual([1, 2]);

  // Category from the menu.
  await row(page, a.info.infoHash).click({ button: 'right' });
  await page.getByTestId('menu-category').click();
  await page.getByTestId('category-select').selectOption('Films');
  await page.getByTestId('category-save').click();
  await expect.poll(() => probe.torrent(a.info.infoHash)?.category).toBe('Films');

  // Move its data into the category's folder.
  await row(page, a.info.infoHash).click({ button: 'right' });
  await page.getByTestId('menu-move').click();
  await page.getByTestId('move-folder').fill('video/films');
  await page.getByTestId('move-save').click();
  await expect.poll(() => probe.torrent(a.info.infoHash)?.savePath).toBe(join(host.downloadDir, 'video', 'films'));
});

test('the watch folder set in Settings picks up a .torrent copied into it and sets the file aside', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await saveSettings(page, async () => {
    await page.getByTestId('settings-watch-enabled').check();
    await page.getByTestId('settings-watch-folder').fill('incoming');
  });
  const fixture = await makeFixture(cleanup, 'watched', 32 * 1024, 16 * 1024);
  const watch = join(host.downloadDir, 'incoming');
  await mkdir(watch, { recursive: true });
  await copyFile(fixture.info.torrentPath, join(watch, 'watched.torrent'));
  await expect(row(page, fixture.info.infoHash)).toBeVisible();
  await expect.poll(async () => readdir(watch)).toEqual(['watched.torrent.added']);
});
