/** Engine entry point: the only module the shell, host and CLI need to import. */
export * from './api.js';
export { createSession, Session, TorrentInputError } from './session/session.js';
export { dhtSettings } from './session/dht-settings.js';
export { defaultStateDir } from './session/state-dir.js';
