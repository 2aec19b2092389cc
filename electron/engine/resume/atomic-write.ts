import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The temp files writeFileAtomic leaves only when the process dies mid-write. */
export const ATOMIC_TEMP = /^\..+\.[0-9a-f]{8}\.tmp$/;

/**
 * Replaces `target` so that a crash at any moment leaves either the old or the new file,
 * never a torn one: write a temp file beside it, fsync it, rename over, fsync the folder.
 * On failure the temp file is removed and the old file left as it was.
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (err) {
    // A full disk fails the write or the fsync: no temp file is left behind for each try.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  const dirHandle = await fs.open(dir, 'r').catch(() => null);
  if (dirHandle) {
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}
