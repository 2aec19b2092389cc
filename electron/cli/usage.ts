/**
 * Every command's synopsis, in one place: `tessera <command> --help` prints its own, and
 * `tessera --help` prints them all, so the two cannot disagree about what a command takes.
 */

/** Options every transfer command (download, seed) takes, in the usage line's words. */
export const SESSION_USAGE =
  '--dir <dir> [--peer host:port]... [--port P] [--no-dht] [--dht-bootstrap host:port]... [--state-dir D] [--download-limit KiB/s] [--upload-limit KiB/s] [--encryption allow|require|disable] [--no-port-mapping] [--no-lsd] [--no-utp] [--json] [--verbose]';

export type CommandName = 'info' | 'download' | 'seed' | 'create';

interface CommandUsage {
  /** What follows `tessera `: the command, its arguments and its options. */
  synopsis: string;
  summary: string;
  /** What the synopsis cannot say, shown under it by `tessera <command> --help`. */
  notes?: readonly string[];
}

const COMMAND_USAGES: Readonly<Record<CommandName, CommandUsage>> = {
  info: { synopsis: 'info <file.torrent | magnet-uri> [--json]', summary: 'show what a torrent or magnet link contains' },
  download: {
    synopsis: `download <file.torrent | magnet-uri> ${SESSION_USAGE}`,
    summary: 'fetch a torrent into --dir; exit 0 once every piece is verified',
  },
  seed: { synopsis: `seed <file.torrent> ${SESSION_USAGE}`, summary: 'upload complete data from --dir until Ctrl-C' },
  create: {
    synopsis:
      'create <path> -o <file.torrent> [--format v1|v2|hybrid] [--piece-length N] [--tracker URL,...]... [--web-seed URL]... [--private] [--source TEXT] [--comment TEXT] [--created-by TEXT] [--no-date]',
    summary: 'hash a file or folder into a .torrent (a v1+v2 hybrid by default)',
    notes: [
      '--tracker URL,...   one tier per --tracker; commas separate the trackers of a tier',
      '                    (--tracker a,b --tracker c: a or b first, then c); a comma in a URL is %2C',
      '--web-seed URL      an http(s) server with the same files (BEP 19)',
      '--piece-length N    bytes, or 256K, 1M …; default: as libtorrent and qBittorrent pick it',
      '--source TEXT       info "source", which private trackers ask for when cross-seeding',
      '--no-date           leave out the creation date (the same folder then gives the same bytes)',
    ],
  },
};

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGES, name);
}

/** The one-line usage a command's UsageError and `--help` show. */
export function commandUsage(name: CommandName): string {
  return `usage: tessera ${COMMAND_USAGES[name].synopsis}`;
}

/** `tessera <command> --help`: the usage line, then the notes on its options. */
export function commandHelp(name: CommandName): string {
  const notes = COMMAND_USAGES[name].notes ?? [];
  return [commandUsage(name), ...(notes.length > 0 ? ['', ...notes.map((n) => `  ${n}`)] : [])].join('\n');
}

const WIDTH = 100;

/**
 * Splits a synopsis into words that must stay whole: `[--port P]`, `<file.torrent | magnet-uri>`
 * and `[--peer host:port]...` are one word each, so a wrapped line never breaks inside them.
 */
function synopsisWords(synopsis: string): string[] {
  return synopsis.match(/\[[^\]]*\](?:\.\.\.)?|<[^>]*>|\S+/g) ?? [];
}

/** Greedy wrap to {@link WIDTH} columns; continuation lines start with `indent`. */
function wrap(words: string[], firstPrefix: string, indent: string): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  for (const word of words) {
    const atStart = line === firstPrefix || line === indent;
    if (!atStart && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
    }
    line += line === firstPrefix || line === indent ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** `tessera --help`: every command with every option it accepts. */
export function topLevelUsage(): string {
  const lines = ['usage: tessera <command> [options]', '       tessera <command> --help', '       tessera --version', '', 'commands:'];
  for (const { synopsis, summary } of Object.values(COMMAND_USAGES)) {
    const [command = '', ...rest] = synopsisWords(synopsis);
    lines.push(...wrap(rest, `  ${command.padEnd(9)}`, ' '.repeat(11)), `${' '.repeat(11)}${summary}`);
  }
  return `${lines.join('\n')}\n`;
}
