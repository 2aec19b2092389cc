import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errorText } from '../../shared/error-text.js';
import { makeFolders } from '../engine/util/make-folders.js';

/**
 * Creates the state folder and proves it writable; returns why it cannot be used, or null.
 *
 * `download` and `seed` check this before starting a session: the engine only warns (under
 * --verbose) when it cannot save a torrent's records, so an unwritable folder used to mean a
 * download that silently could not resume. And Node's recursive mkdir never returns for a
 * path it cannot create under a folder that exists but refuses with ENOENT (procfs, sysfs:
 * `--state-dir /proc/x`), which hung `session.add` for good, Ctrl-C included: so the folders
 * are created here one level at a time, and a failure leaves the engine without a state folder.
 */
export async function stateDirProblem(dir: string): Promise<string | null> {
  try {
    await makeFolders(path.resolve(dir));
    const probe = path.join(dir, `.write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.writeFile(probe, '');
    await fs.unlink(probe);
    return null;
  } catch (err) {
    return errorText(err);
  }
}
