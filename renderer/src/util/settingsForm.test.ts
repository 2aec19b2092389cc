import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../shared/contract/index.js';
import { settingsForm, settingsPatch } from './settingsForm.js';

const settings: Settings = {
  downloadDir: '/d',
  listenPort: 6881,
  maxPeersPerTorrent: 50,
  notifyOnComplete: true,
  downloadLimit: 512_000,
  uploadLimit: 0,
  encryption: 'require',
  confirmAdd: false,
};

describe('settings form', () => {
  it('shows the settings (limits in KiB/s) and turns them back into the same patch', () => {
    const form = settingsForm(settings);
    expect(form).toEqual({ listenPort: '6881', maxPeersPerTorrent: '50', maxConnections: '500', maxConnectionsPerIp: '2', downloadLimit: '500', uploadLimit: '0', encryption: 'require', notifyOnComplete: true, confirmAdd: false, dht: true, pex: true, lsd: true, portMapping: true, closeToTray: false, minimizeToTray: false, startOnLogin: false });
    expect(settingsPatch(form)).toEqual({
      ok: true,
      patch: { listenPort: 6881, maxPeersPerTorrent: 50, maxConnections: 500, maxConnectionsPerIp: 2, notifyOnComplete: true, downloadLimit: 512_000, uploadLimit: 0, encryption: 'require', confirmAdd: false, dht: true, pex: true, lsd: true, portMapping: true },
    });
  });

  it('the privacy switches: absent (a settings file from before them) shows them on; saved ones show as saved and go back in the patch', () => {
    const form = settingsForm({ ...settings, dht: false, lsd: false, portMapping: false });
    expect([form.dht, form.pex, form.lsd, form.portMapping]).toEqual([false, true, false, false]);
    const r = settingsPatch({ ...form, pex: false });
    expect(r.ok && [r.patch.dht, r.patch.pex, r.patch.lsd, r.patch.portMapping]).toEqual([false, false, false, false]);
  });

  it('connections per IP address: absent reads as the engine default (2), 0 is no limit', () => {
    expect(settingsForm({ ...settings, maxConnectionsPerIp: 5 }).maxConnectionsPerIp).toBe('5');
    const r = settingsPatch({ ...settingsForm(settings), maxConnectionsPerIp: ' 0 ' });
    expect(r.ok && r.patch.maxConnectionsPerIp).toBe(0);
  });

  it('connections in all: absent reads as the engine default (500); the saved value otherwise', () => {
    expect(settingsForm({ ...settings, maxConnections: 200 }).maxConnections).toBe('200');
    const r = settingsPatch({ ...settingsForm(settings), maxConnections: ' 1200 ' });
    expect(r.ok && r.patch.maxConnections).toBe(1200);
  });

  it('an empty limit means unlimited', () => {
    const r = settingsPatch({ ...settingsForm(settings), downloadLimit: ' ' });
    expect(r.ok && r.patch.downloadLimit).toBe(0);
  });

  it('reports the first bad field', () => {
    const form = settingsForm(settings);
    const problem = (over: Partial<typeof form>) => {
      const r = settingsPatch({ ...form, ...over });
      return r.ok ? null : r.problem;
    };
    expect(problem({ listenPort: '70000' })).toMatch(/0 to 65535/);
    expect(problem({ maxPeersPerTorrent: '0' })).toMatch(/1 to 10000/);
    expect(problem({ maxPeersPerTorrent: 'lots' })).toMatch(/Peers per torrent/);
    expect(problem({ maxConnections: '0' })).toMatch(/Connections in all must be a number from 1 to 65535/);
    expect(problem({ maxConnections: '65536' })).toMatch(/Connections in all/);
    expect(problem({ maxConnectionsPerIp: '1001' })).toMatch(/Connections per IP address must be a number from 0 to 1000/);
    expect(problem({ maxConnectionsPerIp: '-1' })).toMatch(/Connections per IP address/);
    expect(problem({ downloadLimit: '-3' })).toMatch(/^The download limit must be a whole number/);
    expect(problem({ uploadLimit: '2.5' })).toMatch(/^The upload limit/);
    expect(problem({ uploadLimit: '999999999999' })).toMatch(/at most/);
  });
});

describe('desktop settings', () => {
  it('the tray and start-on-login choices are sent only by the desktop app', () => {
    const form = { ...settingsForm(null), listenPort: '0', maxPeersPerTorrent: '5', maxConnections: '500', maxConnectionsPerIp: '2', closeToTray: true, startOnLogin: true };
    const web = settingsPatch(form);
    const desktop = settingsPatch(form, true);
    expect(web.ok && 'closeToTray' in web.patch).toBe(false);
    expect(desktop.ok && desktop.patch).toMatchObject({ closeToTray: true, minimizeToTray: false, startOnLogin: true });
  });
});
