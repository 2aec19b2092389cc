/**
 * Every command of the contract, validated and carried out: per-torrent commands go straight
 * to the engine torrent; those that touch the service's own state (subscriptions, settings,
 * watches, adding) go through the CommandHost. Throws CommandFailure (or a ValidationError)
 * when a command cannot be done.
 */
import {
  MAX_NAME_CHARS,
  MAX_TRACKERS_PER_TORRENT,
  bytesToBase64,
  decodeFilePriorityRuns,
  packInFlight,
  parseCommandPayload,
  type AddOffer,
  type AnswerAddOfferPayload,
  type CommandName,
  type CommandPayload,
  type CommandResult,
  type MoveDestination,
  type Settings,
  type SettingsPatch,
} from '../../../shared/contract/index.js';
import type { EngineSession, EngineTorrent, TorrentSource } from '../api.js';
import { magnetSource, torrentFileSource, type AddChoices } from './add-torrent.js';
import type { Client } from './client.js';
import { errorLine } from '../../../shared/error-text.js';
import { CommandFailure } from './failure.js';
import { setFilePriorities } from './file-priorities.js';
import { clipText, discoveryView, fileView, infoView, peerView, trackerView } from './views.js';

/** What commands need from the service. */
export interface CommandHost {
  readonly session: EngineSession;
  subscribe(client: Client): void;
  addTorrent(source: TorrentSource, what: string, paused: boolean, choices?: AddChoices): Promise<CommandResult<'addMagnet'>>;
  /** The absolute folder a move goes to; null when the user cancelled main's folder dialog. */
  moveTarget(destination: MoveDestination, current: string): Promise<string | null>;
  /** Throws a not-found failure unless `category` is one of the settings' categories (null = none). */
  checkCategory(category: string | null): void;
  /** Keeps `source` as an offer the user confirms (the add dialog); nothing is added yet. */
  offer(source: TorrentSource): Promise<AddOffer>;
  answerOffer(answer: AnswerAddOfferPayload): Promise<CommandResult<'answerAddOffer'>>;
  openFolder(infoHash: string | undefined): Promise<CommandResult<'openFolder'>>;
  getSettings(): Settings;
  setSettings(patch: SettingsPatch): Promise<Settings>;
  chooseDownloadDir(): Promise<CommandResult<'chooseDownloadDir'>>;
  watch(client: Client, t: EngineTorrent): void;
  /** Starts the client's creation job (torrent-creation.ts). */
  createTorrent(client: Client, payload: CommandPayload<'createTorrent'>): CommandResult<'createTorrent'>;
  chooseCreateSource(kind: CommandPayload<'chooseCreateSource'>['kind']): Promise<CommandResult<'chooseCreateSource'>>;
}

/** The torrent with this info-hash, or a not-found failure. */
export function findTorrent(session: EngineSession, infoHash: string): EngineTorrent {
  const t = session.get(infoHash);
  if (!t) throw new CommandFailure('not-found', `No torrent with info-hash ${infoHash}`);
  return t;
}

export async function runCommand(host: CommandHost, client: Client, command: CommandName, raw: unknown): Promise<unknown> {
  const torrent = (infoHash: string): EngineTorrent => findTorrent(host.session, infoHash);
  switch (command) {
    case 'subscribe':
      parseCommandPayload(command, raw);
      host.subscribe(client);
      return null;
    case 'addTorrentFile': {
      const p = parseCommandPayload(command, raw);
      return host.addTorrent(torrentFileSource(p), p.fileName, p.paused ?? false);
    }
    case 'addMagnet': {
      const p = parseCommandPayload(command, raw);
      return host.addTorrent(magnetSource(p), 'magnet link', p.paused ?? false);
    }
    case 'offerTorrentFile':
      return host.offer(torrentFileSource(parseCommandPayload(command, raw)));
    case 'offerMagnet':
      return host.offer(magnetSource(parseCommandPayload(command, raw)));
    case 'answerAddOffer':
      return host.answerOffer(parseCommandPayload(command, raw));
    case 'pause':
      await torrent(parseCommandPayload(command, raw).infoHash).pause();
      return null;
    case 'resume':
      await torrent(parseCommandPayload(command, raw).infoHash).resume();
      return null;
    case 'remove': {
      const p = parseCommandPayload(command, raw);
      // By the key the session holds it under: `get` also finds a torrent by its other hash
      // (v2, hybrid), which `remove` does not know, and the reply said ok with nothing removed.
      await host.session.remove(torrent(p.infoHash).infoHash, { deleteData: p.deleteData });
      return null;
    }
    case 'setFilePriorities': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      setFilePriorities(t, 'runs' in p ? decodeFilePriorityRuns(p.runs) : p.priorities.map(({ index, priority }) => ({ first: index, count: 1, priority })));
      return null;
    }
    case 'setSequential': {
      const p = parseCommandPayload(command, raw);
      torrent(p.infoHash).setSequential(p.sequential);
      return null;
    }
    case 'setTorrentLimits': {
      const p = parseCommandPayload(command, raw);
      torrent(p.infoHash).setRateLimits({ download: p.download, upload: p.upload });
      return null;
    }
    case 'setFirstLastPiecesFirst': {
      const p = parseCommandPayload(command, raw);
      torrent(p.infoHash).setFirstLastPiecesFirst(p.firstLastPiecesFirst);
      return null;
    }
    case 'recheck':
      await torrent(parseCommandPayload(command, raw).infoHash).recheck();
      return null;
    case 'openFolder':
      return host.openFolder(parseCommandPayload(command, raw).infoHash);
    case 'getSettings':
      parseCommandPayload(command, raw);
      return host.getSettings();
    case 'setSettings':
      return host.setSettings(parseCommandPayload(command, raw));
    case 'chooseDownloadDir':
      parseCommandPayload(command, raw);
      return host.chooseDownloadDir();
    case 'watchPieces':
      host.watch(client, torrent(parseCommandPayload(command, raw).infoHash));
      return null;
    case 'unwatchPieces': {
      const infoHash = parseCommandPayload(command, raw).infoHash;
      client.unwatch(host.session.get(infoHash)?.infoHash ?? infoHash);
      return null;
    }
    case 'getInfo':
      return infoView(torrent(parseCommandPayload(command, raw).infoHash));
    case 'getPeers':
      return torrent(parseCommandPayload(command, raw).infoHash).peers().map(peerView);
    case 'getFiles':
      return torrent(parseCommandPayload(command, raw).infoHash).files().map(fileView);
    case 'getTrackers':
      return torrent(parseCommandPayload(command, raw).infoHash).trackers().map(trackerView);
    case 'addTrackers': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      // Refused rather than cut: the engine keeps the first MAX_TRACKERS_PER_TORRENT and would drop the user's new ones silently.
      const known = new Set(t.trackers().map((x) => x.url));
      const added = new Set(p.tiers.flat().filter((url) => !known.has(url))).size;
      if (known.size + added > MAX_TRACKERS_PER_TORRENT) {
        throw new CommandFailure('invalid-payload', `A torrent keeps at most ${MAX_TRACKERS_PER_TORRENT} trackers: it has ${known.size}, ${added} more would be too many`);
      }
      t.addTrackers(p.tiers);
      return null;
    }
    case 'editTracker': {
      const p = parseCommandPayload(command, raw);
      const edit = torrent(p.infoHash).editTracker(p.url, p.newUrl);
      if (edit === 'not-found') throw new CommandFailure('not-found', `This torrent has no tracker ${p.url}`);
      if (edit === 'duplicate') throw new CommandFailure('invalid-payload', `This torrent has the tracker ${p.newUrl} already`);
      return null;
    }
    case 'removeTrackers': {
      const p = parseCommandPayload(command, raw);
      if (torrent(p.infoHash).removeTrackers(p.urls) === 0) throw new CommandFailure('not-found', 'This torrent has none of these trackers');
      return null;
    }
    case 'reannounce': {
      const p = parseCommandPayload(command, raw);
      // Each torrent once (as moveInQueue): every info-hash is checked before any announces.
      const torrents = new Set(p.infoHashes.map(torrent));
      for (const t of torrents) t.reannounce();
      return null;
    }
    case 'moveInQueue': {
      const p = parseCommandPayload(command, raw);
      // Each torrent once, by its key: the queue compares every id with every place (100,000
      // copies of one hash among 10,000 torrents held the main process for 49 s), and knows
      // torrents only by the key, not by their other hash.
      const keys = new Set(p.infoHashes.map((h) => torrent(h).infoHash));
      host.session.moveInQueue([...keys], p.to);
      return null;
    }
    case 'setTorrentSeedingLimits': {
      const p = parseCommandPayload(command, raw);
      torrent(p.infoHash).setSeedingLimits({ ratio: p.ratio, minutes: p.minutes });
      return null;
    }
    case 'setCategory': {
      const p = parseCommandPayload(command, raw);
      host.checkCategory(p.category);
      const torrents = p.infoHashes.map(torrent);
      for (const t of torrents) t.setCategory(p.category);
      return null;
    }
    case 'getStatistics':
      parseCommandPayload(command, raw);
      return host.session.statistics();
    case 'moveStorage': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      const target = await host.moveTarget(p.destination, t.stats().savePath);
      if (target === null) return { moved: false, savePath: t.stats().savePath };
      try {
        await t.moveStorage(target);
      } catch (err) {
        throw new CommandFailure('internal', `The data stays in ${t.stats().savePath}: ${errorLine(err)}`);
      }
      return { moved: true, savePath: t.stats().savePath };
    }
    case 'renamePath': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      if (!t.files().some((f) => f.path === p.path || f.path.startsWith(p.path + '/'))) {
        throw new CommandFailure('not-found', `No file or folder ${p.path} in this torrent`);
      }
      try {
        await t.renamePath(p.path, p.newName);
      } catch (err) {
        throw new CommandFailure('internal', `Not renamed: ${errorLine(err)}`);
      }
      return null;
    }
    case 'getHealth': {
      const t = torrent(parseCommandPayload(command, raw).infoHash);
      if (!t.health) throw new CommandFailure('unsupported', 'This engine cannot diagnose torrents');
      return t.health();
    }
    case 'getPieceSources': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      if (!t.pieceSources) throw new CommandFailure('unsupported', 'This engine does not record piece sources');
      const view = t.pieceSources(p.from, p.sourcesFrom, p.generation, p.limit);
      if (!view) throw new CommandFailure('not-found', 'No pieces yet: the metadata has not arrived or the data is being checked');
      return view;
    }
    case 'getInFlight': {
      const t = torrent(parseCommandPayload(command, raw).infoHash);
      if (!t.inFlightPieces) throw new CommandFailure('unsupported', 'This engine cannot show its pieces in flight');
      return packInFlight(t.inFlightPieces() ?? { now: Date.now(), total: 0, pieces: [] });
    }
    case 'exportTorrent': {
      const t = torrent(parseCommandPayload(command, raw).infoHash);
      if (!t.torrentFile) throw new CommandFailure('unsupported', 'This engine cannot export .torrent files');
      const file = t.torrentFile();
      if (!file) throw new CommandFailure('not-found', 'No .torrent yet: the metadata of this magnet has not arrived');
      return { name: clipText(t.info().name, MAX_NAME_CHARS), data: bytesToBase64(file) };
    }
    case 'createTorrent':
      return host.createTorrent(client, parseCommandPayload(command, raw));
    case 'cancelCreateTorrent': {
      const { id } = parseCommandPayload(command, raw);
      if (client.creation?.id === id) client.creation.cancel();
      return null;
    }
    case 'chooseCreateSource':
      return host.chooseCreateSource(parseCommandPayload(command, raw).kind);
    case 'getPeerPieces': {
      const p = parseCommandPayload(command, raw);
      const t = torrent(p.infoHash);
      if (!t.peerPieces) throw new CommandFailure('unsupported', "This engine cannot list its peers' pieces");
      const view = t.peerPieces(new Map(p.known.map((k) => [k.id, k.count])));
      if (!view) throw new CommandFailure('not-found', 'No pieces yet: the metadata has not arrived or the data is being checked');
      return view;
    }
    case 'getDiscovery': {
      const t = torrent(parseCommandPayload(command, raw).infoHash);
      if (!t.discoveryRows) throw new CommandFailure('unsupported', 'This engine cannot tell where its peers came from');
      return discoveryView(t.discoveryRows());
    }
    default: {
      // Every command of the contract has its case above: one added to the contract without a
      // case leaves `command` a CommandName here, not never, and this does not compile (the
      // return type, Promise<unknown>, let a missing case compile and answer `undefined`).
      const unhandled: never = command;
      // At run time the service lets only the contract's names through (isCommandName), but a
      // name that reaches here anyway gets a clear refusal, not `{ ok: true, result: undefined }`.
      throw new CommandFailure('invalid-payload', `unknown command ${JSON.stringify(unhandled)?.slice(0, 80) ?? String(unhandled)}`);
    }
  }
}
