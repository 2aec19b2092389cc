import { describe, expect, it } from 'vitest';
import type { TorrentSummary } from '../../shared/contract/index.js';
import { onWindowClose, onWindowMinimize, pauseAllTargets, resumeAllTargets, torrentNotification, trayMenu, trayTooltip } from './tray-logic.js';

function t(n: number, over: Partial<TorrentSummary>): TorrentSummary {
  return {
    infoHash: String(n).padStart(40, '0'), name: `t${n}`, state: 'downloading', error: null, size: 10, totalSize: 10, completedBytes: 0, progress: 0,
    downloadRate: 0, uploadRate: 0, downloaded: 0, uploaded: 0, peers: 0, seeds: 0, eta: null, pieceCount: 1, pieceLength: 16384,
    verifiedPieces: 0, hashFailures: 0, addedAt: 0, completedAt: null, sequential: false, firstLastPiecesFirst: false,
    downloadLimit: 0, uploadLimit: 0, savePath: '/d', hasMetadata: true, ...over,
  };
}

describe('tray', () => {
  const list = [t(1, { downloadRate: 1536 * 1024 }), t(2, { state: 'seeding', uploadRate: 300 * 1024 }), t(3, { state: 'paused' }), t(4, { state: 'error' })];

  it('the tooltip carries the total rates', () => {
    expect(trayTooltip(list)).toBe('Tessera — ↓ 1.5 MiB/s ↑ 300.0 KiB/s');
    expect(trayTooltip([])).toBe('Tessera — ↓ 0 B/s ↑ 0 B/s');
  });

  it('pause all takes the running torrents, resume all the paused ones; the menu disables what has nothing to do', () => {
    expect(pauseAllTargets(list)).toEqual([list[0]?.infoHash, list[1]?.infoHash]);
    expect(resumeAllTargets(list)).toEqual([list[2]?.infoHash]);
    const menu = trayMenu([t(5, { state: 'paused' })]);
    expect(menu.map((m) => m.label ?? '—')).toEqual(['Show Tessera', '—', 'Pause all', 'Resume all', '—', 'Quit']);
    expect(menu.find((m) => m.action === 'pause-all')?.enabled).toBe(false);
    expect(menu.find((m) => m.action === 'resume-all')?.enabled).toBe(true);
  });

  it('close and minimise go to the tray only when the settings say so and a tray exists', () => {
    expect(onWindowClose({ closeToTray: true }, false, true)).toBe('hide');
    expect(onWindowClose({ closeToTray: true }, true, true)).toBe('close'); // quitting
    expect(onWindowClose({ closeToTray: true }, false, false)).toBe('close');
    expect(onWindowClose({}, false, true)).toBe('close');
    expect(onWindowMinimize({ minimizeToTray: true }, true)).toBe('hide');
    expect(onWindowMinimize({ minimizeToTray: false }, true)).toBe('minimize');
  });

  it('notifications for completion and failure', () => {
    expect(torrentNotification('completed', { name: 'a.iso', infoHash: 'h' })).toEqual({ title: 'Download complete', body: 'a.iso' });
    expect(torrentNotification('failed', { name: 'a.iso', infoHash: 'h' }, 'disk full')).toEqual({ title: 'Torrent failed', body: 'a.iso: disk full' });
  });
});

describe('start on login (Linux)', () => {
  it('an XDG autostart entry that runs this executable, quoted where needed', async () => {
    const { autostartEntry } = await import('./tray-logic.js');
    const entry = autostartEntry('/opt/Tessera/tessera', []);
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec=/opt/Tessera/tessera\n');
    expect(autostartEntry('/usr/bin/electron', ['/home/a b/app'])).toContain('Exec=/usr/bin/electron "/home/a b/app"\n');
  });
});
