#!/usr/bin/env node
/* global process, URLSearchParams */
/**
 * Screenshots of the full UI on the simulated engine (dev/demo.html), dark and light.
 *   node renderer/bench/screenshot.mjs [--out dist/screenshots] [--tab files] [--width 1440] [--height 900] [--no-build]
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildPages, launch, log, options, serve } from './pages.mjs';

const o = options({ out: 'dist/screenshots', width: 1440, height: 900, wait: 2500 });
if (!o['no-build']) await buildPages();
const server = await serve();
const browser = await launch();
const out = resolve(String(o.out));
await mkdir(out, { recursive: true });
try {
  for (const scheme of ['dark', 'light']) {
    const context = await browser.newContext({ viewport: { width: o.width, height: o.height }, colorScheme: scheme });
    const page = await context.newPage();
    page.on('pageerror', (e) => { log('page error:', String(e)); process.exitCode = 1; });
    const q = new URLSearchParams();
    if (o.tab) q.set('tab', String(o.tab));
    if (o.select) q.set('select', String(o.select));
    await page.goto(`${server.url}/dev/demo.html?${q}`);
    await page.waitForSelector('[data-testid="torrent-row"]');
    await page.waitForTimeout(Number(o.wait));
    if (o.hover) {
      const box = await page.locator('[data-testid="piece-grid"]').boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
      await page.waitForTimeout(200);
    }
    const file = join(out, `tessera-${scheme}${o.tab ? `-${o.tab}` : ''}.png`);
    await page.screenshot({ path: file });
    log(`wrote ${file}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
