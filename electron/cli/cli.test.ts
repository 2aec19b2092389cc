import { afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { runCli } from './cli.js';
import { CREATE_ARGS } from './create.js';
import { INFO_ARGS } from './info.js';
import { SESSION_FLAGS, SESSION_OPTIONS } from './session-setup.js';
import { commandHelp, commandUsage, topLevelUsage } from './usage.js';

const output = captureOutput();
afterEach(() => {
  // download and seed listen for Ctrl-C before they parse their arguments.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

describe('tessera <command> --help', () => {
  it.each([
    ['info', '--help'],
    ['download', '-h'],
    ['seed', '--help'],
    ['create', '-h'],
  ] as const)('%s %s prints its own usage on stdout and exits 0', async (command, flag) => {
    expect(await runCli([command, flag])).toBe(0);
    expect(output.out).toBe(`${commandHelp(command)}\n`);
    expect(output.out.startsWith(`${commandUsage(command)}\n`)).toBe(true);
    expect(output.err).toBe('');
  });

  it('create --help explains tracker tiers under its usage line, within 100 columns', async () => {
    expect(await runCli(['create', '--help'])).toBe(0);
    expect(output.out).toContain('one tier per --tracker; commas separate the trackers of a tier');
    for (const line of output.out.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('wins over other mistakes on the line', async () => {
    expect(await runCli(['create', '--bogus', '--help'])).toBe(0);
    expect(output.out).toBe(`${commandHelp('create')}\n`);
  });

  it('tessera help <command> prints that command’s usage', async () => {
    expect(await runCli(['help', 'seed'])).toBe(0);
    expect(output.out).toBe(`${commandHelp('seed')}\n`);
  });
});

describe('tessera --help', () => {
  it('lists every option each command accepts', async () => {
    expect(await runCli(['--help'])).toBe(0);
    expect(output.out).toBe(topLevelUsage());
    const accepted = [...SESSION_OPTIONS, ...SESSION_FLAGS, ...INFO_ARGS.options, ...INFO_ARGS.flags, ...CREATE_ARGS.flags];
    for (const name of accepted) expect(output.out).toContain(`--${name}`);
    // -o is create's documented spelling of --output.
    for (const name of CREATE_ARGS.options.filter((o) => o !== 'output')) expect(output.out).toContain(`--${name}`);
    expect(output.out).toContain('-o <file.torrent>');
  });

  it('keeps every line within 100 columns', () => {
    for (const line of topLevelUsage().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('prints it with exit 2 when no command is given', async () => {
    expect(await runCli([])).toBe(2);
    expect(output.out).toBe(topLevelUsage());
  });
});
