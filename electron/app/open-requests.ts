/**
 * "Open requests": what the OS asks Tessera to open — .torrent files (double-click, file
 * association, `tessera file.torrent`, macOS `open-file`) and magnet links (protocol handler,
 * macOS `open-url`). argv from the first launch and from `second-instance` is parsed here, and
 * every source feeds one queue that is drained once the engine is ready. Pure: no 'electron'.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type OpenRequest = { kind: 'torrent'; path: string } | { kind: 'magnet'; uri: string };

export const MAX_MAGNET_ARG = 64 * 1024;

export interface ArgvContext {
  /** Working directory relative paths are resolved against (second-instance gives it). */
  cwd: string;
  /**
   * True when running unpackaged (`electron .` / process.defaultApp): argv[1] is the app
   * folder and not something to open.
   */
  defaultApp: boolean;
}

function isMagnet(arg: string): boolean {
  return /^magnet:\?/i.test(arg) && arg.length <= MAX_MAGNET_ARG;
}

/** Turns one string (argv item, open-url URL, open-file path) into a request, or null. */
export function parseOpenTarget(arg: string, cwd: string): OpenRequest | null {
  const value = arg.trim();
  if (value.length === 0 || value.includes('\0')) return null;
  if (isMagnet(value)) return { kind: 'magnet', uri: value };
  let path = value;
  if (/^file:\/\//i.test(value)) {
    try {
      path = fileURLToPath(value);
    } catch {
      return null;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value)) {
    // Some other URL scheme (http:, tessera:, …): not ours to open.
    return null;
  }
  if (!/\.torrent$/i.test(path)) return null;
  return { kind: 'torrent', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

/**
 * Extracts open requests from a process argv (as given to the first instance or to
 * `second-instance`). Skips the executable, the app folder when unpackaged, and switches
 * (Chromium adds some, e.g. --allow-file-access-from-files, to second-instance argv).
 * Everything after a lone `--` is taken literally.
 */
export function parseArgv(argv: readonly string[], context: ArgvContext): OpenRequest[] {
  const out: OpenRequest[] = [];
  const start = context.defaultApp ? 2 : 1;
  let literal = false;
  for (let i = start; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!literal && arg === '--') {
      literal = true;
      continue;
    }
    if (!literal && arg.startsWith('-')) continue;
    const request = parseOpenTarget(arg, context.cwd);
    if (request) out.push(request);
  }
  return dedupe(out);
}

function key(r: OpenRequest): string {
  return r.kind === 'torrent' ? `t:${r.path}` : `m:${r.uri}`;
}

function dedupe(requests: OpenRequest[]): OpenRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => {
    const k = key(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Buffers open requests until a handler is attached (the engine is up), then delivers them in
 * order, one at a time. Events from before `ready` (macOS open-file at launch) are not lost.
 */
export class OpenRequestQueue {
  private readonly pending: OpenRequest[] = [];
  private handler: ((request: OpenRequest) => Promise<void>) | null = null;
  private draining = false;
  /** Bound on what can pile up before the engine starts. */
  static readonly MAX_PENDING = 1000;

  push(...requests: OpenRequest[]): void {
    for (const r of requests) {
      if (this.pending.length >= OpenRequestQueue.MAX_PENDING) break;
      this.pending.push(r);
    }
    void this.drain();
  }

  get size(): number {
    return this.pending.length;
  }

  /** Starts delivering (pending requests first). Handler errors are the handler's business. */
  attach(handler: (request: OpenRequest) => Promise<void>): Promise<void> {
    this.handler = handler;
    return this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining || !this.handler) return;
    this.draining = true;
    try {
      while (this.pending.length > 0 && this.handler) {
        const next = this.pending.shift();
        if (!next) break;
        try {
          await this.handler(next);
        } catch {
          // The handler reports its own failures (a notice in the UI); keep going.
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
