import { HelpRequested, UsageError } from './args.js';
import { packageVersion } from './version.js';
import { type CommandName, commandHelp, isCommandName, topLevelUsage } from './usage.js';

// Each command's code is loaded when it runs: `tessera create` or `info` does not load the
// session, the DHT and the rest of the engine (about 0.1 s of CPU at every start).
const COMMANDS: Record<CommandName, () => Promise<(argv: string[]) => Promise<number>>> = {
  info: async () => (await import('./info.js')).runInfo,
  download: async () => (await import('./download.js')).runDownload,
  seed: async () => (await import('./seed.js')).runSeed,
  create: async () => (await import('./create.js')).runCreate,
};

/** Runs `tessera <argv>` and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return printHelp(command, rest[0]);
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (!isCommandName(command)) {
    process.stderr.write(`tessera: unknown command "${command}"\n${topLevelUsage()}`);
    return 2;
  }
  try {
    const run = await COMMANDS[command]();
    return await run(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`tessera: ${failureText(err)}\n`);
    return 1;
  }
}

/** `tessera`, `tessera --help`, `tessera help [command]`. No command at all is a usage error (2). */
function printHelp(command: string | undefined, topic: string | undefined): number {
  if (topic !== undefined && isCommandName(topic)) {
    process.stdout.write(`${commandHelp(topic)}\n`);
    return 0;
  }
  process.stdout.write(topLevelUsage());
  return command ? 0 : 2;
}

/**
 * One line for what the system refused (a full disk, a missing folder: errors with a code);
 * the stack for anything else, which is a bug worth reporting as it is.
 */
function failureText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return typeof (err as NodeJS.ErrnoException).code === 'string' ? err.message : (err.stack ?? err.message);
}
