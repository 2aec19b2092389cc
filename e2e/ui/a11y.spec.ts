/**
 * Accessibility (issue 15 item 11): axe-core, through @axe-core/playwright with every rule it
 * runs by default (WCAG A/AA and best practice), finds nothing in any view of the real renderer
 * against the web host — the main view empty and with a torrent downloading from a real
 * libtorrent seeder, each details tab, the settings, add, magnet and remove dialogs and the
 * row menu.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { dropFile, makeFixture, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

/** axe's violations in one readable line each: rule, impact, and the elements it names. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
}

/** Checked in the light and the dark colour scheme (contrast differs between them). */
async function expectNoViolations(page: Page, view: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await violations(page), `axe violations in ${view} (${colorScheme})`).toEqual([]);
  }
}

test('axe finds no violation in any view', async ({ page }) => {
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await expect(page.getByText('No torrents yet')).toBeVisible();
  await expectNoViolations(page, 'the empty main view');

  // The settings dialog.
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings-dialog')).toBeVisible();
  await expectNoViolations(page, 'the settings dialog');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('settings-dialog')).toBeHidden();

  // The magnet dialog.
  await page.getByTestId('add-magnet-button').click();
  await expect(page.getByTestId('magnet-dialog')).toBeVisible();
  await expectNoViolations(page, 'the magnet dialog');
  await page.keyboard.press('Escape');

  // The add dialog, then a torrent downloading slowly from libtorrent (so peers, in-flight pieces
  // and rates are on screen while axe looks).
  const f = await makeFixture(cleanup, 'a11y', 4 * 1024 * 1024, 16 * 1024);
  await dropFile(page, 'a11y.torrent', f.bytes);
  await expect(page.getByTestId('add-dialog')).toBeVisible();
  await expectNoViolations(page, 'the add dialog');
  await page.getByTestId('add-confirm').click();
  await expect(page.getByTestId('add-dialog')).toBeHidden();
  const r = row(page, f.info.infoHash);
  await expect(r).toBeVisible();
  await startLtSeeder(cleanup, { torrents: [f.info.torrentPath], save: f.dataDir, peers: [`127.0.0.1:${host.listenPort}`], uploadLimit: 64 * 1024 });
  await r.click();
  await expect(page.getByTestId('piece-grid')).toBeVisible();
  await expect.poll(async () => Number(await page.getByTestId('piece-grid').getAttribute('data-verified') ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
  await expectNoViolations(page, 'the main view with a torrent (files tab)');

  for (const tab of ['peers', 'trackers', 'info'] as const) {
    await page.getByTestId(`tab-${tab}`).click();
    await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
    if (tab === 'peers') await expect(page.getByTestId('peer-row').first()).toBeVisible();
    if (tab === 'info') await expect(page.getByTestId('info-panel')).toBeVisible();
    await expectNoViolations(page, `the ${tab} tab`);
    if (tab === 'trackers') {
      await page.getByTestId('trackers-add').click();
      await expect(page.getByTestId('add-trackers-dialog')).toBeVisible();
      await expectNoViolations(page, 'the add trackers dialog');
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('add-trackers-dialog')).toBeHidden();
    }
  }
  await page.getByTestId('tab-files').click();
  await expect(page.getByTestId('file-row').first()).toBeVisible();
  await expectNoViolations(page, 'the files tab');

  // The piece grid from the keyboard: each tile announced with its index and state.
  const grid = page.getByRole('group', { name: /^Pieces/ });
  await grid.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('piece-announcement')).toHaveText(/^Piece 0: (Verified|Downloading|Missing|No connected peer|Available)/);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('piece-announcement')).toHaveText(/^Piece 1: /);
  await page.keyboard.press('End');
  await expect(page.getByTestId('piece-announcement')).toHaveText(new RegExp(`^Piece ${f.info.pieces - 1}: `));
  await expect(page.getByTestId('piece-focus')).toBeVisible();
  await expectNoViolations(page, 'the piece grid with keyboard focus');

  // The row's context menu.
  await r.click({ button: 'right' });
  await expect(page.getByRole('menu')).toBeVisible();
  await expectNoViolations(page, 'the torrent menu');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);

  // The remove dialog.
  await page.getByTestId('remove-button').click();
  await expect(page.getByTestId('remove-dialog')).toBeVisible();
  await expectNoViolations(page, 'the remove dialog');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('remove-dialog')).toBeHidden();
});
