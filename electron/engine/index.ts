/** Engine entry point: the only module the shell, host and CLI need to import. */
export * from './api.js';
export { createSession, Session, TorrentInputError } from './session/session.js';
export { dhtSettings } from './session/dht-settings.js';
export { defaultStateDir } from './session/state-dir.js';
export { reachSettings } from './session/reach-settings.js';
export { describeReachability, type Reachability } from './session/reachability.js';
export { describeHealth } from './torrent/health.js';
