/** Settings changes: merging a validated patch, and pushing what the running engine can take. */
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP, effectiveRateLimits, queueOf, seedingLimitsOf, type Settings, type SettingsPatch } from '../../../shared/contract/index.js';
import type { EngineSession, PeerSourceSwitches } from '../api.js';

/** `current` with every field the patch names replaced (the patch never names a path). */
export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const next: Settings = { ...current };
  if (patch.listenPort !== undefined) next.listenPort = patch.listenPort;
  if (patch.maxPeersPerTorrent !== undefined) next.maxPeersPerTorrent = patch.maxPeersPerTorrent;
  if (patch.maxConnectionsPerIp !== undefined) next.maxConnectionsPerIp = patch.maxConnectionsPerIp;
  if (patch.maxConnections !== undefined) next.maxConnections = patch.maxConnections;
  if (patch.notifyOnComplete !== undefined) next.notifyOnComplete = patch.notifyOnComplete;
  if (patch.downloadLimit !== undefined) next.downloadLimit = patch.downloadLimit;
  if (patch.uploadLimit !== undefined) next.uploadLimit = patch.uploadLimit;
  if (patch.encryption !== undefined) next.encryption = patch.encryption;
  if (patch.confirmAdd !== undefined) next.confirmAdd = patch.confirmAdd;
  if (patch.queueing !== undefined) next.queueing = { ...patch.queueing };
  if (patch.seedingLimits !== undefined) next.seedingLimits = { ...patch.seedingLimits };
  if (patch.categories !== undefined) next.categories = patch.categories.map((c) => ({ ...c }));
  if (patch.altSpeed !== undefined) next.altSpeed = { ...patch.altSpeed, days: [...patch.altSpeed.days] };
  if (patch.watchFolder !== undefined) next.watchFolder = { ...patch.watchFolder };
  if (patch.closeToTray !== undefined) next.closeToTray = patch.closeToTray;
  if (patch.minimizeToTray !== undefined) next.minimizeToTray = patch.minimizeToTray;
  if (patch.startOnLogin !== undefined) next.startOnLogin = patch.startOnLogin;
  if (patch.dht !== undefined) next.dht = patch.dht;
  if (patch.pex !== undefined) next.pex = patch.pex;
  if (patch.lsd !== undefined) next.lsd = patch.lsd;
  if (patch.portMapping !== undefined) next.portMapping = patch.portMapping;
  return next;
}

/**
 * Pushes the settings the engine takes while running: global rate limits (the alternative ones
 * while active), peers per torrent, encryption, queueing, seeding limits — those that differ from `previous`, or all of them when `previous` is null
 * (at startup). The listening port applies at the next start.
 */
export function pushSettingsToSession(session: EngineSession, next: Settings, previous: Settings | null): void {
  const limits = effectiveRateLimits(next);
  const before = previous ? effectiveRateLimits(previous) : null;
  if (!before || limits.download !== before.download || limits.upload !== before.upload) session.setRateLimits(limits);
  if (!previous || JSON.stringify(queueOf(next)) !== JSON.stringify(queueOf(previous))) session.setQueueSettings(queueOf(next));
  if (!previous || JSON.stringify(seedingLimitsOf(next)) !== JSON.stringify(seedingLimitsOf(previous))) session.setSeedingLimits(seedingLimitsOf(next));
  if (!previous || next.maxPeersPerTorrent !== previous.maxPeersPerTorrent) session.setMaxPeersPerTorrent(next.maxPeersPerTorrent);
  if (!previous || next.encryption !== previous.encryption) session.setEncryption(next.encryption);
  if (!previous || next.maxConnectionsPerIp !== previous.maxConnectionsPerIp) session.setMaxConnectionsPerIp(next.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP);
  if (!previous || next.maxConnections !== previous.maxConnections) session.setMaxConnections(next.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
}

/** The privacy switches of `settings` (absent = on, as before they existed): SessionOptions.peerSources at start. */
export function peerSourcesOf(settings: Settings): PeerSourceSwitches {
  return { dht: settings.dht ?? true, pex: settings.pex ?? true, lsd: settings.lsd ?? true, portMapping: settings.portMapping ?? true };
}

/**
 * Pushes the DHT, PEX, LSD and port-mapping switches when they differ from `previous` (all at
 * startup): they apply at once (session.ts setPeerSources). Resolves once the engine has
 * carried them out (sockets closed, mappings removed).
 */
export async function pushPeerSources(session: EngineSession, next: Settings, previous: Settings | null): Promise<void> {
  const wanted = peerSourcesOf(next);
  const before = previous ? peerSourcesOf(previous) : null;
  if (before && JSON.stringify(before) === JSON.stringify(wanted)) return;
  await session.setPeerSources?.(wanted);
}
