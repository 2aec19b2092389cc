/**
 * The contract's view models made from the engine's snapshots: numbers clamped to what the
 * validators accept, and what the contract derives (progress, ETA) computed here, once.
 */
import {
  MAX_RATE_LIMIT,
  type FileView,
  type PeerView,
  type SessionSummary,
  type TorrentInfoView,
  type TorrentSummary,
  type TrackerView,
} from '../../../shared/contract/index.js';
import type { EngineSession, EngineTorrent, FileStats, PeerStats, TorrentStats, TrackerStats } from '../api.js';
import { shareRatio } from '../session/seeding-limits.js';
import { describeReachability } from '../session/reachability.js';

const wholeBytes = (n: number): number => Math.max(0, Math.floor(n));
const rate = (n: number): number => Math.max(0, n);

/** An engine's limits as the contract carries them: whole bytes per second up to MAX_RATE_LIMIT, 0 = unlimited. */
export function limitsView(limits: { download: number; upload: number }): { downloadLimit: number; uploadLimit: number } {
  const clamp = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(MAX_RATE_LIMIT, Math.floor(n)) : 0);
  return { downloadLimit: clamp(limits.download), uploadLimit: clamp(limits.upload) };
}

/** One row of the torrent list. */
export function torrentSummary(t: EngineTorrent): TorrentSummary {
  const s = t.stats();
  const size = wholeBytes(s.size);
  const completed = Math.min(size, wholeBytes(s.completedBytes));
  const remaining = size - completed;
  const downloadRate = rate(s.downloadRate);
  const eta = remaining > 0 && downloadRate > 0 && s.state === 'downloading' ? Math.ceil(remaining / downloadRate) : null;
  return {
    infoHash: s.infoHash,
    name: s.name,
    state: s.state,
    error: s.error,
    size,
    completedBytes: completed,
    progress: size > 0 ? completed / size : s.state === 'seeding' ? 1 : 0,
    downloadRate,
    uploadRate: rate(s.uploadRate),
    downloaded: wholeBytes(s.downloaded),
    uploaded: wholeBytes(s.uploaded),
    peers: s.peers,
    seeds: s.seeds,
    eta,
    pieceCount: s.pieceCount,
    pieceLength: s.pieceLength,
    verifiedPieces: s.verifiedPieces,
    hashFailures: s.hashFailures,
    addedAt: Math.floor(s.addedAt),
    completedAt: s.completedAt === null ? null : Math.floor(s.completedAt),
    sequential: s.sequential,
    firstLastPiecesFirst: s.firstLastPiecesFirst,
    ...limitsView(t.rateLimits()),
    savePath: s.savePath,
    hasMetadata: t.info().hasMetadata,
    ...policyFields(s, completed),
  };
}

/** Queue place, category, ratio and seeding time: only what the engine reports (a fake may not). */
function policyFields(s: TorrentStats, completedBytes: number): Partial<TorrentSummary> {
  const out: Partial<TorrentSummary> = {};
  if (s.category !== undefined) out.category = s.category;
  if (s.queuePosition !== undefined && s.queuePosition > 0) out.queuePosition = Math.floor(s.queuePosition);
  if (s.moveProgress !== undefined) out.moveProgress = s.moveProgress === null ? null : Math.min(1, Math.max(0, s.moveProgress));
  if (s.seedingSeconds !== undefined) out.seedingSeconds = wholeBytes(s.seedingSeconds);
  if (s.seedingLimits !== undefined) {
    out.ratioLimit = s.seedingLimits.ratio;
    out.seedingTimeLimit = s.seedingLimits.minutes;
  }
  if (s.allTimeDownloaded !== undefined && s.allTimeUploaded !== undefined) {
    out.ratio = shareRatio({ downloaded: s.allTimeDownloaded, uploaded: s.allTimeUploaded, completedBytes });
  }
  return out;
}

/** Totals for the status bar. */
export function sessionSummary(session: EngineSession): SessionSummary {
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
    ...(reach ? { connectable: reach.portMapping.status === 'mapped' || reach.incomingConnections > 0, reachability: describeReachability(reach).slice(0, 1024) } : {}),
  };
}

/** Static facts for the Info tab (field by field: the contract's objects are strict). */
export function infoView(t: EngineTorrent): TorrentInfoView {
  const i = t.info();
  return {
    infoHash: i.infoHash,
    name: i.name,
    size: i.size,
    pieceLength: i.pieceLength,
    pieceCount: i.pieceCount,
    lastPieceLength: i.lastPieceLength,
    comment: i.comment,
    createdBy: i.createdBy,
    creationDate: i.creationDate,
    private: i.private,
    hasMetadata: i.hasMetadata,
    savePath: t.stats().savePath,
  };
}

export function peerView(p: PeerStats): PeerView {
  return {
    id: p.id,
    address: p.address,
    client: p.client,
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
    path: f.path,
    size: f.size,
    completedBytes: Math.min(f.size, f.completedBytes),
    progress: f.size > 0 ? Math.min(1, f.completedBytes / f.size) : 1,
    priority: f.priority,
    pad: f.pad,
  };
}

export function trackerView(t: TrackerStats): TrackerView {
  const next = t.nextAnnounce;
  return {
    url: t.url,
    tier: t.tier,
    status: t.status,
    message: t.message,
    lastAnnounce: t.lastAnnounce === null ? null : Math.floor(t.lastAnnounce),
    nextAnnounce: typeof next === 'number' && Number.isFinite(next) && next >= 0 ? Math.floor(next) : null,
    peers: t.peers,
    seeders: t.seeders,
    leechers: t.leechers,
  };
}
