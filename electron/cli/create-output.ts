/**
 * What `tessera create` shows and leaves while it works: hashing progress on stderr, and a
 * .torrent that appears whole or not at all.
 */
import { promises as fsp, rmSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from './format.js';

/** Below this, hashing is over before a progress line would be read. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * The onProgress for createTorrent: nothing for inputs under {@link PROGRESS_MIN_BYTES}; on a
 * terminal one line rewritten at each whole percent (and cleared at the end); elsewhere (a
 * log, a pipe) one line per 10 %, so that a log does not fill with carriage returns.
 */
export interface HashingProgress {
  update(hashed: number, total: number): void;
  /** Clears a terminal's progress line that hashing left (it failed midway), so the error starts a line. */
  end(): void;
}

export function hashingProgress(stream: ProgressStream): HashingProgress {
  // 0 % is no news: the first line comes with the first step.
  let shown = 0;
  let lineOpen = false;
  const update = (hashed: number, total: number): void => {
    if (total < PROGRESS_MIN_BYTES) return;
    const percent = Math.floor((hashed / total) * 100);
    const step = stream.isTTY === true ? percent : percent - (percent % 10);
    if (step <= shown) return;
    shown = step;
    const text = `hashing: ${step}% (${formatBytes(hashed)} of ${formatBytes(total)})`;
    if (stream.isTTY !== true) stream.write(`tessera create: ${text}\n`);
    else {
      lineOpen = hashed < total;
      stream.write(lineOpen ? `\r${text}\x1b[K` : '\r\x1b[K');
    }
  };
  const end = (): void => {
    if (lineOpen) stream.write('\r\x1b[K');
    lineOpen = false;
  };
  return { update, end };
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Writes `data` to `output` through a temp file beside it and a rename, so that neither a
 * failed write (disk full) nor Ctrl-C leaves a torn .torrent — nor destroys the one it was
 * about to replace. A signal during the write removes the temp file before exiting as the
 * signal would (128 + its number).
 */
export async function writeTorrentFile(output: string, data: Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.part`);
  const onSignal = (signal: (typeof SIGNALS)[number]): void => {
    rmSync(temp, { force: true });
    process.exit(SIGNAL_EXIT[signal]);
  };
  for (const s of SIGNALS) process.once(s, onSignal);
  try {
    // Left by a killed run with our pid; 'wx' then never writes through a link planted in its place.
    await fsp.rm(temp, { force: true });
    await fsp.writeFile(temp, data, { flag: 'wx' });
    await fsp.rename(temp, output);
  } catch (e) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}
