/**
 * The contract's view models made from the engine's snapshots: numbers clamped to what the
 * validators accept, and what the contract derives (progress, ETA) computed here, once.
 */
import {
  LIMITS,
  MAX_CLIENT_CHARS,
  MAX_NAME_CHARS,
  MAX_PATH_CHARS,
  MAX_PEER_ID_CHARS,
  MAX_RATE_LIMIT,
  MAX_RATIO_LIMIT,
  MAX_SEEDING_MINUTES,
  MAX_TEXT_CHARS,
  MAX_URL_CHARS,
  USE_GLOBAL,
  categoryName,
  check,
  type AddPreview,
  type DiscoveryView,
  type FileView,
  type PeerView,
  type SessionSummary,
  type TorrentInfoView,
  type TorrentSummary,
  type TrackerView,
} from '../../../shared/contract/index.js';
import type { EngineSession, EngineTorrent, FileStats, PeerStats, SourceFacts, TorrentStats, TrackerStats } from '../api.js';
import { shareRatio } from '../session/seeding-limits.js';
import { reachabilityView } from '../session/reachability.js';

const wholeBytes = (n: number): number => Math.max(0, Math.floor(n));
const rate = (n: number): number => Math.max(0, n);

/*
 * The client validates each event as a whole: one field out of the contract's range drops the
 * snapshot or summary event, and with it every torrent in the list. So whatever the engine
 * holds (a magnet's 60,000-character dn, a hand-edited resume record) is fitted here.
 */

/** `text` cut to at most `max` characters (display only: names, errors, paths). */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** ms since epoch as the contract's timestamp: 0 for nonsense (negative, NaN), at most 2^53 - 1. */
function time(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n)) : 0;
}

/** A per-torrent seeding limit inside [USE_GLOBAL, max]; NaN is "use the global one". */
function seedingLimit(n: number, max: number, integer: boolean): number {
  if (Number.isNaN(n)) return USE_GLOBAL;
  const v = Math.min(max, Math.max(USE_GLOBAL, n));
  return integer ? Math.floor(v) : v;
}

/** An engine's limits as the contract carries them: whole bytes per second up to MAX_RATE_LIMIT, 0 = unlimited. */
export function limitsView(limits: { download: number; upload: number }): { downloadLimit: number; uploadLimit: number } {
  const clamp = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(MAX_RATE_LIMIT, Math.floor(n)) : 0);
  return { downloadLimit: clamp(limits.download), uploadLimit: clamp(limits.upload) };
}

/** One row of the torrent list. */
export function torrentSummary(t: EngineTorrent): TorrentSummary {
  const s = t.stats();
  const totalSize = wholeBytes(s.size);
  // Size, progress, remaining and ETA are over the wanted part, as qBittorrent shows them: a
  // torrent whose wanted files are done reads 100%, however much of it is set to "Do not download".
  const size = Math.min(totalSize, wholeBytes(s.wantedSize ?? s.size));
  const completed = Math.min(size, wholeBytes(s.wantedCompletedBytes ?? s.completedBytes));
  const remaining = size - completed;
  const downloadRate = rate(s.downloadRate);
  const eta = remaining > 0 && downloadRate > 0 && s.state === 'downloading' ? Math.ceil(remaining / downloadRate) : null;
  return {
    infoHash: s.infoHash,
    name: clipText(s.name, MAX_NAME_CHARS),
    state: s.state,
    error: s.error === null ? null : clipText(s.error, MAX_TEXT_CHARS),
    size,
    totalSize,
    completedBytes: completed,
    progress: size > 0 ? completed / size : s.state === 'seeding' ? 1 : 0,
    downloadRate,
    uploadRate: rate(s.uploadRate),
    downloaded: wholeBytes(s.downloaded),
    uploaded: wholeBytes(s.uploaded),
    peers: wholeBytes(s.peers),
    seeds: wholeBytes(s.seeds),
    eta,
    pieceCount: wholeBytes(s.pieceCount),
    pieceLength: wholeBytes(s.pieceLength),
    verifiedPieces: wholeBytes(s.verifiedPieces),
    hashFailures: wholeBytes(s.hashFailures),
    addedAt: time(s.addedAt),
    completedAt: s.completedAt === null || !(s.completedAt >= 0) ? null : time(s.completedAt),
    sequential: s.sequential,
    firstLastPiecesFirst: s.firstLastPiecesFirst,
    ...limitsView(t.rateLimits()),
    savePath: clipText(s.savePath, MAX_PATH_CHARS),
    hasMetadata: t.info().hasMetadata,
    ...policyFields(s, Math.min(totalSize, wholeBytes(s.completedBytes))),
  };
}

/** Queue place, category, ratio and seeding time: only what the engine reports (a fake may not). */
function policyFields(s: TorrentStats, completedBytes: number): Partial<TorrentSummary> {
  const out: Partial<TorrentSummary> = {};
  // A name no category could have (a hand-edited resume record) shows as none.
  if (s.category !== undefined) out.category = s.category !== null && check(categoryName, s.category).ok ? s.category : null;
  if (s.queuePosition !== undefined && s.queuePosition > 0) out.queuePosition = Math.floor(s.queuePosition);
  if (s.moveProgress !== undefined) out.moveProgress = s.moveProgress === null ? null : Math.min(1, Math.max(0, s.moveProgress));
  if (s.seedingSeconds !== undefined) out.seedingSeconds = wholeBytes(s.seedingSeconds);
  if (s.seedingLimits !== undefined) {
    out.ratioLimit = seedingLimit(s.seedingLimits.ratio, MAX_RATIO_LIMIT, false);
    out.seedingTimeLimit = seedingLimit(s.seedingLimits.minutes, MAX_SEEDING_MINUTES, true);
  }
  if (s.allTimeDownloaded !== undefined && s.allTimeUploaded !== undefined) {
    out.ratio = shareRatio({ downloaded: s.allTimeDownloaded, uploaded: s.allTimeUploaded, completedBytes });
  }
  return out;
}

/** Totals for the status bar. */
/** @param addresses this machine's addresses (for a listener on every address); the OS's when absent. */
export function sessionSummary(session: EngineSession, addresses?: readonly string[]): SessionSummary {
  let downloadRate = 0;
  let uploadRate = 0;
  let peers = 0;
  for (const t of session.list()) {
    const s = t.stats();
    downloadRate += rate(s.downloadRate);
    uploadRate += rate(s.uploadRate);
    peers += s.peers;
  }
  const reach = session.reachability?.();
  return {
    downloadRate, uploadRate, peers, listenPort: session.port, ...limitsView(session.rateLimits()),
    ...(reach ? reachFields(reachabilityView(reach, addresses)) : {}),
  };
}

/**
 * The status bar's say on reachability, by the rule the Health tab follows: connectable or not
 * only on evidence, absent (shown as unknown) otherwise — it said "Not connectable" of a
 * loopback-only listener and of every session nobody had dialled yet.
 */
function reachFields(view: ReturnType<typeof reachabilityView>): Pick<SessionSummary, 'connectable' | 'reachability'> {
  const reachability = view.text.slice(0, 1024);
  if (view.verdict.kind === 'unknown') return { reachability };
  return { connectable: view.verdict.kind === 'reachable', reachability };
}

/** Static facts for the Info tab (field by field: the contract's objects are strict). */
export function infoView(t: EngineTorrent): TorrentInfoView {
  const i = t.info();
  return {
    infoHash: i.infoHash,
    name: clipText(i.name, MAX_NAME_CHARS),
    size: wholeBytes(i.size),
    pieceLength: wholeBytes(i.pieceLength),
    pieceCount: wholeBytes(i.pieceCount),
    lastPieceLength: wholeBytes(i.lastPieceLength),
    comment: i.comment === null ? null : clipText(i.comment, MAX_TEXT_CHARS),
    createdBy: i.createdBy === null ? null : clipText(i.createdBy, MAX_TEXT_CHARS),
    creationDate: i.creationDate === null || !Number.isFinite(i.creationDate) ? null : Math.floor(i.creationDate),
    private: i.private,
    hasMetadata: i.hasMetadata,
    savePath: clipText(t.stats().savePath, MAX_PATH_CHARS),
  };
}

export function peerView(p: PeerStats): PeerView {
  return {
    id: clipText(p.id, MAX_PEER_ID_CHARS),
    address: clipText(p.address, MAX_PEER_ID_CHARS),
    client: clipText(p.client, MAX_CLIENT_CHARS),
    incoming: p.incoming,
    flags: p.flags,
    downloadRate: rate(p.downloadRate),
    uploadRate: rate(p.uploadRate),
    downloaded: wholeBytes(p.downloaded),
    uploaded: wholeBytes(p.uploaded),
    progress: Math.min(1, Math.max(0, p.progress)),
  };
}

export function fileView(f: FileStats): FileView {
  return {
    index: f.index,
    path: clipText(f.path, MAX_PATH_CHARS),
    size: f.size,
    completedBytes: Math.min(f.size, f.completedBytes),
    progress: f.size > 0 ? Math.min(1, f.completedBytes / f.size) : 1,
    priority: f.priority,
    pad: f.pad,
  };
}

/** The Trackers tab's DHT, PeX and LSD rows within the contract's bounds (a count past LIMITS.peers would fail the client's check, and lose the rows). */
export function discoveryView(v: DiscoveryView): DiscoveryView {
  const count = (n: number): number => Math.min(LIMITS.peers, Math.max(0, Math.floor(n)));
  const row = (r: DiscoveryView['dht']): DiscoveryView['dht'] => ({ status: r.status, seeds: count(r.seeds), leechers: count(r.leechers) });
  return { private: v.private, dht: row(v.dht), pex: row(v.pex), lsd: row(v.lsd) };
}

export function trackerView(t: TrackerStats): TrackerView {
  const next = t.nextAnnounce;
  return {
    url: clipText(t.url, MAX_URL_CHARS),
    tier: t.tier,
    status: t.status,
    message: t.message === null ? null : clipText(t.message, MAX_TEXT_CHARS),
    lastAnnounce: t.lastAnnounce === null ? null : Math.floor(t.lastAnnounce),
    nextAnnounce: typeof next === 'number' && Number.isFinite(next) && next >= 0 ? Math.floor(next) : null,
    peers: t.peers,
    seeders: t.seeders,
    leechers: t.leechers,
  };
}

/** The add dialog's preview of parsed facts (names and paths fitted, as in the list). */
export function previewView(source: AddPreview['source'], facts: SourceFacts, saveDir: string, duplicate: boolean): AddPreview {
  return {
    source,
    infoHash: facts.infoHash,
    name: facts.name === null ? null : clipText(facts.name, MAX_NAME_CHARS),
    size: facts.size,
    fileCount: facts.fileCount,
    files: facts.files.map((f) => ({ path: clipText(f.path, MAX_PATH_CHARS), size: f.size })),
    trackerCount: facts.trackerCount,
    private: facts.private,
    saveDir: clipText(saveDir, MAX_PATH_CHARS),
    duplicate,
  };
}
