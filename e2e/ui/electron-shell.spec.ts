/**
 * The Electron shell end to end: the built main process and preload, unmodified, against the
 * strict Electron double (e2e/shell), with the window played by Debian's Chromium. Torrents
 * arrive the ways the OS hands them over — a .torrent path in argv, a magnet in a second
 * instance's argv, macOS open-file and open-url — and complete from a real libtorrent seeder;
 * the renderer runs under the shell's own CSP with no violation.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { APP_CSP } from '../../electron/app/shell-logic.js';
import { Cleanup } from '../support/cleanup.js';
import { assertSameFile, writeRandomFile } from '../support/data.js';
import { startLtSeeder } from '../support/libtorrent.js';
import { freePort } from '../support/net.js';
import { REPO_ROOT } from '../support/tools.js';
import { createTorrent, type TorrentInfo } from '../support/torrent.js';
import { ElectronShell } from '../shell/shell-harness.js';
import { acceptAdd, acceptFileChoice, row } from './ui-helpers.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

interface Payload {
  name: string;
  path: string;
  info: TorrentInfo;
}

/** Payloads side by side in one folder (one seeder serves them all), each with its own .torrent. */
async function payloads(names: string[]): Promise<{ dataDir: string; items: Payload[] }> {
  const dataDir = await cleanup.tempDir('shell-data');
  const torrentDir = await cleanup.tempDir('shell-torrents');
  const items: Payload[] = [];
  for (const name of names) {
    const path = join(dataDir, `${name}.bin`);
    await writeRandomFile(path, 384 * 1024, name);
    items.push({ name, path, info: await createTorrent({ path, out: join(torrentDir, `${name}.torrent`), pieceLength: 16 * 1024 }) });
  }
  return { dataDir, items };
}

function magnetOf(p: Payload, seederAddress: string): string {
  return `magnet:?xt=urn:btih:${p.info.infoHash}&dn=${p.name}.bin&x.pe=${seederAddress}`;
}

test('argv, second-instance, open-file and open-url torrents complete through the real shell; the CSP holds', async ({ page }) => {
  const { dataDir, items } = await payloads(['argv', 'second', 'openfile', 'openurl']);
  const [argv, second, openFile, openUrl] = items as [Payload, Payload, Payload, Payload];

  // The state folder the shell's engine uses, with a known listening port so the seeder can dial it.
  const stateDir = await cleanup.tempDir('shell-state');
  const home = await cleanup.tempDir('shell-home');
  const downloadDir = join(home, 'Downloads', 'tessera');
  await mkdir(downloadDir, { recursive: true });
  const listenPort = await freePort();
  await writeFile(join(stateDir, 'settings.json'), JSON.stringify({ downloadDir, listenPort }));

  const shell = await ElectronShell.launch({ page, cleanup, home, argv: [argv.info.torrentPath], env: { TESSERA_STATE_DIR: stateDir } });
  const healthy = (): void => expect(shell.problems(), shell.output()).toEqual([]);

  // The window: the security preferences and the preload main names, shown once ready.
  await shell.watch(expect(page.getByTestId('torrent-list')).toBeVisible());
  expect(shell.window?.webPreferences).toMatchObject({
    preload: join(REPO_ROOT, 'dist', 'electron', 'preload.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
  });
  await shell.watch(expect.poll(() => shell.calls.some((c) => c.what === 'window.show')).toBe(true));
  // The .torrent from argv reached the engine, which asks first (the add dialog); once accepted it is in the list.
  await shell.watch(expect(page.getByTestId('add-dialog')).toBeVisible());
  await expect(row(page, argv.info.infoHash)).toHaveCount(0);
  await shell.watch(acceptAdd(page, { name: `${argv.name}.bin` }));
  await shell.watch(expect(row(page, argv.info.infoHash)).toBeVisible());

  // macOS open-file, then the seeder dials Tessera for both .torrent-added torrents.
  shell.openFile(openFile.info.torrentPath);
  await shell.watch(acceptAdd(page, { name: `${openFile.name}.bin` }));
  await shell.watch(expect(row(page, openFile.info.infoHash)).toBeVisible());
  const seeder = await startLtSeeder(cleanup, {
    torrents: items.map((p) => p.info.torrentPath),
    save: dataDir,
    peers: [`127.0.0.1:${listenPort}`],
  });

  // A second launch with a magnet: it quits, and its argv reaches this instance, which comes forward.
  const focusBefore = shell.calls.filter((c) => c.what === 'window.focus').length;
  expect(await shell.watch(shell.launchSecondInstance(['--enable-logging', magnetOf(second, seeder.address)], home))).toBe(0);
  // A magnet link (from any web page) is only added once the user says so.
  await shell.watch(acceptAdd(page, { name: `${second.name}.bin` }));
  await shell.watch(expect(row(page, second.info.infoHash)).toBeVisible());
  // Its files are chosen once its metadata is in (the add dialog comes back with the list).
  await shell.watch(acceptFileChoice(page, { name: `${second.name}.bin` }));
  expect(shell.calls.filter((c) => c.what === 'window.focus').length).toBeGreaterThan(focusBefore);
  // macOS open-url with another magnet.
  shell.openUrl(magnetOf(openUrl, seeder.address));
  await shell.watch(acceptAdd(page, { name: `${openUrl.name}.bin` }));
  await shell.watch(acceptFileChoice(page, { name: `${openUrl.name}.bin` }));

  for (const p of items) {
    await shell.watch(expect(row(page, p.info.infoHash).getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 120_000 }));
    await assertSameFile(p.path, join(downloadDir, `${p.name}.bin`));
  }
  // Completion notifications come from the shell's Notification.
  await shell.watch(
    expect
      .poll(() => shell.calls.filter((c) => c.what === 'Notification.show').map((c) => (c.args[0] as { body?: string }).body))
      .toEqual(expect.arrayContaining(items.map((p) => `${p.name}.bin`))),
  );

  // The tray icon shows the rates in its tooltip and offers Pause all / Resume all / Quit; with
  // every torrent seeding, Pause all is enabled and Resume all not.
  expect(shell.calls.some((c) => c.what === 'Tray.new')).toBe(true);
  expect(shell.calls.filter((c) => c.what === 'Tray.setToolTip').map((c) => c.args[0])).toContainEqual(expect.stringMatching(/^Tessera — ↓ .+ ↑ .+$/));
  await shell.watch(
    expect
      .poll(() => shell.calls.filter((c) => c.what === 'Tray.setContextMenu').map((c) => c.args[0]).pop())
      .toEqual(['Show Tessera', '-', 'Pause all', 'Resume all (disabled)', '-', 'Quit']),
  );

  // Every asset came from the shell's protocol handler with its CSP, and nothing violated it.
  expect(shell.served.length).toBeGreaterThan(1);
  for (const r of shell.served) {
    expect(r.status, r.url).toBe(200);
    expect(r.headers['content-security-policy'], r.url).toBe(APP_CSP);
  }
  expect(shell.served.map((r) => r.url)).toContain('tessera://app/index.html');
  expect(shell.cspViolations).toEqual([]);
  healthy();

  // The CSP is really in force: an injected inline script is refused, and reported.
  shell.provokingCspViolations();
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.head.append(s);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await shell.watch(expect.poll(() => shell.cspViolations.some((v) => typeof v !== 'string' && v.directive.startsWith('script-src'))).toBe(true));

  // Navigation away and permissions are refused by the shell's own handlers.
  await page.evaluate(() => {
    window.location.href = 'https://example.invalid/phish';
  });
  await shell.watch(expect.poll(() => shell.preventedNavigations).toEqual(['https://example.invalid/phish']));
  await shell.watch(expect(page.getByTestId('torrent-list')).toBeVisible());
  expect(new URL(page.url()).hostname).toBe('app.tessera.invalid');
  expect(await shell.permission('notifications')).toBe(false);
  // window.open: denied; an http(s) link goes to the OS browser.
  expect(await page.evaluate(() => window.open('https://example.invalid/docs'))).toBeNull();
  await shell.watch(expect.poll(() => shell.calls.filter((c) => c.what === 'shell.openExternal').map((c) => c.args[0])).toEqual(['https://example.invalid/docs']));
  // The page has no Node and a frozen bridge.
  expect(await page.evaluate(() => ({ node: typeof (window as unknown as { require?: unknown }).require, frozen: Object.isFrozen((window as unknown as { tessera?: object }).tessera) }))).toEqual({ node: 'undefined', frozen: true });

  // Quit from the menu: the shell holds Electron's quit until its engine has stopped, then quits (exit 0).
  shell.clickMenu('File', 'Quit');
  await shell.watch(expect.poll(() => shell.exitCode).toBe(0));
  expect(shell.calls.map((c) => c.what)).toContain('app.quit held by before-quit');
  healthy();

  // Launched again on the same state folder, with the seeder gone: the four are back, complete.
  await seeder.stop();
  const page2 = await page.context().newPage();
  // Unpackaged this time, for the developer menu's Reload.
  const again = await ElectronShell.launch({ page: page2, cleanup, home, env: { TESSERA_STATE_DIR: stateDir, ELECTRON_DOUBLE_PACKAGED: '0' } });
  for (const p of items) {
    await again.watch(expect(row(page2, p.info.infoHash).getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 }));
  }
  // Reload: the shell drops the old page's connection (did-start-navigation) and the new page gets its own.
  expect(again.loads).toBe(1);
  again.clickMenu('View', 'Reload');
  await again.watch(expect.poll(() => again.loads).toBe(2));
  for (const p of items) {
    await again.watch(expect(row(page2, p.info.infoHash).getByTestId('torrent-state')).toHaveAttribute('data-state', 'seeding'));
  }
  expect(again.problems(), again.output()).toEqual([]);
});
