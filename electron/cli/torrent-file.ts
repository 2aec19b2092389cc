/**
 * Reads a .torrent file named on the command line, at most `max` bytes. `fs.readFile` read
 * whatever it was given to the end: `tessera download /dev/zero` grew to 23 GiB in three
 * minutes (and, busy reading, never got to act on Ctrl-C or SIGTERM). Reading in chunks up to
 * the limit also takes a pipe (`<(curl …)`), which a size from stat() cannot bound.
 */
import fs from 'node:fs/promises';

export class TorrentFileTooLarge extends Error {
  override readonly name = 'TorrentFileTooLarge';
}

const CHUNK = 64 * 1024;

export async function readTorrentFile(file: string, max: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a folder, not a .torrent file'), { code: 'EISDIR' });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, max + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw new TorrentFileTooLarge(`more than ${max} bytes: too large for a .torrent file`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
