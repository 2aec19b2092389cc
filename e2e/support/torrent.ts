/** .torrent fixtures made by libtorrent (lt_create.py), never by Tessera's own code. */
import { PYTHON, requireTool, supportScript } from './tools.js';
import { runToEnd } from './process.js';

export interface TorrentFileInfo {
  /** '/'-separated, starting with the torrent name for multi-file torrents. */
  path: string;
  size: number;
  pad: boolean;
}

export interface TorrentInfo {
  /** The .torrent file written. */
  torrentPath: string;
  /** 40 lower-case hex: the hash on the wire (v1 SHA-1; for v2-only, the SHA-256's first 20 bytes). */
  infoHash: string;
  /** 64 lower-case hex SHA-256 (BEP 52) for v2 and hybrid torrents, else null. */
  infoHashV2: string | null;
  name: string;
  pieceLength: number;
  pieces: number;
  /** Bytes in the torrent including pad files. */
  totalSize: number;
  lastPieceLength: number;
  files: TorrentFileInfo[];
}

export interface CreateTorrentOptions {
  /** File or directory to make a torrent of; its basename becomes the torrent name. */
  path: string;
  /** Where to write the .torrent. */
  out: string;
  pieceLength: number;
  trackers?: string[];
  private?: boolean;
  comment?: string;
  /** BEP 47 pad files between files. */
  pad?: boolean;
  /** v1+v2 hybrid instead of v1 only. */
  hybrid?: boolean;
  /** v2-only (BEP 52) instead of v1 only. */
  v2?: boolean;
  /** BEP 19 `url-list` and BEP 17 `httpseeds` entries. */
  webSeeds?: string[];
  httpSeeds?: string[];
  /**
   * A single-file v1 torrent hashed by the script itself, for piece lengths libtorrent loads but
   * its create_torrent refuses (not a multiple of 16 KiB, 1, 2^30 - 1). Trackers only besides.
   */
  anyPieceLength?: boolean;
}

export async function createTorrent(opts: CreateTorrentOptions): Promise<TorrentInfo> {
  requireTool('libtorrent');
  const args = [supportScript('lt_create.py'), '--path', opts.path, '--out', opts.out, '--piece-length', String(opts.pieceLength)];
  for (const t of opts.trackers ?? []) args.push('--tracker', t);
  if (opts.private) args.push('--private');
  if (opts.comment !== undefined) args.push('--comment', opts.comment);
  if (opts.pad) args.push('--pad');
  if (opts.hybrid) args.push('--hybrid');
  if (opts.v2) args.push('--v2');
  if (opts.anyPieceLength) args.push('--any-piece-length');
  for (const url of opts.webSeeds ?? []) args.push('--web-seed', url);
  for (const url of opts.httpSeeds ?? []) args.push('--http-seed', url);
  const r = await runToEnd(PYTHON, args, { timeoutMs: 600_000, label: 'lt_create' });
  if (r.exit.code !== 0) throw new Error(`lt_create.py failed (exit ${r.exit.code}): ${r.stderr.trim()}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as Omit<TorrentInfo, 'torrentPath'>;
  return { torrentPath: opts.out, ...parsed };
}
