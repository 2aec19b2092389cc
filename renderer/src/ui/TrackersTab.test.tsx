// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackerView } from '../../../shared/contract/index.js';
import { hash, summary } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { TrackersTab } from './TrackersTab.js';

const A = 'http://a.example/announce';
const B = 'udp://b.example:80';
const C = 'https://c.example/announce';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

/** The engine's side, as the contract promises it: tiers kept in a list the commands change. */
function engine(initial: string[][]) {
  let tiers = initial.map((t) => [...t]);
  const view = (): TrackerView[] => tiers.flatMap((tier, i) => tier.map((url) => ({ url, tier: i, status: 'idle' as const, message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null })));
  return {
    getTrackers: () => ({ ok: true, result: view() }),
    addTrackers: (p: unknown) => {
      const known = new Set(tiers.flat());
      tiers = [...tiers, ...(p as { tiers: string[][] }).tiers.map((tier) => tier.filter((u) => !known.has(u))).filter((tier) => tier.length > 0)];
      return { ok: true, result: null };
    },
    editTracker: (p: unknown) => {
      const { url, newUrl } = p as { url: string; newUrl: string };
      tiers = tiers.map((tier) => tier.map((u) => (u === url ? newUrl : u)));
      return { ok: true, result: null };
    },
    removeTrackers: (p: unknown) => {
      const gone = new Set((p as { urls: string[] }).urls);
      tiers = tiers.map((tier) => tier.filter((u) => !gone.has(u))).filter((tier) => tier.length > 0);
      return { ok: true, result: null };
    },
  };
}

const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const $$ = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
const urls = () => $$('tracker-url').map((e) => e.textContent);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });
const click = async (el: HTMLElement | null) => {
  await act(async () => el?.click());
  await flush();
};

async function typeInto(id: string, value: string): Promise<void> {
  const el = $(id) as HTMLInputElement | HTMLTextAreaElement;
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function mount(tiers: string[][]): Promise<void> {
  const t = summary(1);
  m = await mountWithSnapshot(<TrackersTab infoHash={t.infoHash} />, { torrents: [t] }, engine(tiers));
  await flush();
}

describe('Trackers tab: managing the trackers', () => {
  it('adds tiers through the dialog, refusing a bad URL before sending', async () => {
    await mount([[A]]);
    expect(urls()).toEqual([A]);
    await click($('trackers-add'));
    expect($('add-trackers-dialog')).not.toBeNull();
    await typeInto('add-trackers-text', `${B}\n\nnot a url`);
    await click($('add-trackers-save'));
    expect($('add-trackers-error')?.textContent).toContain('not a url');
    expect(m!.transport.commands('addTrackers')).toEqual([]);
    await typeInto('add-trackers-text', `${B}\n${A}\n\n${C}`);
    await click($('add-trackers-save'));
    expect(m!.transport.commands('addTrackers')).toEqual([{ infoHash: hash(1), tiers: [[B, A], [C]] }]);
    expect($('add-trackers-dialog')).toBeNull();
    expect(urls()).toEqual([A, B, C]);
  });

  it('edits the checked tracker and removes the checked ones', async () => {
    await mount([[A], [B, C]]);
    expect(($('trackers-edit') as HTMLButtonElement).disabled).toBe(true);
    expect(($('trackers-remove') as HTMLButtonElement).disabled).toBe(true);
    await click($$('tracker-row')[1]!); // a click on the row checks it
    await click($('trackers-edit'));
    expect(($('edit-tracker-url') as HTMLInputElement).value).toBe(B);
    await typeInto('edit-tracker-url', 'ftp://nope.example/');
    await click($('edit-tracker-save'));
    expect($('edit-tracker-error')?.textContent).toMatch(/Not a tracker URL/);
    await typeInto('edit-tracker-url', 'udp://z.example:6969/announce');
    await click($('edit-tracker-save'));
    expect(m!.transport.commands('editTracker')).toEqual([{ infoHash: hash(1), url: B, newUrl: 'udp://z.example:6969/announce' }]);
    expect(urls()).toEqual([A, 'udp://z.example:6969/announce', C]);

    const boxes = $$('tracker-check') as HTMLInputElement[];
    await click(boxes[0]!);
    await click(boxes[2]!);
    expect($('trackers-remove')?.textContent).toBe('Remove 2');
    await click($('trackers-remove'));
    expect(m!.transport.commands('removeTrackers')).toEqual([{ infoHash: hash(1), urls: [A, C] }]);
    expect(urls()).toEqual(['udp://z.example:6969/announce']);
  });

  it('Force reannounce asks for this torrent; with no trackers left it says so and still offers Add', async () => {
    await mount([]);
    expect($('trackers-empty')).not.toBeNull();
    expect(($('trackers-add') as HTMLButtonElement).disabled).toBe(false);
    await click($('trackers-reannounce'));
    expect(m!.transport.commands('reannounce')).toEqual([{ infoHashes: [hash(1)] }]);
  });
});
