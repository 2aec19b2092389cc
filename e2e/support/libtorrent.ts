/**
 * libtorrent peers (python3-libtorrent 2.0 via Debian's /usr/bin/python3) for interop tests:
 * a seeder that stays up until stopped, and a leecher that reports its timing.
 * Every process is registered with the caller's Cleanup, so it is killed even when a test fails.
 */
import type { Cleanup } from './cleanup.js';
import { measured, readUsage, type Usage } from './measure.js';
import { inNamespace } from './netns.js';
import { ManagedProcess } from './process.js';
import { PYTHON, requireTool, supportScript } from './tools.js';

/** Options every libtorrent session takes (see lt_common.py). */
export interface LtSessionOptions {
  /** Listen IP, a literal loopback address (127.0.0.2 … for PEX tests). Default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 (default) = any free port, reported back. */
  port?: number;
  /** outgoing_interfaces; defaults to `host` when host is not 127.0.0.1. */
  outgoing?: string;
  dht?: boolean;
  /** host:port DHT bootstrap nodes (never a public host). */
  dhtBootstrap?: string[];
  noPex?: boolean;
  /** close_redundant_connections=false (seeds keep each other: PEX tests). */
  keepRedundant?: boolean;
  /** bytes/s, applied to loopback peers too. */
  uploadLimit?: number;
  downloadLimit?: number;
  trackers?: string[];
  /** host:port peers to dial. */
  peers?: string[];
  /** host:port peers to dial as BEP 52 peers (libtorrent's pex_lt_v2): a hybrid is dialled by its truncated v2 hash. */
  peersV2?: string[];
  logAlerts?: boolean;
  /** Allow uTP (off by default: TCP only). `utpOnly`: uTP on and TCP off, both directions. */
  utp?: boolean;
  utpOnly?: boolean;
  /** Extra libtorrent settings. */
  settings?: Record<string, string | number | boolean>;
  /** Echo the process output to stderr. */
  echo?: boolean;
  /** Run inside this network namespace (one the test created). */
  netns?: string;
}

/** "host:port", with brackets around an IPv6 host. */
export function ltEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** [command, args] for a libtorrent helper, inside the namespace when one is given. */
function ltCommand(o: LtSessionOptions, args: string[]): [string, string[]] {
  return o.netns ? inNamespace(o.netns, PYTHON, args) : [PYTHON, args];
}

function sessionArgs(o: LtSessionOptions): string[] {
  const host = o.host ?? '127.0.0.1';
  const args = ['--listen', ltEndpoint(host, o.port ?? 0)];
  const outgoing = o.outgoing ?? (host !== '127.0.0.1' ? host : undefined);
  if (outgoing) args.push('--outgoing', outgoing);
  if (o.dht) args.push('--dht');
  if (o.dhtBootstrap) args.push('--dht-bootstrap', o.dhtBootstrap.join(','));
  if (o.noPex) args.push('--no-pex');
  if (o.keepRedundant) args.push('--keep-redundant');
  if (o.uploadLimit) args.push('--upload-limit', String(o.uploadLimit));
  if (o.downloadLimit) args.push('--download-limit', String(o.downloadLimit));
  for (const t of o.trackers ?? []) args.push('--tracker', t);
  for (const p of o.peers ?? []) args.push('--peer', p);
  for (const p of o.peersV2 ?? []) args.push('--peer-v2', p);
  if (o.logAlerts) args.push('--log-alerts');
  if (o.utp || o.utpOnly) args.push('--utp');
  if (o.utpOnly) args.push('--setting', 'enable_outgoing_tcp=false', '--setting', 'enable_incoming_tcp=false');
  for (const [k, v] of Object.entries(o.settings ?? {})) args.push('--setting', `${k}=${String(v)}`);
  return args;
}

export interface LtSeederOptions extends LtSessionOptions {
  /** .torrent files to seed. */
  torrents: string[];
  /** Directory holding their data (the torrent name is resolved inside it). */
  save: string;
  /** Trust the data instead of hashing it before READY. */
  seedMode?: boolean;
  /** Seed what is there even if incomplete. */
  allowPartial?: boolean;
  /** Never download (libtorrent's upload_mode): with allowPartial, a peer that stays partial. */
  uploadMode?: boolean;
  /** Seconds between {"event":"status"} lines (0 = none). */
  statusInterval?: number;
  readyTimeoutMs?: number;
}

export interface LtSeeder {
  host: string;
  port: number;
  /** "host:port", ready for `--peer`. */
  address: string;
  infoHashes: string[];
  proc: ManagedProcess;
  stop(): Promise<void>;
}

/** Start a libtorrent seeder; resolves once its data is verified and it listens. */
export async function startLtSeeder(cleanup: Cleanup, opts: LtSeederOptions): Promise<LtSeeder> {
  requireTool('libtorrent');
  const args = [supportScript('lt_seed.py'), '--save', opts.save, ...sessionArgs(opts)];
  for (const t of opts.torrents) args.push('--torrent', t);
  if (opts.seedMode) args.push('--seed-mode');
  if (opts.allowPartial) args.push('--allow-partial');
  if (opts.uploadMode) args.push('--upload-mode');
  if (opts.statusInterval) args.push('--status-interval', String(opts.statusInterval));
  const host = opts.host ?? '127.0.0.1';
  const [seedCmd, seedArgs] = ltCommand(opts, args);
  const proc = new ManagedProcess(seedCmd, seedArgs, { label: `lt_seed@${host}`, echo: opts.echo });
  cleanup.add(() => proc.stop());
  const line = await proc.waitForLine(/^READY /, opts.readyTimeoutMs ?? 300_000);
  const ready = JSON.parse(line.slice('READY '.length)) as { port: number; infoHashes: string[] };
  return {
    host,
    port: ready.port,
    address: ltEndpoint(host, ready.port),
    infoHashes: ready.infoHashes,
    proc,
    stop: async () => {
      await proc.stop();
    },
  };
}

export interface LtLeecherOptions extends LtSessionOptions {
  torrent?: string;
  magnet?: string;
  save: string;
  timeoutSeconds?: number;
  /** Seconds between progress lines (0 = none). Default 0.5. */
  progressInterval?: number;
  /** Keep seeding after completion until stopped. */
  seedAfter?: boolean;
  sequential?: boolean;
  /** Add `pieces` (indices of the pieces it verified) to the `timeout` and `done` lines. */
  reportPieces?: boolean;
  /** host:port peers dialled only once a piece has failed its hash check. */
  peersAfterHashFailure?: string[];
  /** Print BEP 52 hash messages (libtorrent's peer log) as {"event":"hash-message"} lines. */
  logHashMessages?: boolean;
  /** Run under rusage.py and report the kernel's CPU/RSS figures for the process. */
  measureTo?: string;
}

export interface LtLeechResult {
  seconds: number;
  bytes: number;
  rateMiBs: number;
  hashFailures: number;
  /** Peers that sent payload (polled: each figure is a lower bound). */
  peers: Array<{ endpoint: string; downloaded: number; client: string }>;
  /** Self-reported by the python process (getrusage SELF). */
  cpuSeconds: number;
  peakRssBytes: number;
  /** From the rusage wrapper when `measureTo` was given (after the process exited). */
  usage?: Usage;
}

export interface LtLeecher {
  /** Its listen port, so others (e.g. a Tessera seeder) can be told about it. */
  port: number;
  address: string;
  proc: ManagedProcess;
  /** Resolves with the final report; rejects with the process output if it failed or timed out. */
  done: Promise<LtLeechResult>;
  stop(): Promise<void>;
}

export async function startLtLeecher(cleanup: Cleanup, opts: LtLeecherOptions): Promise<LtLeecher> {
  requireTool('libtorrent');
  if (!opts.torrent === !opts.magnet) throw new Error('startLtLeecher: give exactly one of torrent or magnet');
  const args = [supportScript('lt_leech.py'), '--save', opts.save, ...sessionArgs(opts)];
  if (opts.torrent) args.push('--torrent', opts.torrent);
  if (opts.magnet) args.push('--magnet', opts.magnet);
  args.push('--timeout', String(opts.timeoutSeconds ?? 300));
  args.push('--progress-interval', String(opts.progressInterval ?? 0.5));
  if (opts.seedAfter) args.push('--seed-after');
  if (opts.sequential) args.push('--sequential');
  if (opts.reportPieces) args.push('--report-pieces');
  for (const p of opts.peersAfterHashFailure ?? []) args.push('--peer-after-hash-failure', p);
  if (opts.logHashMessages) args.push('--log-hash-messages');
  const [cmd, argv] = opts.measureTo ? measured(PYTHON, args, opts.measureTo) : ltCommand(opts, args);
  const host = opts.host ?? '127.0.0.1';
  const proc = new ManagedProcess(cmd, argv, { label: `lt_leech@${host}`, echo: opts.echo });
  cleanup.add(() => proc.stop());
  const listen = await proc.waitForLine(/^LISTEN /, 60_000);
  const port = (JSON.parse(listen.slice('LISTEN '.length)) as { port: number }).port;
  const done = (async (): Promise<LtLeechResult> => {
    const line = await proc.waitForLine(/^\{"event":"done"/, (opts.timeoutSeconds ?? 300) * 1000 + 30_000);
    const result = JSON.parse(line) as LtLeechResult;
    if (opts.measureTo && !opts.seedAfter) {
      const exit = await proc.exited;
      if (exit.code !== 0) throw new Error(`lt_leech exited with ${exit.code}\n${proc.describe()}`);
      result.usage = await readUsage(opts.measureTo);
    }
    return result;
  })();
  // Avoid an unhandled rejection if the caller only stops it.
  done.catch(() => undefined);
  return {
    port,
    address: ltEndpoint(host, port),
    proc,
    done,
    stop: async () => {
      await proc.stop();
    },
  };
}

/** Download with a libtorrent leecher and wait for it to finish. */
export async function runLtLeecher(cleanup: Cleanup, opts: LtLeecherOptions): Promise<LtLeechResult> {
  const l = await startLtLeecher(cleanup, opts);
  return l.done;
}
