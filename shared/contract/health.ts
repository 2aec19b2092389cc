/**
 * "Why is it slow, or stuck?": the engine's diagnosis of one torrent (the `getHealth`
 * command), computed from its own facts (electron/engine/torrent/health.ts). Causes come
 * ranked, most likely first; each says what to do about it. An empty list means nothing
 * known holds the torrent back.
 */
import { array, infoHash, literal, object, string, type Validator } from './validate.js';

export const HEALTH_CAUSE_IDS = [
  'error',
  'paused',
  'metadata',
  'no-peers',
  'peers-unconnectable',
  'nobody-has-wanted',
  'pieces-nobody-has',
  'all-choke',
  'trackers-failing',
  'dht-not-bootstrapped',
  'download-limit',
  'disk-bottleneck',
  /** The peers we have send slower than we ask (an upload limit on their side): more peers would help. */
  'peers-slow',
  'hash-failures',
  'not-reachable',
  'queued',
] as const;
export type HealthCauseId = (typeof HEALTH_CAUSE_IDS)[number];

/** blocking: nothing downloads until it is fixed; slowing: it holds the speed down; info: worth knowing. */
export type HealthSeverity = 'blocking' | 'slowing' | 'info';
export const HEALTH_SEVERITIES: readonly HealthSeverity[] = ['blocking', 'slowing', 'info'];

export interface HealthCause {
  id: HealthCauseId;
  severity: HealthSeverity;
  /** One line, e.g. "Stuck at 99.3%: 12 pieces nobody has". */
  title: string;
  /** The facts behind it (tracker errors, peer addresses…). */
  detail: string;
  /** What to do about it. */
  action: string;
}

export interface TorrentHealth {
  infoHash: string;
  causes: HealthCause[];
}

/** More causes than there are ids never make sense; text fields are short lines. */
const LINE_MAX = 4096;

export const healthCause: Validator<HealthCause> = object<HealthCause>({
  id: literal(...HEALTH_CAUSE_IDS),
  severity: literal(...HEALTH_SEVERITIES),
  title: string({ max: LINE_MAX }),
  detail: string({ max: LINE_MAX }),
  action: string({ max: LINE_MAX }),
});

export const torrentHealth: Validator<TorrentHealth> = object<TorrentHealth>({
  infoHash,
  causes: array(healthCause, { max: HEALTH_CAUSE_IDS.length }),
});
