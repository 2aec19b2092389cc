/**
 * `setFilePriorities`, either form (a list of files or packed runs, shared/contract/
 * file-priority-runs.ts), carried out on one torrent. Every file named is checked against the
 * torrent before anything changes, so a bad index changes nothing; a file named more than once
 * takes the last priority named for it; files already at their priority are left alone: every
 * engine call walks the file's pieces, and "all files" of a 750,000-file torrent names every one.
 */
import type { FilePriority, FilePriorityRun } from '../../../shared/contract/index.js';
import type { EngineTorrent } from '../api.js';
import { CommandFailure } from './failure.js';

export function setFilePriorities(t: Pick<EngineTorrent, 'files' | 'setFilePriority'>, runs: readonly FilePriorityRun[]): void {
  const files = t.files();
  const count = files.length;
  for (const { first, count: length } of runs) {
    const last = first + length - 1;
    if (last >= count) throw new CommandFailure('invalid-payload', `setFilePriorities: file index ${last} out of range (torrent has ${count} files)`);
  }
  // 0xff: not named. One byte a file, not a Map entry each (a million files named).
  const wanted = new Uint8Array(count).fill(0xff);
  for (const { first, count: length, priority } of runs) wanted.fill(priority, first, first + length);
  for (let index = 0; index < count; index++) {
    const priority = wanted[index]!;
    if (priority !== 0xff && files[index]!.priority !== priority) t.setFilePriority(index, priority as FilePriority);
  }
}
