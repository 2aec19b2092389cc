/**
 * The compact form of a `setFilePriorities` change: runs of consecutive file indexes and the
 * priority each run gets. The UI used to send one `{ index, priority }` per file: choosing a
 * priority for all files of a 750,000-file torrent was a 23 MiB message, past the web host's
 * largest frame (MAX_FRAME, 21 MiB), so it could not be done at all. Packed, "all files" is one
 * run of a few bytes, and any change is at most about two bytes a file named (qBittorrent takes
 * the ids joined by `|`, Transmission arrays of indexes with "empty = all": the same idea).
 *
 * Wire form: base64 of groups, one per priority, each
 *   u8 priority (0 skip, 1 normal, 2 high) · varint runCount ·
 *   runCount × (varint gap, varint length − 1)
 * where a run's gap is its first index minus the end (last index + 1) of the group's previous
 * run, the first from 0: runs ascend and do not overlap within a group. Strict on reading: each
 * priority at most once, at least one file in all, no file in two groups, no index at or past
 * LIMITS.files.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { LIMITS, type FilePriority } from './types.js';
import { ByteReader, ByteWriter } from './varint.js';
import { ValidationError, base64, type Validator } from './validate.js';

export interface FilePriorityRun {
  /** The run's first file index. */
  first: number;
  /** How many files, from `first` on (at least 1). */
  count: number;
  priority: FilePriority;
}

/**
 * The packed form at its longest: every file a run of its own, each at most a 3-byte gap (indexes
 * are below 2^21) and a 1-byte length, and three group headers.
 */
export const MAX_FILE_PRIORITY_RUNS_BYTES = LIMITS.files * 4 + 3 * 6;
const MAX_B64 = Math.ceil(MAX_FILE_PRIORITY_RUNS_BYTES / 3) * 4;

/** `runs` packed; the runs of each priority must ascend without overlapping (encodeFilePriorityChanges makes them so). */
export function encodeFilePriorityRuns(runs: readonly FilePriorityRun[]): string {
  const groups: FilePriorityRun[][] = [[], [], []];
  for (const run of runs) groups[run.priority]!.push(run);
  const w = new ByteWriter(runs.length * 2 + 16);
  groups.forEach((group, priority) => {
    if (group.length === 0) return;
    w.u8(priority);
    w.varint(group.length);
    let end = 0;
    for (const run of group) {
      w.varint(run.first - end);
      w.varint(run.count - 1);
      end = run.first + run.count;
    }
  });
  return bytesToBase64(w.finish());
}

/**
 * Files and their new priorities, packed: sorted, a file named twice keeps the last priority
 * named for it, neighbours of one priority joined into runs.
 */
export function encodeFilePriorityChanges(changes: ReadonlyArray<{ index: number; priority: FilePriority }>): string {
  const latest = new Map<number, FilePriority>();
  for (const { index, priority } of changes) latest.set(index, priority);
  const indexes = Float64Array.from(latest.keys()).sort();
  const runs: FilePriorityRun[] = [];
  let open: FilePriorityRun | null = null;
  for (const index of indexes) {
    const priority = latest.get(index)!;
    if (open && open.priority === priority && open.first + open.count === index) open.count++;
    else runs.push((open = { first: index, count: 1, priority }));
  }
  return encodeFilePriorityRuns(runs);
}

/** Every file, `priority`: what the Files tab's "all files" sends when each one changes. */
export function allFilesRun(fileCount: number, priority: FilePriority): string {
  return encodeFilePriorityRuns(fileCount > 0 ? [{ first: 0, count: fileCount, priority }] : []);
}

/**
 * Calls `fn` for each run, in index order. Throws ValidationError (at `path`) on anything but a
 * well-formed packing: not base64, an unknown or repeated priority, a run count longer than the
 * bytes left, an index at or past LIMITS.files, a file in two groups, no file at all.
 */
export function forEachFilePriorityRun(packed: string, fn: (first: number, count: number, priority: FilePriority) => void, path = 'runs'): void {
  for (const run of decodeFilePriorityRuns(packed, path)) fn(run.first, run.count, run.priority);
}

/** The runs of `packed` in index order (see forEachFilePriorityRun). */
export function decodeFilePriorityRuns(packed: string, path = 'runs'): FilePriorityRun[] {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(packed);
  } catch {
    throw new ValidationError(path, 'is not base64');
  }
  if (bytes.length > MAX_FILE_PRIORITY_RUNS_BYTES) throw new ValidationError(path, `is longer than ${MAX_FILE_PRIORITY_RUNS_BYTES} bytes`);
  const r = new ByteReader(bytes, path);
  const groups: FilePriorityRun[][] = [];
  const seen = new Set<number>();
  while (!r.done) {
    const priority = r.u8();
    if (priority !== 0 && priority !== 1 && priority !== 2) throw new ValidationError(path, `has an unknown priority ${priority} (0 skip, 1 normal, 2 high)`);
    if (seen.has(priority)) throw new ValidationError(path, `names priority ${priority} twice`);
    seen.add(priority);
    const count = r.varint();
    // Each run takes two bytes at least: a count past that is a lie, not an allocation to make.
    if (count === 0 || count * 2 > bytes.length - r.offset) throw new ValidationError(path, `has a group of ${count} runs in ${bytes.length - r.offset} bytes`);
    const group: FilePriorityRun[] = new Array<FilePriorityRun>(count);
    let end = 0;
    for (let k = 0; k < count; k++) {
      const first = end + r.varint();
      const length = r.varint() + 1;
      end = first + length;
      if (end > LIMITS.files) throw new ValidationError(path, `names file ${end - 1}, past the ${LIMITS.files} files a torrent may have`);
      group[k] = { first, count: length, priority };
    }
    groups.push(group);
  }
  if (groups.length === 0) throw new ValidationError(path, 'names no file');
  return mergeGroups(groups, path);
}

/** The groups' runs (each group ascending) in one ascending list; a file in two groups throws. */
function mergeGroups(groups: FilePriorityRun[][], path: string): FilePriorityRun[] {
  if (groups.length === 1) return groups[0]!;
  const out: FilePriorityRun[] = [];
  const at = groups.map(() => 0);
  for (;;) {
    let next = -1;
    for (let g = 0; g < groups.length; g++) {
      const run = groups[g]![at[g]!];
      if (run && (next < 0 || run.first < groups[next]![at[next]!]!.first)) next = g;
    }
    if (next < 0) return out;
    const run = groups[next]![at[next]!++]!;
    const last = out[out.length - 1];
    if (last && run.first < last.first + last.count) {
      throw new ValidationError(path, `gives file ${run.first} two priorities (${last.priority} and ${run.priority})`);
    }
    out.push(run);
  }
}

/** A packed change as a payload field: bounded base64 that decodes to well-formed runs. */
export const filePriorityRuns: Validator<string> = (value, path) => {
  const text = base64(MAX_B64)(value, path);
  decodeFilePriorityRuns(text, path);
  return text;
};
