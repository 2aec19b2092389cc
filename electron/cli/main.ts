#!/usr/bin/env node
import { UsageError } from './args.js';
import { packageVersion } from './version.js';
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';

const USAGE = `usage: tessera <command> [options]
       tessera --version

commands:
  info <file.torrent | magnet-uri> [--json]        show what a torrent or magnet link contains
  download <file.torrent | magnet-uri> --dir <dir> [--peer host:port]... [--port P] [--no-dht]
           [--dht-bootstrap host:port]... [--no-port-mapping] [--no-lsd] [--no-utp] [--json] [--verbose]
  seed <file.torrent> --dir <dir> [--port P] [--json]  upload complete data until Ctrl-C
  create <path> -o <file.torrent> [--piece-length N] [--tracker URL]... [--private] [--comment TEXT]
`;

// Each command's code is loaded when it runs: `tessera create` or `info` does not load the
// session, the DHT and the rest of the engine (about 0.1 s of CPU at every start).
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  info: async () => (await import('./info.js')).runInfo,
  download: async () => (await import('./download.js')).runDownload,
  seed: async () => (await import('./seed.js')).runSeed,
  create: async () => (await import('./create.js')).runCreate,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`tessera: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  try {
    const run = await load();
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`tessera: ${failureText(err)}\n`);
    return 1;
  }
}

/**
 * One line for what the system refused (a full disk, a missing folder: errors with a code);
 * the stack for anything else, which is a bug worth reporting as it is.
 */
function failureText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return typeof (err as NodeJS.ErrnoException).code === 'string' ? err.message : (err.stack ?? err.message);
}

exitQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code), (m) => process.stderr.write(m));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tessera: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
