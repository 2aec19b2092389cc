/**
 * The Electron shell's decisions, as plain data and pure functions so tests can load them
 * without 'electron': the app:// protocol (URL → file), the CSP, which navigations and IPC
 * senders are trusted, the window's security preferences, the taskbar progress, the menu.
 */
import { extname, resolve, sep } from 'node:path';
import type { TorrentSummary } from '../../shared/contract/index.js';
import { contentTypeFor } from '../../shared/content-type.js';

/** The renderer is served from `tessera://app/…` (a privileged standard scheme), never file://. */
export const APP_SCHEME = 'tessera';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Strict CSP for every page the shell serves: only our own scripts, no eval, no remote anything. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function mimeType(path: string): string {
  return contentTypeFor(extname(path));
}

/**
 * Maps a `tessera://app/...` request URL to a file inside `root`, or null when the URL is
 * not ours or escapes the folder.
 */
export function resolveAppAsset(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = resolve(root);
  const file = resolve(base, '.' + rel);
  if (!file.startsWith(base + sep)) return null;
  return file;
}

/** Only our own pages may be navigated to (everything else is denied, incl. window.open). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** http(s) links the user clicked may be handed to the OS browser; nothing else. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** IPC is accepted only from our window's main frame showing our page. */
export function isTrustedSender(sender: { frameUrl: string | null; isMainFrame: boolean; isOurWindow: boolean }): boolean {
  return sender.isOurWindow && sender.isMainFrame && sender.frameUrl !== null && isAppUrl(sender.frameUrl);
}

/** The security-relevant webPreferences of the main window (plus the preload path). */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    experimentalFeatures: false,
  } as const;
}

/**
 * Taskbar/dock progress: the combined progress of the torrents still downloading, or -1
 * (no bar) when none is. Electron: BrowserWindow.setProgressBar(value).
 */
export function taskbarProgress(torrents: readonly TorrentSummary[]): number {
  let size = 0;
  let done = 0;
  for (const t of torrents) {
    if (t.state !== 'downloading' && t.state !== 'metadata' && t.state !== 'checking') continue;
    size += t.size;
    done += t.completedBytes;
  }
  if (size <= 0) return torrents.some((t) => t.state === 'downloading' || t.state === 'metadata') ? 2 : -1; // 2 = indeterminate
  return Math.min(1, Math.max(0, done / size));
}

export type MenuAction = 'open-torrent' | 'choose-download-dir' | 'open-download-dir' | 'quit' | 'reload' | 'toggle-devtools' | 'about';

export interface MenuItemSpec {
  label?: string;
  action?: MenuAction;
  accelerator?: string;
  role?: 'editMenu' | 'windowMenu' | 'appMenu' | 'togglefullscreen' | 'resetZoom' | 'zoomIn' | 'zoomOut';
  type?: 'separator';
}

export interface MenuSpec {
  label: string;
  role?: 'appMenu' | 'editMenu' | 'windowMenu';
  items?: MenuItemSpec[];
}

/** The application menu as data; main.ts turns actions into handlers. */
export function menuTemplate(platform: NodeJS.Platform, dev: boolean): MenuSpec[] {
  const menus: MenuSpec[] = [];
  if (platform === 'darwin') menus.push({ label: 'Tessera', role: 'appMenu' });
  menus.push({
    label: 'File',
    items: [
      { label: 'Open Torrent…', action: 'open-torrent', accelerator: 'CmdOrCtrl+O' },
      { type: 'separator' },
      { label: 'Download Folder…', action: 'choose-download-dir' },
      { label: 'Show Download Folder', action: 'open-download-dir' },
      ...(platform === 'darwin' ? [] : [{ type: 'separator' } as const, { label: 'Quit', action: 'quit', accelerator: 'CmdOrCtrl+Q' } as const]),
    ],
  });
  menus.push({ label: 'Edit', role: 'editMenu' });
  menus.push({
    label: 'View',
    items: [
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(dev ? [{ type: 'separator' } as const, { label: 'Reload', action: 'reload', accelerator: 'CmdOrCtrl+R' } as const, { label: 'Developer Tools', action: 'toggle-devtools', accelerator: 'CmdOrCtrl+Shift+I' } as const] : []),
    ],
  });
  menus.push({ label: 'Window', role: 'windowMenu' });
  menus.push({ label: 'Help', items: [{ label: 'About Tessera', action: 'about' }] });
  return menus;
}

/** Largest .torrent the shell reads from disk for an open request. */
export const MAX_TORRENT_FILE_READ = 16 * 1024 * 1024;
