/**
 * Tessera's main ↔ renderer contract. Import from here:
 *   import { connectTessera, PieceState, type TorrentSummary } from '../../shared/contract/index.js';
 * See README.md in this folder for the protocol in brief.
 */
export * from './validate.js';
export * from './base64.js';
export * from './varint.js';
export * from './piece-changes.js';
export * from './file-priority-runs.js';
export * from './types.js';
export * from './policies.js';
export * from './add-offer.js';
export * from './health.js';
export * from './piece-sources.js';
export * from './peer-pieces.js';
export * from './in-flight.js';
export * from './summary-changes.js';
export * from './create-torrent.js';
export * from './trackers.js';
export * from './commands.js';
export * from './events.js';
export * from './protocol.js';
export * from './client.js';
export * from './ws-client.js';
export * from './login-navigation.js';
