/**
 * "Why is it slow, or stuck?": ranks the causes that hold a torrent back, from facts the
 * engine already has (collected by health-facts.ts). Pure: same facts, same answer, so the
 * UI's health panel and `tessera download --verbose` say the same thing.
 */
import type { HealthCause, HealthCauseId, HealthSeverity } from '../../../shared/contract/health.js';
import type { TorrentState } from '../api.js';
import { reachVerdict, type ReachFacts } from './health-reach.js';
import { refillBatch } from './block-downloader.js';

export interface HealthTracker {
  url: string;
  status: 'idle' | 'announcing' | 'working' | 'error';
  message: string | null;
}

export interface HealthPeer {
  address: string;
  /** It has at least one piece we still want. */
  hasWanted: boolean;
  /** It chokes us (we cannot request). */
  chokesUs: boolean;
  /** Pieces it helped send that failed their hash check. */
  hashFailures: number;
  /** Payload bytes per second it sends us now. */
  downloadRate: number;
  /** Block requests we have waiting at it, and how many we may have (our pipeline target, its `reqq`). */
  requests: number;
  requestLimit: number;
}

export interface BannedPeer {
  address: string;
  /** Pieces it helped send that failed their hash check. */
  failures: number;
}

/** Everything the diagnosis looks at; every field is a fact the engine holds, nothing derived by guess. */
export interface HealthFacts {
  state: TorrentState;
  error: string | null;
  hasMetadata: boolean;
  private: boolean;
  /** Verified payload fraction, 0..1. */
  progress: number;
  /** Wanted pieces not verified yet. */
  wantedMissing: number;
  /** Of those, pieces no connected peer has. */
  wantedNobodyHas: number;
  /** Payload bytes per second now. */
  downloadRate: number;
  /** This torrent's own and the session's download limit, bytes/s (0 = none). */
  ownDownloadLimit: number;
  globalDownloadLimit: number;
  trackers: HealthTracker[];
  /** Nodes in the DHT routing table; null when the session runs no DHT. */
  dhtNodes: number | null;
  /** Peer addresses known (from trackers, DHT, PEX, the user) that we may dial. */
  knownPeers: number;
  /** Connection attempts in progress. */
  connecting: number;
  connected: HealthPeer[];
  /** Completed bytes are waiting for the disk so long that requests are held back. */
  diskBacklogged: boolean;
  hashFailures: number;
  banned: BannedPeer[];
  /** Whether peers outside can connect to us, as far as the session knows (health-reach.ts); null when unknown. */
  reachability: ReachFacts | null;
}

/** A limit counts as binding when the rate is at least this share of it. */
const LIMIT_BINDS_AT = 0.85;
/**
 * Peers we keep asked for all they may have, sending less than this each, are what holds the
 * download back (an upload limit on their side, a slow line). Faster, they are fine.
 */
const SLOW_PEER_RATE = 512 * 1024;
/** Peer addresses named in one line at most. */
const NAMES_SHOWN = 5;

const SEVERITY_RANK: Record<HealthSeverity, number> = { blocking: 0, slowing: 1, info: 2 };

export function diagnose(f: HealthFacts): HealthCause[] {
  const causes: HealthCause[] = [];
  const add = (id: HealthCauseId, severity: HealthSeverity, title: string, detail: string, action: string): void => {
    causes.push({ id, severity, title, detail, action });
  };

  if (f.state === 'error') {
    add('error', 'blocking', 'Stopped by an error', f.error ?? 'The torrent stopped with an error.', 'Fix what the message says (disk space, folder permissions), then resume to retry.');
    return causes;
  }
  if (f.state === 'paused') {
    add('paused', 'blocking', 'Paused', 'Nothing is transferred while the torrent is paused.', 'Resume it.');
    return causes;
  }
  if (f.state === 'queued') {
    // The session's queue, not the swarm, holds it: without this the panel said "nothing holds it back".
    add('queued', 'blocking', 'Queued', 'Other torrents use the active slots; this one waits its turn in the queue.', 'Move it up the queue ("Move to top of queue" in its menu), or raise the active torrent limits in Settings.');
    return causes;
  }
  if (f.state === 'seeding' || f.state === 'checking') return causes;
  if (f.state === 'metadata' && f.hasMetadata) {
    // A magnet added with "choose files first": the user, not the swarm, holds it.
    add('metadata', 'blocking', 'Waiting for your file choice', 'The metadata arrived; nothing is downloaded until the files are chosen.', 'Choose the files in the add dialog.');
    return causes;
  }

  const downloading = f.state === 'downloading' || f.state === 'metadata';
  const connectedCount = f.connected.length;
  const trackersFailing = f.trackers.filter((t) => t.status === 'error');
  const allTrackersFail = f.trackers.length > 0 && trackersFailing.length === f.trackers.length;
  const dhtDown = !f.private && f.dhtNodes !== null && f.dhtNodes === 0;
  const noSource = f.trackers.length === 0 || allTrackersFail;

  if (!f.hasMetadata) {
    add(
      'metadata',
      'blocking',
      'Waiting for the metadata (magnet link)',
      connectedCount > 0
        ? `Asking ${connectedCount} connected peer${s(connectedCount)} for the file list and piece hashes.`
        : 'No connected peer to ask for the file list and piece hashes yet.',
      'Wait for peers that support the metadata extension, or add the .torrent file instead.',
    );
  }

  if (connectedCount === 0 && downloading) {
    if (f.knownPeers === 0) {
      add(
        'no-peers',
        'blocking',
        'No peers found',
        [noSource ? (f.trackers.length === 0 ? 'The torrent has no trackers.' : 'Every tracker failed.') : 'The trackers have returned no peers yet.', dhtDown ? 'The DHT has no nodes.' : f.private ? 'Private torrent: no DHT or peer exchange.' : ''].filter(Boolean).join(' '),
        `${findPeersAdvice(f, 'Add a working tracker', 'or add a peer by address')}.`,
      );
    } else {
      add(
        'peers-unconnectable',
        'blocking',
        `${f.knownPeers} peer${s(f.knownPeers)} found, none connectable`,
        f.connecting > 0 ? `${f.connecting} connection attempt${s(f.connecting)} in progress; the others refused or timed out.` : 'Every connection attempt was refused or timed out.',
        'The peers may be behind firewalls; if encryption is set to "require" or "disable", try "allow".',
      );
    }
  }

  if (f.hasMetadata && connectedCount > 0 && f.wantedMissing > 0) {
    const useful = f.connected.filter((p) => p.hasWanted);
    const allNobodyHas = f.wantedNobodyHas === f.wantedMissing;
    if (useful.length === 0 && !allNobodyHas) {
      add(
        'nobody-has-wanted',
        'blocking',
        `Stuck at ${percent(f.progress)}: no connected peer has what we need`,
        `${connectedCount} peer${s(connectedCount)} connected; none has any of the ${f.wantedMissing} missing piece${s(f.wantedMissing)}.`,
        'Wait for a seed to join, or ask for more peers (trackers, DHT).',
      );
    } else if (f.wantedNobodyHas > 0) {
      const all = allNobodyHas;
      add(
        'pieces-nobody-has',
        all ? 'blocking' : 'info',
        all
          ? `Stuck at ${percent(f.progress)}: ${f.wantedNobodyHas} piece${s(f.wantedNobodyHas)} nobody has`
          : `${f.wantedNobodyHas} piece${s(f.wantedNobodyHas)} nobody connected has`,
        all
          ? `${connectedCount} peer${s(connectedCount)} connected; none has any of the ${f.wantedMissing} missing piece${s(f.wantedMissing)}.`
          : `Of the ${f.wantedMissing} missing pieces, ${f.wantedNobodyHas} ${f.wantedNobodyHas === 1 ? 'is' : 'are'} on none of the ${connectedCount} connected peer${s(connectedCount)}.`,
        'The download cannot finish until a peer with them connects: wait for a seed, or skip the files they belong to.',
      );
    }
    if (useful.length > 0 && useful.every((p) => p.chokesUs)) {
      add(
        'all-choke',
        'blocking',
        `All ${useful.length} peer${s(useful.length)} with pieces we need choke us`,
        `They are uploading to others; choked: ${names(useful.map((p) => p.address))}.`,
        'Usually temporary: peers rotate whom they upload to every few seconds. Uploading more (a higher upload limit) earns unchokes.',
      );
    }
  }

  if (trackersFailing.length > 0 && downloading) {
    const errors = trackersFailing.slice(0, NAMES_SHOWN).map((t) => `${t.url}: ${t.message ?? 'no reply'}`);
    const more = trackersFailing.length > NAMES_SHOWN ? ` (and ${trackersFailing.length - NAMES_SHOWN} more)` : '';
    add(
      'trackers-failing',
      allTrackersFail && connectedCount === 0 ? 'blocking' : allTrackersFail ? 'slowing' : 'info',
      allTrackersFail ? `Every tracker fails (${trackersFailing.length})` : `${trackersFailing.length} of ${f.trackers.length} trackers fail`,
      errors.join('; ') + more,
      'Check the tracker URLs and your connection; add working trackers if these are gone.',
    );
  }

  if (dhtDown && downloading) {
    add(
      'dht-not-bootstrapped',
      noSource && connectedCount === 0 ? 'blocking' : 'info',
      'DHT not bootstrapped',
      'The DHT routing table has no nodes, so it cannot find peers.',
      'Check that UDP traffic is allowed; it bootstraps from the well-known routers or nodes saved last time.',
    );
  }

  // The rate is averaged over the last seconds: with no peer left it still shows what the
  // peers that just left sent, and a limit no longer holds anything back.
  if (f.state === 'downloading' && f.downloadRate > 0 && connectedCount > 0) {
    const limits = [
      { limit: f.ownDownloadLimit, which: "This torrent's download limit", where: "the torrent's speed limits" },
      { limit: f.globalDownloadLimit, which: 'The global download limit', where: 'Settings' },
    ].filter((l) => l.limit > 0);
    const binding = limits.sort((a, b) => a.limit - b.limit)[0];
    if (binding && f.downloadRate >= binding.limit * LIMIT_BINDS_AT) {
      add(
        'download-limit',
        'slowing',
        `${binding.which} binds (${rate(binding.limit)})`,
        `Downloading at ${rate(f.downloadRate)} against a limit of ${rate(binding.limit)}.`,
        `Raise or remove it in ${binding.where}.`,
      );
    }
  }

  if (f.diskBacklogged && downloading) {
    add(
      'disk-bottleneck',
      'slowing',
      'The disk is the bottleneck',
      'Completed pieces wait to be hashed and written; requests are held back until the disk catches up.',
      'Save to a faster disk, or close programs that use it heavily.',
    );
  }

  // The peers themselves: every one that sends to us has all the requests it may have waiting,
  // and still sends little. Not our limit (named above: the limiter holds their data back), not
  // the disk (requests held back), not the picker (it would leave their pipelines short).
  const limitBinds = causes.some((c) => c.id === 'download-limit');
  if (f.state === 'downloading' && f.hasMetadata && f.wantedMissing > 0 && !limitBinds && !f.diskBacklogged) {
    const sending = f.connected.filter((p) => p.hasWanted && !p.chokesUs);
    const total = sending.reduce((sum, p) => sum + p.downloadRate, 0);
    const each = sending.length > 0 ? total / sending.length : 0;
    // Asked enough: no more free slots than the downloader waits for before it refills a pipeline.
    const askedEnough = (p: HealthPeer): boolean => p.requestLimit > 0 && p.requestLimit - p.requests < refillBatch(p.requestLimit);
    // Nothing received yet is no rate: right after an unchoke the first blocks are still on their way.
    if (sending.length > 0 && sending.every(askedEnough) && total > 0 && each < SLOW_PEER_RATE) {
      const n = sending.length;
      add(
        'peers-slow',
        'slowing',
        `Peers send slowly: ${n} peer${s(n)}, ${rate(each)} each`,
        `We keep ${n === 1 ? 'it' : 'each'} asked for all the blocks ${n === 1 ? 'it' : 'a peer'} may have waiting; ${n === 1 ? 'it sends' : 'they send'} slower than that (an upload limit or a slow line on their side): ${rate(total)} in all.`,
        `More peers would help: ${findPeersAdvice(f, 'add trackers', 'or raise the peers per torrent in Settings')}.`,
      );
    }
  }

  if (f.hashFailures > 0 || f.banned.length > 0) {
    const named = f.banned.length > 0 ? ` Banned: ${names(f.banned.map((b) => `${b.address} (${b.failures} bad piece${s(b.failures)})`))}.` : '';
    add(
      'hash-failures',
      // It slows us only while a peer that sent bad data is still connected; once those peers
      // are gone (left or banned) the failures are history, not a cause.
      f.connected.some((p) => p.hashFailures > 0) ? 'slowing' : 'info',
      `${f.hashFailures} piece${s(f.hashFailures)} failed the hash check`,
      `Their data was thrown away and is fetched again.${named}`,
      f.banned.length > 0 ? 'Nothing to do: the peers that sent bad data were banned.' : 'Nothing to do unless it keeps happening; a peer is banned after repeated bad pieces.',
    );
  }

  const reach = f.reachability;
  // "No incoming connection yet" alone is no evidence: listening on loopback only (a test set-up),
  // on a public address (no NAT in the way), or while the router is still being asked, it said
  // "not reachable" where nothing showed it. It is said only with evidence — mapping failed, no
  // incoming connection, no public address — and as a possibility when mapping is off and it may
  // be why no peer connects.
  // The same rule (reachVerdict) decides what the status bar and `tessera --verbose` say.
  const verdict = reach ? reachVerdict(reach) : null;
  if (reach && verdict && downloading && (verdict.kind === 'not-reachable' || verdict.why === 'no-evidence-yet')) {
    const couldMatter = connectedCount === 0 && f.knownPeers > 0;
    const ipv6 = reach.globalIPv6 ? ' IPv6 peers may still reach it (it has a global IPv6 address).' : '';
    if (verdict.kind === 'not-reachable') {
      add(
        'not-reachable',
        couldMatter ? 'slowing' : 'info',
        'Probably not reachable from outside',
        `Port mapping failed: ${reach.mappingError ?? 'unknown reason'}. No incoming connection seen, and this machine has no public IPv4 address (it is behind a router).${ipv6} Only peers we dial can be used.`,
        'Forward the listening port on your router, or enable UPnP / NAT-PMP there.',
      );
    } else if (reach.portMapping === 'off' && couldMatter) {
      add(
        'not-reachable',
        'info',
        'Maybe not reachable from outside',
        `No incoming connection seen yet and port mapping is off, so whether peers outside can connect is not known.${ipv6} If they cannot, only peers we dial can be used.`,
        'If no peer connects, forward the listening port on your router or turn port mapping on in Settings.',
      );
    }
  }

  return causes
    .map((c, order) => ({ c, order }))
    .sort((a, b) => SEVERITY_RANK[a.c.severity] - SEVERITY_RANK[b.c.severity] || a.order - b.order)
    .map(({ c }) => c);
}

/** One line per cause, for `tessera download --verbose`. */
export function describeHealth(causes: readonly HealthCause[]): string[] {
  if (causes.length === 0) return ['nothing known holds it back'];
  return causes.map((c) => `[${c.severity}] ${c.title}: ${c.detail} → ${c.action}`);
}

function s(n: number): string {
  return n === 1 ? '' : 's';
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).join(', ');
  return list.length > NAMES_SHOWN ? `${shown} and ${list.length - NAMES_SHOWN} more` : shown;
}

/** 99.3% — floor, so a torrent missing a few pieces never shows 100%. */
function percent(fraction: number): string {
  return `${(Math.floor(Math.max(0, Math.min(1, fraction)) * 1000) / 10).toFixed(1)}%`;
}

function rate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1024 * 1024) return `${(bytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s`;
  return `${Math.round(bytesPerSecond / 1024)} KiB/s`;
}

/**
 * What the user can do to find peers, naming only the discovery the torrent can use: "wait for
 * the DHT" means nothing to a session run without one (`--no-dht`), or to a private torrent.
 */
function findPeersAdvice(f: HealthFacts, first: string, last: string): string {
  const dht = f.private ? '' : f.dhtNodes === null ? 'turn the DHT on' : 'wait for the DHT and peer exchange to find more';
  return dht === '' ? `${first}, ${last}` : `${first}, ${dht}, ${last}`;
}
