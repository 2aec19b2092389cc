/**
 * The files a user chooses from (the add dialog's list) and how a choice maps onto the
 * torrent's files. The list leaves pad files out (BEP 47: nobody chooses them), so a choice
 * made in the list's order is translated to metainfo indices here, in one place, for the
 * .torrent preview (session/inspect.ts) and a magnet's file choice (Torrent.chooseFiles).
 */
import type { FilePriority, SourceFacts } from '../api.js';
import type { Metainfo } from '../metainfo/index.js';

/** The add dialog's facts for known metadata: the first `maxFiles` files without pad files, counted and summed. */
export function factsOfMetainfo(meta: Metainfo, maxFiles: number): SourceFacts {
  const files: SourceFacts['files'] = [];
  let fileCount = 0;
  for (const f of meta.files) {
    if (f.pad) continue;
    fileCount++;
    if (files.length < maxFiles) files.push({ path: f.path, size: f.length });
  }
  return {
    infoHash: meta.infoHashHex,
    name: meta.name,
    size: meta.payloadLength,
    fileCount,
    files,
    trackerCount: meta.announce.reduce((n, tier) => n + tier.length, 0),
    private: meta.private,
  };
}

/**
 * Each metainfo file index whose priority is not normal under a choice given in the list's
 * order (pad files left out); files beyond the choice stay normal.
 */
export function choiceByFileIndex(meta: Metainfo, listed: readonly FilePriority[]): Array<[index: number, priority: FilePriority]> {
  const out: Array<[number, FilePriority]> = [];
  let n = 0;
  meta.files.forEach((f, i) => {
    if (f.pad) return;
    const p = listed[n++];
    if (p !== undefined && p !== 1) out.push([i, p]);
  });
  return out;
}
