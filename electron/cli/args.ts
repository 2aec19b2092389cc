import { parseArgs as parseArgv } from 'node:util';
import type { PeerAddress } from '../engine/index.js';
import { HostPortError, parseHostPort } from '../engine/util/host-port.js';

/** What a command's argv holds: positionals in order, each option's values in order, the flags given. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

/** The command line cannot be used as given: main prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` or `-h` was given: main prints the command's usage and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

export interface ArgsSpec {
  /** Long options that take a value (`--opt value` or `--opt=value`); every one may repeat. */
  options: readonly string[];
  /** Long options without a value. */
  flags: readonly string[];
  /** One-letter aliases, e.g. `{ o: 'output' }` for `-o FILE`. */
  short?: Readonly<Record<string, string>>;
}

/**
 * Reads argv with node:util's parseArgs (in its lenient mode, through its tokens) and keeps
 * the rules Tessera's commands have always had: an option's value is the next argument
 * whatever it looks like (`--dir -weird-`), a flag given a value (`--json=1`) is still the
 * flag, arguments with one dash (`-`, `-x`) are positionals unless they are a declared
 * short alias, and unknown or valueless options are UsageErrors naming the option.
 * A bare `--` stays a positional; what follows it is positional too. `--help` or `-h`
 * anywhere (but as an option's value or after `--`) throws {@link HelpRequested}, whatever
 * else is wrong with the line: asking how to use a command must not fail.
 */
export function parseArgs(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const name of spec.options) config[name] = { type: 'string', multiple: true };
  for (const name of spec.flags) config[name] = { type: 'boolean' };
  for (const [letter, name] of Object.entries(spec.short ?? {})) {
    const entry = config[name];
    if (entry) entry.short = letter;
  }
  const { tokens } = parseArgv({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  // Only `--help` or `-h` as a whole argument: `-xh` stays the positional it always was.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help' && argv[t.index] === t.rawName)) throw new HelpRequested();
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  const shortAsPositional = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
    } else if (token.kind === 'option-terminator') {
      out.positionals.push('--');
    } else if (!token.rawName.startsWith('--') && spec.short?.[token.rawName.slice(1)] !== token.name) {
      // "-", "-x", "-5": not ours to interpret; the command decides what a positional means.
      if (!shortAsPositional.has(token.index)) out.positionals.push(argv[token.index] ?? token.rawName);
      shortAsPositional.add(token.index);
    } else if (spec.flags.includes(token.name)) {
      out.flags.add(token.name);
    } else if (spec.options.includes(token.name)) {
      if (token.value === undefined) throw new UsageError(`--${token.name} needs a value`);
      out.options.set(token.name, [...(out.options.get(token.name) ?? []), token.value]);
    } else {
      throw new UsageError(`unknown option --${token.name}`);
    }
  }
  return out;
}

/** Parses "host:port", "[v6]:port" or "v4:port" (a --peer or --dht-bootstrap value). */
export function parsePeerAddress(text: string): PeerAddress {
  try {
    return parseHostPort(text);
  } catch (err) {
    if (err instanceof HostPortError) throw new UsageError(`bad peer address "${text}" (want host:port): ${err.message}`);
    throw err;
  }
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
