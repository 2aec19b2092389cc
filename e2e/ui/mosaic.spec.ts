/**
 * The mosaic that explains (issue 14), against the built web host and the real engine, with
 * two libtorrent peers that each hold a different half of the data (partial peers in upload
 * mode): with only the first running, the health panel names the pieces nobody has; with both,
 * colour by source shows each peer's half; the Peers tab strip shows a peer's pieces.
 */
import { copyFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { acceptAdd, dropFile, makeFixture, openApp, row } from './ui-helpers.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

const PIECE = 16 * 1024;
const PIECES = 128;

/** A copy of the payload whose pieces outside [first, end) are overwritten (so they fail the hash: the peer lacks them). */
async function partialCopy(payload: string, label: string, first: number, end: number): Promise<string> {
  const dir = await cleanup.tempDir(label);
  const copy = join(dir, 'mosaic.bin');
  await copyFile(payload, copy);
  const f = await open(copy, 'r+');
  try {
    const junk = Buffer.alloc(PIECE, 0x5a);
    for (let i = 0; i < PIECES; i++) if (i < first || i >= end) await f.write(junk, 0, PIECE, i * PIECE);
  } finally {
    await f.close();
  }
  return dir;
}

async function verified(page: Page): Promise<number> {
  const v = await page.getByTestId('piece-grid').getAttribute('data-verified');
  return v === null ? 0 : Number(v);
}

test('two partial peers: health names the pieces nobody has; colour by source shows each half; the Peers tab strip shows what a peer has', async ({ page }) => {
  const fx = await makeFixture(cleanup, 'mosaic', PIECES * PIECE, PIECE);
  const firstHalf = await partialCopy(fx.payload, 'mosaic-first', 0, PIECES / 2);
  const secondHalf = await partialCopy(fx.payload, 'mosaic-second', PIECES / 2, PIECES);
  const host = await startWebHost(cleanup);
  await openApp(page, host);
  await dropFile(page, 'mosaic.torrent', fx.bytes);
  await acceptAdd(page);
  const r = row(page, fx.info.infoHash);
  await r.click();
  await expect(page.getByTestId('piece-grid')).toHaveAttribute('data-pieces', String(PIECES));

  // Before any peer: the health panel says so.
  await page.getByTestId('tab-health').click();
  await expect(page.locator('[data-testid="health-cause"][data-cause="no-peers"]')).toBeVisible();

  // The first half's peer: everything it has arrives, then the rest is stuck.
  await startLtSeeder(cleanup, { torrents: [fx.info.torrentPath], save: firstHalf, allowPartial: true, uploadMode: true, peers: [`127.0.0.1:${host.listenPort}`] });
  await expect.poll(() => verified(page), { timeout: 120_000, intervals: [200] }).toBe(PIECES / 2);
  const stuck = page.locator('[data-testid="health-cause"][data-cause="pieces-nobody-has"]');
  await expect(stuck).toHaveAttribute('data-severity', 'blocking');
  await expect(stuck).toContainText(`Stuck at 50.0%: ${PIECES / 2} pieces nobody has`);

  // Its strip in the Peers tab: half the pieces, and none of those we still need.
  await page.getByTestId('tab-peers').click();
  await expect(page.getByTestId('peer-strip').first()).toHaveAttribute('data-count', String(PIECES / 2));
  await expect(page.getByTestId('peer-wanted').first()).toHaveText(`0 of ${PIECES / 2}`);
  // Hovering it highlights its pieces on the grid.
  await page.getByTestId('peer-row').first().hover();
  await expect(page.getByTestId('highlight-legend')).toBeVisible();
  await page.getByTestId('piece-grid').hover({ position: { x: 2, y: 2 } });

  // Colour by source: one source so far, with the first half.
  await page.getByTestId('grid-mode-source').click();
  const items = page.getByTestId('source-legend-item');
  await expect(items).toHaveCount(1);
  await expect(items.first()).toHaveAttribute('data-pieces', String(PIECES / 2));
  const firstLabel = await items.first().getAttribute('data-label');
  expect(firstLabel).toMatch(/^127\.0\.0\.1:\d+$/);

  // The second half's peer completes it: two sources, each with its half.
  await startLtSeeder(cleanup, { torrents: [fx.info.torrentPath], save: secondHalf, allowPartial: true, uploadMode: true, peers: [`127.0.0.1:${host.listenPort}`] });
  await expect(r.getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 120_000 });
  await expect(items).toHaveCount(2);
  await expect(page.locator(`[data-testid="source-legend-item"][data-label="${firstLabel}"]`)).toHaveAttribute('data-pieces', String(PIECES / 2));
  await expect(page.locator(`[data-testid="source-legend-item"]:not([data-label="${firstLabel}"])`)).toHaveAttribute('data-pieces', String(PIECES / 2));

  // Hovering the first tile names its source (the first half's peer).
  const box = (await page.getByTestId('piece-grid').boundingBox())!;
  await page.mouse.move(box.x + 3, box.y + 3);
  await expect(page.getByTestId('piece-tooltip')).toContainText(`From ${firstLabel}`);
  await page.getByTestId('tab-health').click();
  await expect(page.getByTestId('health-ok')).toBeVisible();

  // Replay of the finished torrent: the end is the live picture, the start is empty.
  await page.getByTestId('replay-button').click();
  const grid = page.getByTestId('piece-grid');
  await expect(grid).toHaveAttribute('data-verified', String(PIECES));
  await page.getByTestId('replay-scrubber').fill('0');
  await expect(grid).toHaveAttribute('data-verified', '0');
  await page.getByTestId('replay-scrubber').fill('1000');
  await expect(grid).toHaveAttribute('data-verified', String(PIECES));
  await page.getByTestId('replay-close').click();
  await expect(grid).toHaveAttribute('data-verified', String(PIECES));
});
