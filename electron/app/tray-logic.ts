/**
 * The tray icon's decisions as plain data (tested without 'electron'): its tooltip with the
 * download/upload rates, its menu, what closing or minimising the window does, and the
 * notification for a torrent that completes or fails.
 */
import type { Settings, TorrentSummary } from '../../shared/contract/index.js';

export type TrayAction = 'show' | 'pause-all' | 'resume-all' | 'quit';

export interface TrayMenuItem {
  label?: string;
  action?: TrayAction;
  type?: 'separator';
  enabled?: boolean;
}

function rate(bytesPerSecond: number): string {
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let v = Math.max(0, bytesPerSecond);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The tray tooltip: "Tessera — ↓ 1.2 MiB/s ↑ 300 KiB/s", from the torrents' rates. */
export function trayTooltip(torrents: readonly TorrentSummary[]): string {
  let down = 0;
  let up = 0;
  for (const t of torrents) {
    down += t.downloadRate;
    up += t.uploadRate;
  }
  return `Tessera — ↓ ${rate(down)} ↑ ${rate(up)}`;
}

/** Which torrents "Pause all" / "Resume all" act on. */
export function pauseAllTargets(torrents: readonly TorrentSummary[]): string[] {
  return torrents.filter((t) => t.state !== 'paused' && t.state !== 'error').map((t) => t.infoHash);
}

export function resumeAllTargets(torrents: readonly TorrentSummary[]): string[] {
  return torrents.filter((t) => t.state === 'paused').map((t) => t.infoHash);
}

export function trayMenu(torrents: readonly TorrentSummary[]): TrayMenuItem[] {
  return [
    { label: 'Show Tessera', action: 'show' },
    { type: 'separator' },
    { label: 'Pause all', action: 'pause-all', enabled: pauseAllTargets(torrents).length > 0 },
    { label: 'Resume all', action: 'resume-all', enabled: resumeAllTargets(torrents).length > 0 },
    { type: 'separator' },
    { label: 'Quit', action: 'quit' },
  ];
}

/** Closing the window: hide it in the tray (the engine keeps running) or let it close (and quit). */
export function onWindowClose(settings: Pick<Settings, 'closeToTray'> | null, quitting: boolean, hasTray: boolean): 'hide' | 'close' {
  return !quitting && hasTray && settings?.closeToTray === true ? 'hide' : 'close';
}

export function onWindowMinimize(settings: Pick<Settings, 'minimizeToTray'> | null, hasTray: boolean): 'hide' | 'minimize' {
  return hasTray && settings?.minimizeToTray === true ? 'hide' : 'minimize';
}

/** The desktop notification for a torrent that completed or failed (both follow the notifications setting). */
export function torrentNotification(kind: 'completed' | 'failed', summary: Pick<TorrentSummary, 'name' | 'infoHash'>, message?: string): { title: string; body: string } {
  const name = summary.name || summary.infoHash;
  return kind === 'completed' ? { title: 'Download complete', body: name } : { title: 'Torrent failed', body: message ? `${name}: ${message}` : name };
}

/** The XDG autostart entry (~/.config/autostart/tessera.desktop) that starts Tessera at login on Linux. */
export function autostartEntry(execPath: string, args: readonly string[]): string {
  const quote = (s: string) => (/[\s"'\\$`]/.test(s) ? `"${s.replace(/(["\\$`])/g, '\\$1')}"` : s);
  return ['[Desktop Entry]', 'Type=Application', 'Name=Tessera', `Exec=${[execPath, ...args].map(quote).join(' ')}`, 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}
