// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileView } from '../../../shared/contract/index.js';
import { hash, summary } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { Details } from './Details.js';
import { FILE_ROW_HEIGHT } from './FilesTab.js';

/** Enough files that rendering them all is obvious (100,000 froze the real window for minutes). */
const COUNT = 5000;
/** happy-dom has no layout: the box falls back to an 800 px view (useVirtualRows), plus the overscan. */
const MAX_ROWS = Math.ceil(800 / FILE_ROW_HEIGHT) + 2 * 8 + 1;

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

function files(n: number): FileView[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, path: `dir/file${i}.bin`, size: 1000, completedBytes: 0, progress: 0, priority: 1, pad: false }));
}

/** The details of a torrent of `list`, on the Files tab (the default). */
async function showFiles(list: FileView[]): Promise<Mounted> {
  const mounted = await mountWithSnapshot(<Details />, { torrents: [summary(1)] });
  mounted.transport.replies.getFiles = () => ({ ok: true, result: list });
  await act(async () => {
    mounted.controller.select(hash(1));
    await new Promise((r) => setTimeout(r, 0));
  });
  return mounted;
}

const rowPaths = (c: HTMLElement) => Array.from(c.querySelectorAll('[data-testid="file-row"] .name__text')).map((e) => e.textContent);

describe('FilesTab', () => {
  it('renders only the file rows in view for a torrent with thousands of files', async () => {
    m = await showFiles(files(COUNT));
    const rows = rowPaths(m.container);
    expect(rows[0]).toBe('dir/file0.bin');
    expect(rows.length).toBeLessThanOrEqual(MAX_ROWS);
    expect(m.container.querySelector('[data-testid="files-table"]')?.getAttribute('aria-rowcount')).toBe(String(COUNT + 1));
  });

  it('shows the rows further down when the box is scrolled', async () => {
    m = await showFiles(files(COUNT));
    const box = m.container.querySelector<HTMLElement>('[data-testid="files-box"]') as HTMLElement;
    await act(async () => {
      box.scrollTop = 3000 * FILE_ROW_HEIGHT;
      box.dispatchEvent(new Event('scroll'));
    });
    const rows = rowPaths(m.container);
    expect(rows).toContain('dir/file3000.bin');
    expect(rows).not.toContain('dir/file0.bin');
    expect(rows.length).toBeLessThanOrEqual(MAX_ROWS);
  });

  it('"Download all files" wants the skipped files and leaves the priority of files already wanted (High stays High)', async () => {
    const list = files(3);
    list[0]!.priority = 2;
    list[1]!.priority = 0;
    m = await showFiles(list);
    const all = m.container.querySelector<HTMLInputElement>('input[aria-label="Download all files"]')!;
    expect(all.checked).toBe(false);
    await act(async () => all.click());
    expect(m.transport.commands('setFilePriorities')).toEqual([{ infoHash: hash(1), priorities: [{ index: 1, priority: 1 }] }]);
  });

  it('a file unchecked stays unchecked while a file list from before the change arrives', async () => {
    const list = files(2);
    m = await showFiles(list);
    const mounted = m;
    const box = () => mounted.container.querySelectorAll<HTMLInputElement>('[data-testid="file-row"] input[type="checkbox"]')[1]!;
    // The engine takes the change, but the next list is one read before it (still priority 1).
    mounted.transport.replies.getFiles = () => ({ ok: true, result: files(2) });
    await act(async () => box().click());
    await act(async () => { await new Promise((r) => setTimeout(r, 0)); });
    expect(box().checked).toBe(false);
    // Once a list shows the change, the box follows the engine again.
    const after = files(2);
    after[1]!.priority = 0;
    mounted.transport.replies.getFiles = () => ({ ok: true, result: after });
    await act(async () => { mounted.controller.select(hash(1)); await new Promise((r) => setTimeout(r, 0)); });
    expect(box().checked).toBe(false);
  });
});
