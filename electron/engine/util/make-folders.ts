/**
 * `mkdir -p` without `{ recursive: true }`: Node's recursive mkdir never returns (and spins the
 * CPU) for a path it cannot create under a folder that exists but refuses with ENOENT (procfs,
 * sysfs: `--dir /proc/x`). Each missing level is created from the top down, so such a path
 * fails with ENOENT at once. Used where a folder named by the user is created (CLI, web host).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !(await exists(at)); at = path.dirname(at)) {
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
