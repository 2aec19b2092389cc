/**
 * Remote web UI (issue 15 item 9): bound beyond loopback (0.0.0.0; the test still talks to
 * 127.0.0.1 only), the host asks for a login before the page or the API, keeps a session, warns
 * that plain HTTP is unencrypted, and locks an address out after repeated wrong passwords —
 * even for the right one — while a session made before keeps working.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Cleanup } from '../support/cleanup.js';
import { startWebHost } from './web-host.js';

let cleanup: Cleanup;
test.beforeEach(() => {
  cleanup = new Cleanup();
});
test.afterEach(async () => {
  await cleanup.run();
});

const PASSWORD = 'correct horse battery';

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

test('binding beyond loopback needs a login; wrong passwords lock the address out', async ({ browser }) => {
  const host = await startWebHost(cleanup, { extraArgs: ['--host', '0.0.0.0', '--username', 'admin'], env: { TESSERA_WEB_PASSWORD: PASSWORD } });
  await host.proc.waitForLine(/plain HTTP on 0\.0\.0\.0/, 30_000);
  // Only the hash is saved.
  const saved = await readFile(join(host.stateDir, 'web-ui.json'), 'utf8');
  expect(saved).not.toContain(PASSWORD);
  expect(JSON.parse(saved)).toMatchObject({ credentials: { username: 'admin', password: { algorithm: 'scrypt' } } });

  // The page without a session leads to the login form, which warns about plain HTTP.
  const alice = await (await browser.newContext()).newPage();
  // The page itself is redirected by the host (no session); only the commit is awaited, so a
  // late client-side navigation cannot cut the goto short.
  await alice.goto(`${host.origin}/`, { waitUntil: 'commit' });
  await alice.waitForURL(/\/login$/);
  expect(new URL(alice.url()).pathname).toBe('/login');
  await expect(alice.getByTestId('login-http-warning')).toBeVisible();
  // The API refuses a WebSocket without a session.
  const refused = await alice.evaluate((origin) => new Promise<string>((resolve) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`);
    ws.onopen = () => resolve('open');
    ws.onerror = () => resolve('refused');
  }), host.origin);
  expect(refused).toBe('refused');

  await logIn(alice, 'admin', 'not it');
  await expect(alice.getByTestId('login-error')).toHaveText('Wrong user name or password.');
  await logIn(alice, 'admin', PASSWORD);
  await expect(alice.getByTestId('status-bar')).toContainText('Connected');
  await expect(alice.getByText('No torrents yet')).toBeVisible();
  // A reload keeps the session.
  await alice.reload();
  await expect(alice.getByTestId('status-bar')).toContainText('Connected');

  // Another browser from the same address: five wrong passwords lock it out, and then the right one is refused too.
  const mallory = await (await browser.newContext()).newPage();
  await mallory.goto(`${host.origin}/login`);
  for (let i = 0; i < 4; i++) {
    await logIn(mallory, 'admin', `guess ${i}`);
    await expect(mallory.getByTestId('login-error')).toHaveText('Wrong user name or password.');
  }
  await logIn(mallory, 'admin', 'guess 4');
  await expect(mallory.getByTestId('login-error')).toContainText('Too many failed logins');
  await logIn(mallory, 'admin', PASSWORD);
  await expect(mallory.getByTestId('login-error')).toContainText('Too many failed logins');
  await mallory.goto(`${host.origin}/`);
  expect(new URL(mallory.url()).pathname).toBe('/login');

  // The session made before the lock-out still works.
  await alice.reload();
  await expect(alice.getByTestId('status-bar')).toContainText('Connected');

  // On this machine, the printed address with its token still opens the app (the token flow);
  // it has no session, so no "Log out".
  const local = await (await browser.newContext()).newPage();
  await local.goto(host.url);
  await expect(local.getByTestId('status-bar')).toContainText('Connected');
  await expect(local.getByTestId('settings-button')).toBeVisible();
  await expect(local.getByTestId('logout-button')).toHaveCount(0);

  // Log out: this tab and every other tab of the session go to the login page, and the
  // session opens nothing any more; the token flow on this machine is untouched.
  const aliceTab2 = await alice.context().newPage();
  await aliceTab2.goto(`${host.origin}/`);
  await expect(aliceTab2.getByTestId('status-bar')).toContainText('Connected');
  await alice.getByTestId('logout-button').click();
  await alice.waitForURL(/\/login$/);
  await aliceTab2.waitForURL(/\/login$/);
  // The page itself is redirected by the host (no session); only the commit is awaited, so a
  // late client-side navigation cannot cut the goto short.
  await alice.goto(`${host.origin}/`, { waitUntil: 'commit' });
  await alice.waitForURL(/\/login$/);
  expect(new URL(alice.url()).pathname).toBe('/login');
  await expect(local.getByTestId('status-bar')).toContainText('Connected');
});
