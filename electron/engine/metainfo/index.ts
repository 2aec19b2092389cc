/** .torrent parsing and creation. */
export type { DhtNode, Metainfo, TorrentFile } from './types.js';
export { MetainfoError, type MetainfoErrorCode } from './errors.js';
export { type V2Layout, type V2File, type V2PieceCheck, v2PieceCheck } from './v2-layout.js';
export { parseInfoDictionary, parseInfoDictionaryAsync, parseTorrent, parseTorrentAsync, type ParseOptions } from './parse.js';
export { resolveInSaveDir } from './save-path.js';
export { sanitizePathElement } from './sanitize.js';
export { MAX_CREATED_PIECE_LENGTH, MAX_PIECE_LENGTH } from './info-dict.js';
export { autoPieceLength, createTorrent, createTorrentWithSummary, type CreatedTorrent, type CreateTorrentOptions, type TorrentFormat } from './create.js';
