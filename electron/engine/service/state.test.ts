import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDownloadDir, defaultSettings, loadSettings, saveSettings } from './state.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('state folder', () => {
  it('downloads go to $XDG_DOWNLOAD_DIR or ~/Downloads', () => {
    expect(defaultDownloadDir({}, '/home/u')).toBe('/home/u/Downloads');
    expect(defaultDownloadDir({ XDG_DOWNLOAD_DIR: '/data/dl' }, '/home/u')).toBe('/data/dl');
  });

  it('round-trips settings atomically and keeps valid fields of a damaged file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-state-'));
    const defaults = defaultSettings('/dl');
    expect(await loadSettings(dir, defaults)).toEqual(defaults);
    await saveSettings(dir, { ...defaults, listenPort: 7000 });
    expect(await loadSettings(dir, defaults)).toEqual({ ...defaults, listenPort: 7000 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ listenPort: 'x', maxPeersPerTorrent: 5, downloadDir: 42, extra: true, __proto__: { a: 1 } }));
    expect(await loadSettings(dir, defaults, () => undefined)).toEqual({ ...defaults, maxPeersPerTorrent: 5 });
    await writeFile(join(dir, 'settings.json'), '{not json');
    const notices: string[] = [];
    expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual(defaults);
    expect(notices).toEqual([expect.stringMatching(/damaged/)]);
  });

  it('keeps speed limits and encryption; a file from before they existed gets the defaults for them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-state-'));
    const defaults = defaultSettings('/dl');
    expect(defaults).toMatchObject({ downloadLimit: 0, uploadLimit: 0, encryption: 'allow' });
    const changed = { ...defaults, downloadLimit: 1024 * 1024, uploadLimit: 50 * 1024, encryption: 'require' as const, maxPeersPerTorrent: 20 };
    await saveSettings(dir, changed);
    expect(await loadSettings(dir, defaults)).toEqual(changed);
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ downloadDir: '/old', listenPort: 7000, maxPeersPerTorrent: 40, notifyOnComplete: false }));
    expect(await loadSettings(dir, defaults)).toEqual({ ...defaults, downloadDir: '/old', listenPort: 7000, maxPeersPerTorrent: 40, notifyOnComplete: false });
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ downloadLimit: -5, uploadLimit: 2048, encryption: 'sometimes' }));
    expect(await loadSettings(dir, defaults, () => undefined)).toEqual({ ...defaults, uploadLimit: 2048 });
  });
});
