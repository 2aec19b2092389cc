import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errorText } from '../../shared/error-text.js';

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

/** mkdir -p without { recursive: true } (see above): each missing level, from the top down. */
export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; !(await exists(at)); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    await fs.mkdir(folder).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
