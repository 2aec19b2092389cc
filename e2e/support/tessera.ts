/**
 * Running Tessera's CLI from its build output (dist/), as a user would. Tests assume
 * `npm run build` ran first; without it they fail with a message saying so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { measured, readUsage, type Usage } from './measure.js';
import { inNamespace } from './netns.js';
import { ManagedProcess, runToEnd, type ExitInfo } from './process.js';
import { REPO_ROOT } from './tools.js';

/**
 * The built CLI. TESSERA_CLI in the environment points the harness at another build of it
 * (e.g. a packaged one, or a stand-in used to check the harness itself).
 */
export const TESSERA_CLI = process.env.TESSERA_CLI ?? join(REPO_ROOT, 'dist', 'cli', 'main.js');

export function requireBuiltCli(): string {
  if (!existsSync(TESSERA_CLI)) {
    throw new Error(`Tessera's CLI is not built: ${TESSERA_CLI} is missing. Run \`npm run build\` first (npm test does).`);
  }
  return TESSERA_CLI;
}

/**
 * Environment for a Tessera child: no colours; port mapping and LSD off; the DHT off unless TESSERA_DHT_BOOTSTRAP is set
 * (an empty value turns it off: no test or benchmark may contact the public bootstrap routers),
 * and when on, its routing table takes several nodes per IP (every test node is on 127.0.0.1);
 * and with `configHome`, the state folder (TESSERA_STATE_DIR) and every XDG base directory under
 * that folder, so a test's resume/state files never leak into another test or $HOME.
 */
export function tesseraEnv(configHome?: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    TESSERA_DHT_BOOTSTRAP: process.env.TESSERA_DHT_BOOTSTRAP ?? '',
    TESSERA_DHT_RESTRICT_ROUTING_IPS: process.env.TESSERA_DHT_RESTRICT_ROUTING_IPS ?? '0',
    // No port mapping (SSDP, NAT-PMP, PCP) and no LSD multicast towards a real network; a test
    // inside its own network namespaces turns them on through `extra`.
    TESSERA_PORT_MAPPING: process.env.TESSERA_PORT_MAPPING ?? '0',
    TESSERA_LSD: process.env.TESSERA_LSD ?? '0',
    ...extra,
  };
  if (configHome) {
    env.TESSERA_STATE_DIR = join(configHome, 'state-dir');
    env.XDG_CONFIG_HOME = join(configHome, 'config');
    env.XDG_DATA_HOME = join(configHome, 'data');
    env.XDG_STATE_HOME = join(configHome, 'state');
    env.XDG_CACHE_HOME = join(configHome, 'cache');
  }
  return env;
}

export interface CliResult {
  exit: ExitInfo;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Wall-clock ms from spawn to exit. */
  wallMs: number;
}

/** Run `tessera <args>` to completion (killed after timeoutMs). */
export async function runTessera(
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; configHome?: string } = {},
): Promise<CliResult> {
  const cli = requireBuiltCli();
  const started = Date.now();
  const r = await runToEnd(process.execPath, [cli, ...args], {
    timeoutMs: opts.timeoutMs ?? 120_000,
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env ?? tesseraEnv(opts.configHome),
    label: 'tessera',
  });
  return { exit: r.exit, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut, wallMs: r.exit.at - started };
}

/** The object `tessera download --json` prints at the end (issue 2, "CLI"). */
export interface DownloadJson {
  infoHash: string;
  size: number;
  downloaded: number;
  seconds: number;
  /** From adding the torrent to the session (session start-up excluded) to complete. */
  secondsFromAdd?: number;
  peers: number;
  hashFailures: number;
  [key: string]: unknown;
}

export interface DownloadOptions {
  torrent: string;
  dir: string;
  /** "host:port" peers for --peer. */
  peers: string[];
  /** --port (default 0: any free port, so parallel runs never collide). */
  port?: number;
  extraArgs?: string[];
  timeoutMs?: number;
  /** Run under rusage.py (benchmark). */
  measureTo?: string;
  env?: NodeJS.ProcessEnv;
  /** Isolated XDG dirs for Tessera's state (see tesseraEnv). */
  configHome?: string;
  /** Run inside this network namespace (one the test created). */
  netns?: string;
}

export interface DownloadResult extends CliResult {
  /** The parsed --json object (null when none was printed: see stdout/stderr). */
  json: DownloadJson | null;
  usage?: Usage;
}

function lastJsonObject(stdout: string): DownloadJson | null {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t) as DownloadJson;
    } catch {
      // keep looking
    }
  }
  // A pretty-printed object spanning several lines.
  const start = stdout.lastIndexOf('\n{');
  const from = start >= 0 ? start + 1 : stdout.indexOf('{');
  if (from >= 0) {
    try {
      return JSON.parse(stdout.slice(from)) as DownloadJson;
    } catch {
      return null;
    }
  }
  return null;
}

export function downloadArgs(opts: DownloadOptions): string[] {
  const args = ['download', opts.torrent, '--dir', opts.dir, '--port', String(opts.port ?? 0), '--json'];
  for (const p of opts.peers) args.push('--peer', p);
  return [...args, ...(opts.extraArgs ?? [])];
}

/** `tessera download <torrent> --dir D --peer … --port 0 --json`, to completion. */
export async function tesseraDownload(opts: DownloadOptions): Promise<DownloadResult> {
  const cli = requireBuiltCli();
  const args = [cli, ...downloadArgs(opts)];
  const [cmd, argv] = opts.measureTo ? measured(process.execPath, args, opts.measureTo) : opts.netns ? inNamespace(opts.netns, process.execPath, args) : [process.execPath, args];
  const started = Date.now();
  const r = await runToEnd(cmd, argv, {
    timeoutMs: opts.timeoutMs ?? 240_000,
    cwd: REPO_ROOT,
    env: opts.env ?? tesseraEnv(opts.configHome),
    label: 'tessera download',
  });
  const result: DownloadResult = {
    exit: r.exit,
    stdout: r.stdout,
    stderr: r.stderr,
    timedOut: r.timedOut,
    wallMs: r.exit.at - started,
    json: lastJsonObject(r.stdout),
  };
  if (opts.measureTo && !r.timedOut) result.usage = await readUsage(opts.measureTo).catch(() => undefined);
  return result;
}

/** A one-paragraph account of a CLI run for assertion messages. */
export function describeRun(r: CliResult): string {
  const how = r.timedOut ? 'TIMED OUT (killed)' : `exit ${r.exit.code}${r.exit.signal ? ` signal ${r.exit.signal}` : ''}`;
  return `tessera: ${how} after ${r.wallMs} ms\n--- stdout (tail) ---\n${r.stdout.slice(-3000)}\n--- stderr (tail) ---\n${r.stderr.slice(-3000)}`;
}

/** Start a long-running Tessera command (e.g. `seed`, for issue 5) registered with cleanup. */
export function startTessera(
  cleanup: Cleanup,
  args: string[],
  opts: { echo?: boolean; env?: NodeJS.ProcessEnv; configHome?: string } = {},
): ManagedProcess {
  const cli = requireBuiltCli();
  const proc = new ManagedProcess(process.execPath, [cli, ...args], {
    cwd: REPO_ROOT,
    env: opts.env ?? tesseraEnv(opts.configHome),
    label: `tessera ${args[0] ?? ''}`,
    echo: opts.echo,
  });
  cleanup.add(() => proc.stop());
  return proc;
}

export interface TesseraSeedOptions {
  torrent: string;
  /** Folder holding the data (the torrent's name is resolved inside it). */
  dir: string;
  /** State folder (--state-dir); give each test its own so resume records never mix. */
  stateDir: string;
  /** --port (default 0: any free port, reported in the `ready` line). */
  port?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
  echo?: boolean;
}

/** A running `tessera seed --json` (issue 5). */
export interface TesseraSeeder {
  port: number;
  /** "127.0.0.1:port", ready for a libtorrent `--peer`. */
  address: string;
  /** The `ready` object. */
  ready: Record<string, unknown>;
  proc: ManagedProcess;
  /** The latest `status` object printed (null before the first one). */
  lastStatus(): Record<string, unknown> | null;
  /** Ctrl-C (SIGINT), as a user stops it; resolves with the exit. */
  interrupt(timeoutMs?: number): Promise<ExitInfo>;
}

/** `tessera seed <torrent> --dir D --state-dir S --port P --json --no-dht`; resolves once `ready` is printed. */
export async function startTesseraSeed(cleanup: Cleanup, opts: TesseraSeedOptions): Promise<TesseraSeeder> {
  const args = ['seed', opts.torrent, '--dir', opts.dir, '--state-dir', opts.stateDir, '--port', String(opts.port ?? 0), '--json', '--no-dht', ...(opts.extraArgs ?? [])];
  const proc = startTessera(cleanup, args, { echo: opts.echo });
  const line = await proc.waitForLine(/^\{"event":"ready"/, opts.readyTimeoutMs ?? 120_000);
  const ready = JSON.parse(line) as Record<string, unknown>;
  const port = typeof ready.port === 'number' ? ready.port : 0;
  if (!port) throw new Error(`tessera seed printed no port: ${line}\n${proc.describe()}`);
  return {
    port,
    address: `127.0.0.1:${port}`,
    ready,
    proc,
    lastStatus: () => proc.jsonLines().filter((l) => l.event === 'status').at(-1) ?? null,
    interrupt: async (timeoutMs = 10_000) => {
      if (proc.exitInfo) return proc.exitInfo;
      proc.child.kill('SIGINT');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
      const info = await proc.exited;
      clearTimeout(timer);
      return info;
    },
  };
}
