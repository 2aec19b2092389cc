/** What the UI specs share: a seeded fixture, opening the app, a synthetic file drop, a row. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { Cleanup } from '../support/cleanup.js';
import { writeRandomFile } from '../support/data.js';
import { createTorrent, type TorrentInfo } from '../support/torrent.js';
import type { WebHost } from './web-host.js';

export interface Fixture {
  info: TorrentInfo;
  /** Folder holding the payload (the seeder's save dir). */
  dataDir: string;
  payload: string;
  bytes: Buffer;
}

export async function makeFixture(cleanup: Cleanup, label: string, size: number, pieceLength: number): Promise<Fixture> {
  const dataDir = await cleanup.tempDir(`${label}-data`);
  const payload = join(dataDir, `${label}.bin`);
  await writeRandomFile(payload, size, label);
  const out = join(await cleanup.tempDir(`${label}-torrent`), `${label}.torrent`);
  const info = await createTorrent({ path: payload, out, pieceLength });
  return { info, dataDir, payload, bytes: await readFile(out) };
}

export async function openApp(page: Page, host: WebHost): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(host.url);
  // The page keeps the token in sessionStorage and removes it from the address bar.
  expect(new URL(page.url()).searchParams.get('token')).toBeNull();
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await expect(page.getByTestId('status-bar')).toBeVisible();
  await expect(page.getByTestId('torrent-list')).toBeVisible();
  expect(errors, 'uncaught page errors').toEqual([]);
}

/** A synthetic drop of one file, as the OS would deliver it (DataTransfer + DragEvent). */
export async function dropFile(page: Page, name: string, bytes: Uint8Array, type = 'application/x-bittorrent'): Promise<void> {
  await page.evaluate(
    ({ name, data, type }) => {
      const file = new File([new Uint8Array(data)], name, { type });
      const dt = new DataTransfer();
      dt.items.add(file);
      const target = document.querySelector('[data-testid="drop-zone"]');
      if (!target) throw new Error('no drop zone');
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    },
    { name, data: Array.from(bytes), type },
  );
}

/**
 * Answers the add dialog that every add shows first (Settings → "Show what is being added"):
 * waits for it, checks what it names when `expect` is given, clicks Add and waits for it to
 * close (or to come back as a magnet's file choice).
 */
export async function acceptAdd(page: Page, shows?: { name?: string | RegExp; size?: string | RegExp }): Promise<void> {
  const dialog = page.getByTestId('add-dialog');
  await expect(dialog).toBeVisible();
  if (shows?.name !== undefined) await expect(page.getByTestId('add-name')).toHaveText(shows.name);
  if (shows?.size !== undefined) await expect(page.getByTestId('add-size')).toHaveText(shows.size);
  await page.getByTestId('add-confirm').click();
  // Closed, or already back as a magnet's file choice: a peer that is connected already can
  // deliver the metadata before the offer's dialog was ever seen hidden (the same dialog).
  await expect(dialog.filter({ hasNot: page.getByTestId('add-file-choice-hint') })).toBeHidden();
}

/**
 * Answers the file choice a magnet's add dialog comes back as once its metadata arrived
 * ("Choose the files when the list arrives", on by default): waits for it, checks the name
 * when given, unchecks `skip` (paths as the tree lists them), clicks Download and waits for
 * the dialog to close.
 */
export async function acceptFileChoice(page: Page, shows?: { name?: string | RegExp; skip?: string[] }): Promise<void> {
  const dialog = page.getByTestId('add-dialog');
  // The metadata comes from a real peer: allow it the time a download gets.
  await expect(page.getByTestId('add-file-choice-hint')).toBeVisible({ timeout: 120_000 });
  if (shows?.name !== undefined) await expect(page.getByTestId('add-name')).toHaveText(shows.name);
  for (const path of shows?.skip ?? []) {
    await dialog.locator(`[data-testid="add-file"][data-path="${path}"] [data-testid="add-file-check"]`).uncheck();
  }
  await page.getByTestId('add-confirm').click();
  await expect(dialog).toBeHidden();
}

/** A synthetic drop of a link (text/uri-list + text/plain), as when dragging a magnet link from a browser. */
export async function dropLink(page: Page, uri: string): Promise<void> {
  await page.evaluate((uri) => {
    const dt = new DataTransfer();
    dt.setData('text/uri-list', uri);
    dt.setData('text/plain', uri);
    const target = document.querySelector('[data-testid="drop-zone"]');
    if (!target) throw new Error('no drop zone');
    for (const kind of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, uri);
}

export function row(page: Page, infoHash: string) {
  return page.locator(`[data-testid="torrent-row"][data-infohash="${infoHash}"]`);
}
