/**
 * Adding a torrent from a command or from the shell: the payload turned into an engine
 * source (bytes decoded, a magnet checked), the engine's verdict turned into the contract's
 * error codes, and duplicates recognised.
 */
import { base64ToBytes, type CommandPayload } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';
import type { EngineSession, EngineTorrent, FilePriority, TorrentSource } from '../api.js';
import { CommandFailure, isTorrentInputError } from './failure.js';

export function torrentFileSource(p: CommandPayload<'addTorrentFile'>): TorrentSource {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(p.data);
  } catch (err) {
    throw new CommandFailure('invalid-payload', `addTorrentFile.data: ${errorLine(err)}`);
  }
  if (bytes.length === 0) throw new CommandFailure('invalid-torrent', `${p.fileName || 'The file'} is empty`);
  return { kind: 'torrent', bytes };
}

export function magnetSource(p: CommandPayload<'addMagnet'>): TorrentSource {
  const uri = p.uri.trim();
  if (!/^magnet:\?/i.test(uri)) throw new CommandFailure('invalid-torrent', 'Not a magnet link (it must start with "magnet:?")');
  return { kind: 'magnet', uri };
}

/** What the add dialog chose beyond "paused" (see AnswerAddOfferPayload). */
export interface AddChoices {
  category?: string | null;
  /** Relative folder inside the download folder (wins over the category's folder). */
  saveFolder?: string;
  filePriorities?: FilePriority[];
  sequential?: boolean;
  firstLastPiecesFirst?: boolean;
  /** A magnet stops when its metadata arrives and waits for the file choice (EngineTorrent.chooseFiles). */
  chooseFilesFirst?: boolean;
}

export interface Added {
  torrent: EngineTorrent;
  /** The session had it already. */
  duplicate: boolean;
}

/** Adds `source` (`what` names it in the log); an invalid torrent is 'invalid-torrent', anything else 'internal'. */
export async function addToSession(
  session: EngineSession,
  source: TorrentSource,
  options: { savePath: string; paused: boolean; what: string; log: (message: string) => void; choices?: AddChoices },
): Promise<Added> {
  const before = new Set(session.list().map((t) => t.infoHash));
  try {
    const { saveFolder: _folder, ...engineChoices } = options.choices ?? {};
    const torrent = await session.add(source, { savePath: options.savePath, paused: options.paused, ...engineChoices });
    return { torrent, duplicate: before.has(torrent.infoHash) };
  } catch (err) {
    const message = errorLine(err);
    const invalid = isTorrentInputError(err);
    if (!invalid) options.log(`adding ${options.what} failed: ${message}`);
    throw new CommandFailure(invalid ? 'invalid-torrent' : 'internal', message);
  }
}
