/**
 * The torrent list's context menu in the real UI (Chromium against the web host): a right click
 * on a row opens it, and what its items do reaches the real engine — checked over the contract
 * by a second client, not by what the page shows.
 */
import { expect, test } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
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

test('right-click menu pauses, resumes and toggles sequential download in the engine', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  const probe = new ContractProbe(host);
  cleanup.add(async () => probe.close());

  // No seeder: the torrent stays "downloading" (stalled) until the menu pauses it.
  const f = await makeFixture(cleanup, 'menu', 256 * 1024, 16 * 1024);
  const h = f.info.infoHash;
  await dropFile(page, 'menu.torrent', f.bytes);
  await acceptAdd(page);
  const r = row(page, h);
  await expect(r).toBeVisible();
  await expect.poll(() => probe.torrent(h)?.state).toBe('downloading');
  expect(probe.torrent(h)?.sequential).toBe(false);

  const menu = page.getByRole('menu');
  await expect(menu).toHaveCount(0);

  // 1. Pause through the menu.
  await r.click({ button: 'right' });
  await expect(menu).toBeVisible();
  await expect(r).toHaveAttribute('aria-selected', 'true');
  await expect(menu.getByRole('menuitem', { name: 'Resume' })).toHaveCount(0);
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Download in sequential order' })).toHaveAttribute('aria-checked', 'false');
  await expect(menu.getByRole('menuitem', { name: 'Open folder' })).toHaveCount(0); // the web host cannot open folders
  await menu.getByRole('menuitem', { name: 'Pause' }).click();
  await expect(menu).toHaveCount(0);
  await expect.poll(() => probe.torrent(h)?.state).toBe('paused');
  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'paused');

  // The menu stays inside the window even when opened at its bottom-right corner.
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  await r.click({ button: 'right' });
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await page.mouse.click(viewport.width - 3, viewport.height - 3, { button: 'right' }); // not a row: no menu
  await expect(menu).toHaveCount(0);
  const box = await r.boundingBox();
  if (!box) throw new Error('row has no box');
  await page.mouse.click(viewport.width - 5, box.y + box.height / 2, { button: 'right' });
  await expect(menu).toBeVisible();
  const m = await menu.boundingBox();
  expect(m, 'menu box').not.toBeNull();
  expect((m?.x ?? 0) + (m?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
  expect(m?.y ?? -1).toBeGreaterThanOrEqual(0);

  // 2. Sequential download through the menu (keyboard this time: arrows + Enter on the check item).
  await expect(menu.getByRole('menuitem', { name: 'Resume' })).toBeFocused();
  const sequential = menu.getByRole('menuitemcheckbox', { name: 'Download in sequential order' });
  for (let i = 0; i < 16 && !(await sequential.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
  await expect(sequential).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveCount(0);
  await expect.poll(() => probe.torrent(h)?.sequential).toBe(true);

  // Shift+F10 on the focused list opens it again for the selected row (once), showing the engine's value.
  await page.getByTestId('torrent-list').focus();
  await page.keyboard.press('Shift+F10');
  await expect(menu).toHaveCount(1);
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Download in sequential order' })).toHaveAttribute('aria-checked', 'true');
  await menu.getByRole('menuitemcheckbox', { name: 'Download in sequential order' }).click();
  await expect.poll(() => probe.torrent(h)?.sequential).toBe(false);

  // Resume, and a click outside closes it without doing anything.
  await r.click({ button: 'right' });
  await menu.getByRole('menuitem', { name: 'Resume' }).click();
  await expect.poll(() => probe.torrent(h)?.state).not.toBe('paused');
  await r.click({ button: 'right' });
  await expect(menu).toBeVisible();
  await page.getByTestId('status-bar').click();
  await expect(menu).toHaveCount(0);
  expect(probe.torrent(h)?.state).not.toBe('paused');
  expect(probe.torrent(h)?.sequential).toBe(false);
});
