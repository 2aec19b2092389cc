import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TorrentSummary } from '../../shared/contract/index.js';
import { APP_CSP, APP_INDEX_URL, isAppUrl, isTrustedSender, menuTemplate, resolveAppAsset, secureWebPreferences, taskbarProgress } from './shell-logic.js';

describe('app protocol', () => {
  it('maps tessera://app/ URLs inside the renderer folder only', () => {
    expect(resolveAppAsset('/r', APP_INDEX_URL)).toBe('/r/index.html');
    expect(resolveAppAsset('/r', 'tessera://app/')).toBe('/r/index.html');
    expect(resolveAppAsset('/r', 'tessera://app/assets/a.js?x=1')).toBe('/r/assets/a.js');
    expect(resolveAppAsset('/r', 'tessera://app/assets%2f..%2f..%2fetc%2fpasswd')).toBeNull();
    expect(resolveAppAsset('/r', 'tessera://app/..%2fsecret')).toBeNull();
    expect(resolveAppAsset('/r', 'tessera://other/index.html')).toBeNull();
    expect(resolveAppAsset('/r', 'file:///r/index.html')).toBeNull();
    expect(resolveAppAsset('/r', 'tessera://app/%00.js')).toBeNull();
  });
  it('only our pages are navigable and only their main frame may call IPC', () => {
    expect(isAppUrl('tessera://app/index.html#x')).toBe(true);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    const ok = { frameUrl: 'tessera://app/index.html', isMainFrame: true, isOurWindow: true };
    expect(isTrustedSender(ok)).toBe(true);
    expect(isTrustedSender({ ...ok, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ ...ok, isOurWindow: false })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: null })).toBe(false);
  });
  it('window preferences and CSP are locked down', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, navigateOnDragDrop: false });
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toContain('unsafe-eval');
    expect(APP_CSP).toContain("default-src 'none'");
  });
  it('main.ts wires the hardening (checked in the source since Electron cannot start here)', () => {
    const src = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
    for (const needle of ['requestSingleInstanceLock', "'second-instance'", "'open-file'", "'open-url'", "setAsDefaultProtocolClient('magnet'", 'setWindowOpenHandler', "'will-navigate'", 'setProgressBar', 'new Notification', 'isTrustedSender', 'shell.openPath', 'showOpenDialog']) {
      expect(src, needle).toContain(needle);
    }
    // open-file/open-url/second-instance are registered before `ready`.
    expect(src.indexOf("app.on('open-url'")).toBeLessThan(src.indexOf('.whenReady()'));
    expect(src.indexOf("app.on('open-file'")).toBeLessThan(src.indexOf('.whenReady()'));
    const preload = readFileSync(new URL('../preload.ts', import.meta.url), 'utf8');
    expect(preload).toContain('contextBridge.exposeInMainWorld');
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
  });
});

const row = (state: TorrentSummary['state'], size: number, completedBytes: number): TorrentSummary => ({
  infoHash: 'a'.repeat(40), name: 'n', state, error: null, size, totalSize: size, completedBytes, progress: size ? completedBytes / size : 0, downloadRate: 0, uploadRate: 0,
  downloaded: 0, uploaded: 0, peers: 0, seeds: 0, eta: null, pieceCount: 1, pieceLength: 1, verifiedPieces: 0, hashFailures: 0, addedAt: 0, completedAt: null,
  sequential: false, firstLastPiecesFirst: false, downloadLimit: 0, uploadLimit: 0, savePath: '/', hasMetadata: true,
});

describe('taskbar progress and menu', () => {
  it('combines downloading torrents; no bar when idle', () => {
    expect(taskbarProgress([])).toBe(-1);
    expect(taskbarProgress([row('seeding', 100, 100), row('paused', 100, 0)])).toBe(-1);
    expect(taskbarProgress([row('downloading', 100, 50), row('downloading', 300, 50), row('seeding', 1000, 1000)])).toBe(0.25);
    expect(taskbarProgress([row('metadata', 0, 0)])).toBeGreaterThan(1);
  });
  it('menu has Open Torrent with an accelerator, dev items only in dev', () => {
    const labels = (dev: boolean) => menuTemplate('linux', dev).flatMap((m) => (m.items ?? []).map((i) => i.label));
    expect(labels(false)).toContain('Open Torrent…');
    expect(labels(false)).not.toContain('Developer Tools');
    expect(labels(true)).toContain('Developer Tools');
    expect(menuTemplate('darwin', false)[0]?.role).toBe('appMenu');
  });
});
