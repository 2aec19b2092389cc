/**
 * The mosaic and the Health tab tell the truth, against the built web host, the real engine
 * and libtorrent: a torrent whose skipped file's pieces are drawn and counted as skipped (not
 * as pieces still to come) once its wanted files are done, in the grid's pixels, its text
 * alternative and the replay; and a seeder with an upload limit named as the bottleneck.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { writeRandomFile, writeTree } from '../support/data.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { createTorrent } from '../support/torrent.js';
import { acceptAdd, dropFile, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

const PIECE = 16 * 1024;

/** The colour the canvas shows at the tile the keyboard focus is on, and the colour the theme gives skipped tiles. */
async function focusedTileColour(page: Page): Promise<{ tile: number[]; skipped: number[] }> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="piece-grid"]')!;
    const focus = document.querySelector<HTMLElement>('[data-testid="piece-focus"]')!;
    const dpr = window.devicePixelRatio || 1;
    const x = Math.floor((parseFloat(focus.style.left) + 1) * dpr), y = Math.floor((parseFloat(focus.style.top) + 1) * dpr);
    const tile = Array.from(canvas.getContext('2d')!.getImageData(x, y, 1, 1).data.slice(0, 3));
    // The theme's colour, resolved by the browser to rgb().
    const probe = document.createElement('i');
    probe.style.color = getComputedStyle(canvas.parentElement!).getPropertyValue('--grid-skipped').trim();
    document.body.append(probe);
    const skipped = (getComputedStyle(probe).color.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    probe.remove();
    return { tile, skipped };
  });
}

test('a skipped file: its pieces are Skipped in the grid (pixels, label, data-skipped, legend, tooltip, replay) and the finished torrent does not look unfinished', async ({ page }) => {
  // 40,000 + 100,000 + 30,000 bytes in 16 KiB pieces: 11 pieces; b.bin alone holds pieces 3–7,
  // and shares pieces 2 and 8 with the wanted files (those stay wanted).
  const dataDir = await cleanup.tempDir('truth-data');
  const root = join(dataDir, 'Set');
  await writeTree(root, [{ path: 'a.bin', size: 40_000 }, { path: 'b.bin', size: 100_000 }, { path: 'c.bin', size: 30_000 }], 'truth');
  const out = join(await cleanup.tempDir('truth-torrent'), 'Set.torrent');
  const info = await createTorrent({ path: root, out, pieceLength: PIECE });
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await dropFile(page, 'Set.torrent', await readFile(out));
  const dialog = page.getByTestId('add-dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('[data-testid="add-file"][data-path="Set/b.bin"] [data-testid="add-file-check"]').uncheck();
  await page.getByTestId('add-confirm').click();
  await expect(dialog).toBeHidden();
  const r = row(page, info.infoHash);
  await r.click();
  const grid = page.getByTestId('piece-grid');
  await expect(grid).toHaveAttribute('data-pieces', '11');
  // Before any peer: the skipped pieces are skipped already, the rest missing.
  await expect(grid).toHaveAttribute('data-skipped', '5');
  await expect(grid).toHaveAttribute('data-verified', '0');

  await startLtSeeder(cleanup, { torrents: [info.torrentPath], save: dataDir, peers: [`127.0.0.1:${host.listenPort}`] });
  await expect(grid).toHaveAttribute('data-verified', '6', { timeout: 120_000 });
  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding');
  // Progress over the wanted part, as qBittorrent: 100% (it read 51.8%, 88,080 of 170,000 bytes);
  // the Info tab keeps the whole torrent as Total size and the wanted part as Selected.
  await expect(r.getByTestId('torrent-progress')).toHaveAttribute('data-progress', '1');
  await page.getByTestId('tab-info').click();
  await expect(page.getByTestId('info-panel')).toContainText('170,000 bytes');
  await expect(page.getByTestId('info-panel')).toContainText('88,080 bytes');
  await expect(grid).toHaveAttribute('data-skipped', '5');
  await expect(grid).toHaveAttribute('aria-label', 'Piece map: 6 of 11 pieces verified, 5 skipped (not downloaded)');
  await expect(page.getByTestId('legend-skipped')).toBeVisible();
  await page.getByTestId('tab-health').click();
  await expect(page.getByTestId('health-ok')).toBeVisible();

  // Tile 4 from the keyboard: announced as skipped, painted in the skipped colour (what the PNG saves).
  await page.getByRole('group', { name: /^Pieces/ }).focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('piece-announcement')).toHaveText('Piece 4: Skipped — its files are set to "Do not download"');
  await expect.poll(async () => { const c = await focusedTileColour(page); return c.tile.join(',') === c.skipped.join(','); }).toBe(true);
  await page.keyboard.press('End');
  await expect(page.getByTestId('piece-announcement')).toHaveText(/^Piece 10: Verified/);

  // The replay from its start: nothing verified yet, the skipped pieces skipped all along.
  await page.getByTestId('replay-button').click();
  await page.getByTestId('replay-scrubber').fill('0');
  await expect(grid).toHaveAttribute('data-verified', '0');
  await expect(grid).toHaveAttribute('data-skipped', '5');
  await page.getByTestId('replay-close').click();
  await expect(grid).toHaveAttribute('data-verified', '6');
});

test('a seeder with an upload limit: the Health tab names the peers as the bottleneck, then the pause at once', async ({ page }) => {
  const dataDir = await cleanup.tempDir('capped-data');
  const payload = join(dataDir, 'capped.bin');
  await writeRandomFile(payload, 256 * PIECE, 'capped');
  const out = join(await cleanup.tempDir('capped-torrent'), 'capped.torrent');
  const info = await createTorrent({ path: payload, out, pieceLength: PIECE });
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await dropFile(page, 'capped.torrent', await readFile(out));
  await acceptAdd(page);
  const r = row(page, info.infoHash);
  await r.click();
  await page.getByTestId('tab-health').click();

  // 4 MiB at 32 KiB/s: minutes; the diagnosis comes long before the end.
  await startLtSeeder(cleanup, { torrents: [info.torrentPath], save: dataDir, uploadLimit: 32 * 1024, peers: [`127.0.0.1:${host.listenPort}`] });
  const slow = page.locator('[data-testid="health-cause"][data-cause="peers-slow"]');
  await expect(slow).toBeVisible({ timeout: 60_000 });
  await expect(slow).toHaveAttribute('data-severity', 'slowing');
  await expect(slow).toContainText(/Peers send slowly: 1 peer, \d+ KiB\/s each/);
  await expect(slow).toContainText('More peers would help');
  // On a loopback test set-up nothing claims we are unreachable.
  await expect(page.locator('[data-testid="health-cause"][data-cause="not-reachable"]')).toHaveCount(0);

  // Paused: the causes follow the torrent, not the last poll.
  await r.click({ button: 'right' });
  await page.getByRole('menuitem', { name: /^Pause/ }).click();
  await expect(page.getByTestId('health-panel')).toHaveAttribute('data-causes', 'paused');
});
