// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFilePriorityRuns, type FilePriorityRun, type FileView } from '../../../shared/contract/index.js';
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

/** The setFilePriorities commands sent, their runs unpacked. */
function prioritiesSent(mounted: Mounted): Array<{ infoHash: string; runs: FilePriorityRun[] }> {
  return (mounted.transport.commands('setFilePriorities') as Array<{ infoHash: string; runs: string }>).map((p) => ({ infoHash: p.infoHash, runs: decodeFilePriorityRuns(p.runs) }));
}

const rowPaths = (c: HTMLElement) => Array.from(c.querySelectorAll('[data-testid="file-row"] .name__text')).map((e) => e.textContent);

describe('FilesTab', () => {
  it('renders only the file rows in view for a torrent with thousands of files', async () => {
    m = await showFiles(files(COUNT));
    const rows = rowPaths(m.container);
    expect(rows[0]).toBe('file0.bin');
    expect(rows.length).toBeLessThanOrEqual(MAX_ROWS);
    // The header, the folder "dir", its files.
    expect(m.container.querySelector('[data-testid="files-table"]')?.getAttribute('aria-rowcount')).toBe(String(COUNT + 2));
  });

  it('shows the rows further down when the box is scrolled', async () => {
    m = await showFiles(files(COUNT));
    const box = m.container.querySelector<HTMLElement>('[data-testid="files-box"]') as HTMLElement;
    await act(async () => {
      box.scrollTop = 3000 * FILE_ROW_HEIGHT;
      box.dispatchEvent(new Event('scroll'));
    });
    const rows = rowPaths(m.container);
    expect(rows).toContain('file3000.bin');
    expect(rows).not.toContain('file0.bin');
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
    expect(prioritiesSent(m)).toEqual([{ infoHash: hash(1), runs: [{ first: 1, count: 1, priority: 1 }] }]);
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

  it('shows folders as a tree: a folder closes and opens, its checkbox and priority act on every file in it', async () => {
    const list: FileView[] = ['show/s1/e1.mkv', 'show/s1/e2.mkv', 'show/s2/e1.mkv', 'show/notes.txt'].map((path, i) => ({ index: i, path, size: 1000, completedBytes: 0, progress: 0, priority: 1, pad: false }));
    list[1]!.priority = 2;
    m = await showFiles(list);
    const mounted = m;
    const folders = () => Array.from(mounted.container.querySelectorAll('[data-testid="folder-row"]'));
    expect(folders().map((r) => r.textContent?.includes('s1'))).toEqual([false, true, false]);
    expect(rowPaths(mounted.container)).toEqual(['e1.mkv', 'e2.mkv', 'e1.mkv', 'notes.txt']);
    // The folder "show" has Normal and High files: Mixed.
    expect(folders()[0]!.querySelector('select')?.value).toBe('mixed');
    await act(async () => (folders()[1]!.querySelector('[data-testid="folder-toggle"]') as HTMLButtonElement).click());
    expect(rowPaths(mounted.container)).toEqual(['e1.mkv', 'notes.txt']);
    // Unchecking s1 (closed) skips both of its files.
    await act(async () => (folders()[1]!.querySelector('input[type="checkbox"]') as HTMLInputElement).click());
    expect(prioritiesSent(mounted).at(-1)).toEqual({ infoHash: hash(1), runs: [{ first: 0, count: 2, priority: 0 }] });
    // High for all of "show": every file not High already (both of s1 are skipped now).
    const select = folders()[0]!.querySelector('select') as HTMLSelectElement;
    await act(async () => {
      select.value = '2';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(prioritiesSent(mounted).at(-1)).toEqual({ infoHash: hash(1), runs: [{ first: 0, count: 4, priority: 2 }] });
  });

  it('sends "all files" of a torrent of 100,000 as one small packed run, and shows the change at once', async () => {
    const n = 100_000;
    const list = files(n);
    list[7]!.priority = 0;
    m = await showFiles(list);
    const mounted = m;
    const all = mounted.container.querySelector<HTMLInputElement>('input[aria-label="Download all files"]')!;
    await act(async () => all.click());
    const [sent] = mounted.transport.commands('setFilePriorities') as Array<{ runs: string }>;
    expect(JSON.stringify(sent).length).toBeLessThan(200);
    expect(decodeFilePriorityRuns(sent!.runs)).toEqual([{ first: 7, count: 1, priority: 1 }]);
    // Unchecking all: every file, one run.
    await act(async () => all.click());
    expect(prioritiesSent(mounted).at(-1)?.runs).toEqual([{ first: 0, count: n, priority: 0 }]);
    const boxes = Array.from(mounted.container.querySelectorAll<HTMLInputElement>('[data-testid="file-row"] input[type="checkbox"]'));
    expect(boxes.length).toBeGreaterThan(0);
    expect(boxes.every((b) => !b.checked)).toBe(true);
  });
});
