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
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a folder, not a .torrent file'), { code: 'EISDIR' });
    // A regular file is read into one buffer of its size (one byte more tells it grew past the
    // limit); a pipe or device, whose size says nothing, in chunks.
    if (stat.isFile() && stat.size <= max) {
      const whole = Buffer.allocUnsafe(stat.size + 1);
      let total = 0;
      for (;;) {
        const { bytesRead } = await handle.read(whole, total, whole.length - total, null);
        if (bytesRead === 0) return whole.subarray(0, total);
        total += bytesRead;
        if (total === whole.length) break;
      }
      // It grew while we read: the chunked path below takes it from here.
      return await readChunks(handle, max, [whole], total);
    }
    return await readChunks(handle, max, [], 0);
  } finally {
    await handle.close();
  }
}

async function readChunks(handle: fs.FileHandle, max: number, chunks: Buffer[], read: number): Promise<Buffer> {
  let total = read;
  for (;;) {
    if (total > max) throw new TorrentFileTooLarge(`more than ${max} bytes: too large for a .torrent file`);
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, max + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}
