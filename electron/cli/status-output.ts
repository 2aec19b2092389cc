/**
 * What `seed` and `download` print while they run, by where it goes: a terminal gets one line
 * redrawn in place; a file or pipe gets whole lines, paced (status-pacer.ts); `--json` gets one
 * object per line, only when it changed. Pure: the callers sample the torrent and write.
 */
import type { TorrentStats } from '../engine/index.js';
import { formatBytes, progressLine } from './progress.js';
import { ChangeFilter, StatusPacer } from './status-pacer.js';

export type StatusMode = 'terminal' | 'lines' | 'json';

export function statusMode(json: boolean, isTTY: boolean | undefined): StatusMode {
  if (json) return 'json';
  return isTTY === true ? 'terminal' : 'lines';
}

/** The text to write for this sample of a seeding torrent, or null for nothing. */
export type StatusWriter = (s: TorrentStats, now: number) => string | null;

/** `tessera seed`'s status (stdout). */
export function seedStatus(mode: StatusMode): StatusWriter {
  if (mode === 'json') {
    const filter = new ChangeFilter();
    return (s) => {
      const text = JSON.stringify({ event: 'status', peers: s.peers, uploaded: s.uploaded, uploadRate: Math.round(s.uploadRate), state: s.state });
      return filter.changed(text) ? `${text}\n` : null;
    };
  }
  const line = (s: TorrentStats): string => `${s.peers} peers  up ${formatBytes(s.uploadRate)}/s  total ${formatBytes(s.uploaded)}  ${s.state}`;
  if (mode === 'terminal') return (s) => `\r${line(s)}\x1b[K`;
  const pacer = new StatusPacer();
  return (s, now) => {
    const text = line(s);
    return pacer.due(now, `${s.peers}|${s.state}`, text) ? `${text}\n` : null;
  };
}

/** `tessera download`'s progress (stderr; nothing with --json, which prints one summary at the end). */
export function downloadProgress(mode: StatusMode): StatusWriter {
  if (mode === 'json') return () => null;
  if (mode === 'terminal') return (s) => `\r${progressLine(s)}\x1b[K`;
  const pacer = new StatusPacer();
  return (s, now) => {
    const text = progressLine(s);
    // Each tenth of the data, a change of state, and peers found or lost are worth a line.
    const tenth = s.size > 0 ? Math.floor((s.completedBytes / s.size) * 10) : 0;
    return pacer.due(now, `${s.state}|${tenth}|${s.peers > 0}`, text) ? `${text}\n` : null;
  };
}
