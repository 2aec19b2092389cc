/**
 * settings.json under concurrent changes, and a damaged settings.json at start-up.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { TesseraService } from './service.js';
import { defaultSettings, loadSettings, saveSettings, SETTINGS_FILE } from './state.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const defaults = defaultSettings('/downloads');

async function onDisk(): Promise<Settings> {
  return JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8')) as Settings;
}

describe('settings.json under concurrent writes', () => {
  it('300 concurrent setSettings all succeed, compose, and leave memory equal to disk', async () => {
    const service = new TesseraService({
      session: new FakeSession(),
      settings: defaults,
      saveSettings: (s) => saveSettings(dir, s),
      platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    });
    const conn = service.connect(() => undefined);
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => conn.handle('setSettings', i % 2 === 0 ? { maxPeersPerTorrent: i + 1 } : { uploadLimit: (i + 1) * 1024 })),
    );
    expect(replies.filter((r) => !r.ok)).toEqual([]);
    const expected = { ...defaults, maxPeersPerTorrent: 299, uploadLimit: 300 * 1024 };
    expect(service.getSettings()).toEqual(expected);
    expect(await onDisk()).toEqual(expected);
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
    await service.close();
  });

  it('50 concurrent saves leave a whole file holding the last value', async () => {
    const values = Array.from({ length: 50 }, (_, i) => ({ ...defaults, downloadDir: `/d/${'x'.repeat(i * 7)}`, listenPort: 7000 + i }));
    await Promise.all(values.map((v) => saveSettings(dir, v)));
    expect(await onDisk()).toEqual(values[49]);
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
  });
});

describe('a damaged settings.json', () => {
  it('is kept aside as settings.json.corrupt-<time> and reported, not silently replaced', async () => {
    const torn = '{\n  "downloadDir": "/data",\n  "listenPort": 70';
    await writeFile(join(dir, SETTINGS_FILE), torn);
    const notices: string[] = [];
    expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual(defaults);
    const files = await readdir(dir);
    const aside = files.find((f) => /^settings\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/.test(f));
    expect(aside, files.join(', ')).toBeDefined();
    expect(files).not.toContain(SETTINGS_FILE);
    expect(await readFile(join(dir, aside ?? ''), 'utf8')).toBe(torn);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('damaged');
    expect(notices[0]).toContain(aside);
  });

  it('a JSON value that is not an object is damaged too; invalid fields are named', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '[1,2]');
    const notices: string[] = [];
    await loadSettings(dir, defaults, (m) => notices.push(m));
    expect(notices[0]).toMatch(/not a JSON object/);
    await writeFile(join(dir, SETTINGS_FILE), JSON.stringify({ listenPort: 'x', maxPeersPerTorrent: 5 }));
    expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual({ ...defaults, maxPeersPerTorrent: 5 });
    expect(notices[1]).toMatch(/invalid listenPort ignored/);
  });

  it('an unreadable settings.json is an error, not the defaults', async () => {
    await rm(dir, { recursive: true });
    await writeFile(dir, 'a file where the state folder should be');
    await expect(loadSettings(join(dir), defaults, () => undefined)).rejects.toThrow(/cannot read/);
    await rm(dir);
  });
});

describe('settings.json read back at start', () => {
  it('keeps the desktop settings that have no default (tray, start on login)', async () => {
    const saved: Settings = { ...defaults, closeToTray: true, minimizeToTray: true, startOnLogin: true };
    await saveSettings(dir, saved);
    expect(await loadSettings(dir, defaults, () => undefined)).toEqual(saved);
  });

  it('the privacy switches: a file from before them leaves them absent (= on); saved ones come back; a wrong type is ignored', async () => {
    await saveSettings(dir, defaults);
    const old = await loadSettings(dir, defaults, () => undefined);
    expect([old.dht, old.pex, old.lsd, old.portMapping]).toEqual([undefined, undefined, undefined, undefined]);
    const saved: Settings = { ...defaults, dht: false, pex: false, lsd: true, portMapping: false };
    await saveSettings(dir, saved);
    expect(await loadSettings(dir, defaults, () => undefined)).toEqual(saved);
    await writeFile(join(dir, SETTINGS_FILE), JSON.stringify({ ...defaults, dht: 'off', pex: 0, lsd: false }));
    const notices: string[] = [];
    expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual({ ...defaults, lsd: false });
    expect(notices.join('\n')).toMatch(/invalid dht, pex ignored/);
  });

  it('ignores a download folder that is empty or relative (it would follow the working directory)', async () => {
    for (const downloadDir of ['', 'Downloads', './x', '../up']) {
      await writeFile(join(dir, SETTINGS_FILE), JSON.stringify({ ...defaults, downloadDir, listenPort: 7001 }));
      const notices: string[] = [];
      expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual({ ...defaults, listenPort: 7001 });
      expect(notices.join('\n')).toMatch(/invalid downloadDir ignored/);
    }
  });

  it('a hand-edited file with __proto__ or constructor keys changes nothing else', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '{"__proto__": {"listenPort": 1}, "constructor": {"prototype": {"x": 1}}, "listenPort": 7002}');
    const loaded = await loadSettings(dir, defaults, () => undefined);
    expect(loaded).toEqual({ ...defaults, listenPort: 7002 });
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('settings.json saved by an editor', () => {
  it('with a byte order mark (Windows Notepad) is read, not set aside as damaged', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '\uFEFF' + JSON.stringify({ ...defaults, listenPort: 7003 }));
    const notices: string[] = [];
    expect(await loadSettings(dir, defaults, (m) => notices.push(m))).toEqual({ ...defaults, listenPort: 7003 });
    expect(notices).toEqual([]);
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
  });
});
