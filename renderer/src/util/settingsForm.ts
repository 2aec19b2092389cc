/**
 * The Settings dialog's form: what the inputs hold (text, as typed) and the checked patch
 * sent with `setSettings`. Pure, so the rules are tested without a DOM.
 */
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, MAX_PEERS_PER_TORRENT, type EncryptionMode, type Settings, type SettingsPatch } from '../../../shared/contract/index.js';
import { limitToKiBText, parseKiBLimit } from './limits.js';

export interface SettingsForm {
  listenPort: string;
  maxPeersPerTorrent: string;
  /** Peer connections of all torrents together. */
  maxConnections: string;
  /** Connections one IP address may hold in one torrent; "0" = no cap. */
  maxConnectionsPerIp: string;
  /** KiB/s, "0" = unlimited. */
  downloadLimit: string;
  uploadLimit: string;
  encryption: EncryptionMode;
  notifyOnComplete: boolean;
  /** Show the add dialog before adding (unchecked = "don't ask again"). */
  confirmAdd: boolean;
  /** Privacy (qBittorrent's Settings → BitTorrent): DHT, PeX and LSD; and UPnP / NAT-PMP port forwarding. Absent in the settings = on. */
  dht: boolean;
  pex: boolean;
  lsd: boolean;
  portMapping: boolean;
  /** Desktop app only: the tray and start on login. */
  closeToTray: boolean;
  minimizeToTray: boolean;
  startOnLogin: boolean;
}

export function settingsForm(s: Settings | null): SettingsForm {
  return {
    listenPort: s ? String(s.listenPort) : '',
    maxPeersPerTorrent: s ? String(s.maxPeersPerTorrent) : '',
    maxConnections: s ? String(s.maxConnections ?? DEFAULT_MAX_CONNECTIONS) : '',
    maxConnectionsPerIp: s ? String(s.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP) : '',
    downloadLimit: limitToKiBText(s?.downloadLimit ?? 0),
    uploadLimit: limitToKiBText(s?.uploadLimit ?? 0),
    encryption: s?.encryption ?? 'allow',
    notifyOnComplete: s?.notifyOnComplete ?? true,
    confirmAdd: s?.confirmAdd ?? true,
    dht: s?.dht ?? true,
    pex: s?.pex ?? true,
    lsd: s?.lsd ?? true,
    portMapping: s?.portMapping ?? true,
    closeToTray: s?.closeToTray ?? false,
    minimizeToTray: s?.minimizeToTray ?? false,
    startOnLogin: s?.startOnLogin ?? false,
  };
}

/** The fields this form edits (queue, seeding limits, categories and alternative speeds have their own); the tray settings only on the desktop. */
type DesktopSettings = 'closeToTray' | 'minimizeToTray' | 'startOnLogin';
export type BasicSettingsPatch = Required<Pick<SettingsPatch, 'listenPort' | 'maxPeersPerTorrent' | 'maxConnections' | 'maxConnectionsPerIp' | 'notifyOnComplete' | 'downloadLimit' | 'uploadLimit' | 'encryption' | 'confirmAdd' | 'dht' | 'pex' | 'lsd' | 'portMapping'>> &
  Pick<SettingsPatch, DesktopSettings>;

export type SettingsFormResult = { ok: true; patch: BasicSettingsPatch } | { ok: false; problem: string };

/** Checks every field; the first problem is reported in words a user can act on. `desktop`: the tray settings apply (Electron). */
export function settingsPatch(form: SettingsForm, desktop = false): SettingsFormResult {
  const port = form.listenPort.trim();
  if (!/^\d+$/.test(port) || Number(port) > 65535) return { ok: false, problem: 'The listening port must be a number from 0 to 65535 (0 = any free port).' };
  const peers = form.maxPeersPerTorrent.trim();
  if (!/^\d+$/.test(peers) || Number(peers) < 1 || Number(peers) > MAX_PEERS_PER_TORRENT) {
    return { ok: false, problem: `Peers per torrent must be a number from 1 to ${MAX_PEERS_PER_TORRENT}.` };
  }
  const total = form.maxConnections.trim();
  if (!/^\d+$/.test(total) || Number(total) < 1 || Number(total) > MAX_CONNECTIONS) {
    return { ok: false, problem: `Connections in all must be a number from 1 to ${MAX_CONNECTIONS}.` };
  }
  const perIp = form.maxConnectionsPerIp.trim();
  if (!/^\d+$/.test(perIp) || Number(perIp) > MAX_CONNECTIONS_PER_IP) {
    return { ok: false, problem: `Connections per IP address must be a number from 0 to ${MAX_CONNECTIONS_PER_IP} (0 = no limit).` };
  }
  const down = parseKiBLimit(form.downloadLimit, 'The download limit');
  if (!down.ok) return down;
  const up = parseKiBLimit(form.uploadLimit, 'The upload limit');
  if (!up.ok) return up;
  return {
    ok: true,
    patch: {
      listenPort: Number(port),
      maxPeersPerTorrent: Number(peers),
      maxConnections: Number(total),
      maxConnectionsPerIp: Number(perIp),
      notifyOnComplete: form.notifyOnComplete,
      downloadLimit: down.bytesPerSecond,
      uploadLimit: up.bytesPerSecond,
      encryption: form.encryption,
      confirmAdd: form.confirmAdd,
      dht: form.dht,
      pex: form.pex,
      lsd: form.lsd,
      portMapping: form.portMapping,
      ...(desktop ? { closeToTray: form.closeToTray, minimizeToTray: form.minimizeToTray, startOnLogin: form.startOnLogin } : {}),
    },
  };
}
