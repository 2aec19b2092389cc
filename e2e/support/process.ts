/**
 * Child processes for interop tests: line-oriented stdout, a bounded stderr tail for error
 * messages, and a kill that always happens (registered with a Cleanup, and SIGKILL on exit
 * of the test worker as a last resort).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process exited. */
  at: number;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdin open as a pipe (the python helpers exit when it closes). Default true. */
  stdinPipe?: boolean;
  /** Label used in error messages. */
  label?: string;
  /** Echo child output to the test's stderr (debugging). Default: env TESSERA_E2E_VERBOSE. */
  echo?: boolean;
}

/** A running child with its stdout as lines and the tail of its stderr. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly label: string;
  readonly lines: string[] = [];
  readonly startedAt = Date.now();
  private stderrTail = '';
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | null = null;

  constructor(command: string, args: string[], opts: StartOptions = {}) {
    installExitHook();
    this.label = opts.label ?? command.split('/').pop() ?? command;
    const echo = opts.echo ?? Boolean(process.env.TESSERA_E2E_VERBOSE);
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.stdinPipe === false ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    };
    this.child = spawn(command, args, spawnOpts);
    live.add(this.child);
    this.exited = new Promise<ExitInfo>((resolve) => {
      let exitAt = 0;
      // 'exit' gives the moment it ended; 'close' comes once its stdout/stderr are drained.
      this.child.once('exit', () => {
        exitAt = Date.now();
        live.delete(this.child);
      });
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        this.exitInfo = { code, signal, at: exitAt || Date.now() };
        resolve(this.exitInfo);
      });
      this.child.once('error', (err) => {
        live.delete(this.child);
        this.stderrTail += `\nspawn error: ${err.message}`;
        this.exitInfo = { code: -1, signal: null, at: Date.now() };
        resolve(this.exitInfo);
      });
    });
    // Without a reader the pipe stays open; swallow EPIPE when the child is gone.
    this.child.stdin?.on('error', () => undefined);
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        this.lines.push(line);
        if (echo) process.stderr.write(`[${this.label}] ${line}\n`);
        this.waiters = this.waiters.filter((w) => {
          if (w.re.test(line)) {
            w.resolve(line);
            return false;
          }
          return true;
        });
      });
    }
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (echo) process.stderr.write(`[${this.label}!] ${chunk.toString()}`);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-8000);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  get stdout(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first stdout line (past or future) matching `re`; rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new Error(`${this.label}: no line matching ${re} within ${timeoutMs} ms.\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.push({
        re,
        resolve: (line) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((info) => {
        if (settled) return;
        // Give the line reader a tick to flush the last lines.
        setTimeout(() => {
          if (settled) return;
          const late = this.lines.find((l) => re.test(l));
          settled = true;
          clearTimeout(timer);
          if (late !== undefined) resolve(late);
          else reject(new Error(`${this.label} exited (code ${info.code}, signal ${info.signal}) before printing ${re}.\n${this.describe()}`));
        }, 50);
      });
    });
  }

  /** Parsed JSON objects from stdout lines that are JSON objects (optionally after a prefix word). */
  jsonLines(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.lines) {
      const start = line.indexOf('{');
      if (start < 0) continue;
      try {
        const v: unknown = JSON.parse(line.slice(start));
        if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
    return out;
  }

  describe(): string {
    const out = this.lines.slice(-20).join('\n');
    return `--- ${this.label} (pid ${this.pid}) stdout tail ---\n${out}\n--- stderr tail ---\n${this.stderrTail.slice(-3000)}`;
  }

  /** Close stdin, then SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    try {
      this.child.stdin?.end();
    } catch {
      // ignore
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

/** Run to completion with a timeout; resolves with the exit info and output. Never rejects on non-zero exit. */
export async function runToEnd(
  command: string,
  args: string[],
  opts: StartOptions & { timeoutMs: number },
): Promise<{ exit: ExitInfo; stdout: string; stderr: string; timedOut: boolean; proc: ManagedProcess }> {
  const proc = new ManagedProcess(command, args, { ...opts, stdinPipe: opts.stdinPipe ?? false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, opts.timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { exit, stdout: proc.stdout, stderr: proc.stderr, timedOut, proc };
}
