export { TesseraService, type ServiceConnection, type ServiceOptions, type ServicePlatform } from './service.js';
export { TorrentStore, type StoredTorrent } from './torrent-store.js';
