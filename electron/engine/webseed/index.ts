/** Web seeds: BEP 19 (url-list) and BEP 17 (httpseeds), fetched with bounded HTTP range requests. */
export { WebSeeds, MAX_WEB_SEEDS, type WebSeedHost } from './web-seeds.js';
export { WebSeed, BAN_AFTER_HASH_FAILURES } from './web-seed.js';
export { webSeedSources } from './sources.js';
export type { WebSeedSource, WebSeedKind } from './url-mapping.js';
