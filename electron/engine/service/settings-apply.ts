/** Settings changes: merging a validated patch, and pushing what the running engine can take. */
import type { Settings, SettingsPatch } from '../../../shared/contract/index.js';
import type { EngineSession } from '../api.js';

/** `current` with every field the patch names replaced (the patch never names a path). */
export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const next: Settings = { ...current };
  if (patch.listenPort !== undefined) next.listenPort = patch.listenPort;
  if (patch.maxPeersPerTorrent !== undefined) next.maxPeersPerTorrent = patch.maxPeersPerTorrent;
  if (patch.notifyOnComplete !== undefined) next.notifyOnComplete = patch.notifyOnComplete;
  if (patch.downloadLimit !== undefined) next.downloadLimit = patch.downloadLimit;
  if (patch.uploadLimit !== undefined) next.uploadLimit = patch.uploadLimit;
  if (patch.encryption !== undefined) next.encryption = patch.encryption;
  if (patch.confirmAdd !== undefined) next.confirmAdd = patch.confirmAdd;
  if (patch.closeToTray !== undefined) next.closeToTray = patch.closeToTray;
  if (patch.minimizeToTray !== undefined) next.minimizeToTray = patch.minimizeToTray;
  if (patch.startOnLogin !== undefined) next.startOnLogin = patch.startOnLogin;
  return next;
}

/**
 * Pushes the settings the engine takes while running: global rate limits, peers per torrent,
 * encryption — those that differ from `previous`, or all of them when `previous` is null
 * (at startup). The listening port applies at the next start.
 */
export function pushSettingsToSession(session: EngineSession, next: Settings, previous: Settings | null): void {
  if (!previous || next.downloadLimit !== previous.downloadLimit || next.uploadLimit !== previous.uploadLimit) {
    session.setRateLimits({ download: next.downloadLimit, upload: next.uploadLimit });
  }
  if (!previous || next.maxPeersPerTorrent !== previous.maxPeersPerTorrent) session.setMaxPeersPerTorrent(next.maxPeersPerTorrent);
  if (!previous || next.encryption !== previous.encryption) session.setEncryption(next.encryption);
}
