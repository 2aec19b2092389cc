/** Where a category's torrents are saved: its folder inside the download folder. */
import path from 'node:path';
import { categoriesOf, type Settings } from '../../../shared/contract/index.js';
import { CommandFailure } from './failure.js';

/**
 * The category's folder resolved against the download folder. The folder was validated as a
 * relative path without '..' (policies.ts relativeFolder); resolving checks it again, so a
 * hand-edited settings file cannot point outside the download folder either.
 */
export function categorySavePath(settings: Settings, name: string): string {
  const category = categoriesOf(settings).find((c) => c.name === name);
  if (!category) throw new CommandFailure('not-found', `No category named ${JSON.stringify(name)}`);
  return insideDownloadDir(settings.downloadDir, category.folder);
}

/** `folder` (relative; null = the download folder) resolved inside the download folder, or an invalid-payload failure. */
export function insideDownloadDir(downloadDir: string, folder: string | null): string {
  const root = path.resolve(downloadDir);
  const target = folder === null ? root : path.resolve(root, folder);
  if (target !== root && !target.startsWith(root + path.sep)) {
    throw new CommandFailure('invalid-payload', `${folder} must stay inside the download folder`);
  }
  return target;
}
