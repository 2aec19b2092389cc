/**
 * What a .torrent or magnet would add, without adding it: the facts the add dialog shows.
 * Parsing is the same as Session.add's (same errors), so an offer that previews fine adds fine.
 */
import { MagnetError, parseMagnet } from '../magnet/magnet.js';
import { TorrentInputError, type SourceFacts, type TorrentSource } from '../api.js';
import { factsOfMetainfo } from '../torrent/file-choice.js';
import { parseTorrentInputAsync } from './session.js';

/** Parses `source` as Session.add would. Throws TorrentInputError with a one-line reason. */
export async function inspectSource(source: TorrentSource, maxFiles: number): Promise<SourceFacts> {
  if (source.kind === 'magnet') {
    let magnet;
    try {
      magnet = parseMagnet(source.uri);
    } catch (err) {
      if (err instanceof MagnetError) throw new TorrentInputError(err.message);
      throw err;
    }
    return { infoHash: magnet.infoHashHex, name: magnet.name, size: null, fileCount: null, files: [], trackerCount: magnet.trackers.length, private: false };
  }
  // In chunks: a .torrent with 100,000 files must not stall the UI while its dialog is prepared.
  return factsOfMetainfo(await parseTorrentInputAsync(source.bytes), maxFiles);
}
