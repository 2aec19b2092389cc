import type { PeerAddress } from '../engine/index.js';

/** A tiny argv parser: positionals, `--flag`, `--opt value`, `--opt=value`, repeatable options. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseArgs(argv: readonly string[], spec: { options: readonly string[]; flags: readonly string[] }): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (spec.flags.includes(name)) {
      out.flags.add(name);
    } else if (spec.options.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      out.options.set(name, [...(out.options.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

/** Parses "host:port", "[v6]:port" or "v4:port". */
export function parsePeerAddress(text: string): PeerAddress {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([^:\s[\]]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad peer address "${text}" (want host:port)`);
  return { host: match[1]!, port };
}

export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`bad port "${text}"`);
  return port;
}

/** A rate limit in KiB/s (as Transmission's -d/-u take it); 0 = unlimited. Returns bytes per second. */
export function parseRateLimit(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} takes KiB/s as a whole number (0 = unlimited), not "${text}"`);
  return Number(text) * 1024;
}
