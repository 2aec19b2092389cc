// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { summary } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { InfoTab } from './Details.js';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const rows = (): Record<string, string> => {
  const out: Record<string, string> = {};
  const terms = m!.container.querySelectorAll('[data-testid="info-panel"] dt');
  terms.forEach((dt) => (out[dt.textContent ?? ''] = dt.nextElementSibling?.textContent ?? ''));
  return out;
};

describe('Info tab sizes (qBittorrent General tab)', () => {
  it('shows the whole torrent as Total size, and the selected part when files are skipped', async () => {
    const t = summary(1, { size: 5000, totalSize: 10_000, completedBytes: 5000, progress: 1, state: 'seeding' });
    m = await mountWithSnapshot(<InfoTab torrent={t} />, { torrents: [t] });
    expect(rows()['Total size']).toBe('9.77 KiB (10,000 bytes)');
    expect(rows()['Selected']).toBe('4.88 KiB (5,000 bytes)');
  });

  it('no Selected row when every file is wanted', async () => {
    const t = summary(2, { size: 2000, totalSize: 2000 });
    m = await mountWithSnapshot(<InfoTab torrent={t} />, { torrents: [t] });
    expect(rows()['Total size']).toBe('1.95 KiB (2,000 bytes)');
    expect(rows()).not.toHaveProperty('Selected');
  });
});
