import type { V2Layout } from './v2-layout.js';
/** The parsed, validated form of a .torrent, as the rest of the engine uses it. */

export interface TorrentFile {
  /**
   * Sanitized path relative to the save directory, '/'-joined. Multi-file torrents start
   * with the torrent's (sanitized) name as the top directory, like libtorrent's file_path();
   * for a single-file torrent it is just the name. Pass it to `resolveInSaveDir`.
   */
  path: string;
  /** `path` split on '/'. */
  pathElements: string[];
  length: number;
  /** Byte offset of this file in the torrent's concatenated payload (pad files included). */
  offset: number;
  /** BEP 47 pad file (attr 'p', or the legacy "_____padding_file_" name): never written to disk. */
  pad: boolean;
  /** BEP 47 attribute string as found in the torrent ('' when absent). */
  attr: string;
  /**
   * For a BEP 47 symlink, its target in the same convention as `path`. A target that does
   * not resolve to a file or directory of this torrent points at the link itself (as in
   * libtorrent), so `symlinkTarget === path` means "nothing valid to link to".
   */
  symlinkTarget: string | null;
  executable: boolean;
  hidden: boolean;
}

export interface DhtNode {
  host: string;
  port: number;
}

export interface Metainfo {
  /**
   * The torrent's 20-byte wire hash: SHA-1 of the original bytes of the info dictionary (v1 and
   * hybrid), or the first 20 bytes of its SHA-256 (v2-only, as BEP 52 says).
   */
  infoHash: Buffer;
  infoHashHex: string;
  /** Sanitized name; the hex info-hash when the name sanitizes to nothing. */
  name: string;
  pieceLength: number;
  pieceCount: number;
  lastPieceLength: number;
  /** 20 bytes per piece. */
  pieceHashes: Buffer;
  /** All file lengths, pad files included. */
  totalLength: number;
  /** File lengths without pad files. */
  payloadLength: number;
  files: TorrentFile[];
  /** The info dictionary has a 'files' list (even with one entry). */
  multiFile: boolean;
  private: boolean;
  /** Tracker tiers (BEP 12); falls back to [[announce]]; empty URLs dropped, leading whitespace trimmed. */
  announce: string[][];
  /** BEP 19 web seeds, as listed (deduplicated, empty entries dropped). */
  urlList: string[];
  /** BEP 17 HTTP seeds, as listed. */
  httpSeeds: string[];
  dhtNodes: DhtNode[];
  comment: string | null;
  createdBy: string | null;
  /** info['source'], as qBittorrent's creator and private trackers set it (part of the info-hash); null when absent. */
  source: string | null;
  /** Seconds since the epoch. */
  creationDate: number | null;
  /** The info dictionary exactly as it appeared in the input. */
  infoBytes: Buffer;
  /** A v1+v2 hybrid: its pieces are checked against both the SHA-1 and the merkle hashes. */
  hybrid: boolean;
  /** SHA-256 of the info dictionary (BEP 52), for v2-only and hybrid torrents. */
  infoHashV2: Buffer | null;
  /** v2 merkle data per file (v2-only and hybrid); null for v1. */
  v2: V2Layout | null;
}
