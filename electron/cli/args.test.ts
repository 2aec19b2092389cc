import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HelpRequested, parseArgs, parsePeerAddress, parsePort, UsageError } from './args.js';
import { packageVersion } from './version.js';

const spec = { options: ['dir', 'peer', 'port'], flags: ['json', 'help'] };

describe('parseArgs', () => {
  it('collects positionals, flags and options in both spellings', () => {
    const out = parseArgs(['download', 'x.torrent', '--dir', '/tmp/d', '--json', '--port=6881'], spec);
    expect(out.positionals).toEqual(['download', 'x.torrent']);
    expect([...out.flags]).toEqual(['json']);
    expect(out.options.get('dir')).toEqual(['/tmp/d']);
    expect(out.options.get('port')).toEqual(['6881']);
  });

  it('repeats options in order', () => {
    const out = parseArgs(['--peer', 'a:1', '--peer=b:2', '--peer', '[::1]:3'], spec);
    expect(out.options.get('peer')).toEqual(['a:1', 'b:2', '[::1]:3']);
  });

  it('keeps everything after the first = in an --opt=value', () => {
    expect(parseArgs(['--dir=a=b'], spec).options.get('dir')).toEqual(['a=b']);
    expect(parseArgs(['--dir='], spec).options.get('dir')).toEqual(['']);
  });

  it('takes the next argument as the value even if it looks like a path with dashes', () => {
    expect(parseArgs(['--dir', '-weird-'], spec).options.get('dir')).toEqual(['-weird-']);
  });

  it('treats single-dash arguments and a bare -- as positionals', () => {
    expect(parseArgs(['-', '-x', '--'], spec).positionals).toEqual(['-', '-x', '--']);
  });

  it('throws a UsageError for a missing value', () => {
    expect(() => parseArgs(['--dir'], spec)).toThrow(UsageError);
    expect(() => parseArgs(['--dir'], spec)).toThrow('--dir needs a value');
  });

  it('throws HelpRequested for --help or -h as a whole argument, before any other complaint', () => {
    const plain = { options: ['dir'], flags: ['json'] };
    expect(() => parseArgs(['--help'], plain)).toThrow(HelpRequested);
    expect(() => parseArgs(['a', '-h', 'b'], plain)).toThrow(HelpRequested);
    expect(() => parseArgs(['--nope', '--help'], plain)).toThrow(HelpRequested);
    // An option's value, a short group or what follows -- stays what it was.
    expect(parseArgs(['--dir', '-h'], plain).options.get('dir')).toEqual(['-h']);
    expect(parseArgs(['-xh'], plain).positionals).toEqual(['-xh']);
    expect(parseArgs(['--', '--help'], plain).positionals).toEqual(['--', '--help']);
  });

  it('throws a UsageError for an unknown option', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow('unknown option --nope');
    expect(() => parseArgs(['--nope=1'], spec)).toThrow('unknown option --nope');
  });

  it('keeps the next argument as the value even when it is an option or --', () => {
    expect(parseArgs(['--dir', '--json'], spec).options.get('dir')).toEqual(['--json']);
    expect(parseArgs(['--dir', '--'], spec).options.get('dir')).toEqual(['--']);
    expect(parseArgs(['--dir', '-'], spec).options.get('dir')).toEqual(['-']);
  });

  it('takes a flag given a value as the flag', () => {
    const out = parseArgs(['--json=1'], spec);
    expect([...out.flags]).toEqual(['json']);
    expect(out.options.size).toBe(0);
  });

  it('keeps grouped and numeric single-dash arguments whole, once', () => {
    expect(parseArgs(['-xy', 'a', '-5'], spec).positionals).toEqual(['-xy', 'a', '-5']);
  });

  it('reads a declared one-letter alias with its value, in both spellings', () => {
    const withShort = { ...spec, short: { p: 'peer' } };
    const out = parseArgs(['-p', 'a:1', '-pb:2', '--peer', 'c:3', '-x'], withShort);
    expect(out.options.get('peer')).toEqual(['a:1', 'b:2', 'c:3']);
    expect(out.positionals).toEqual(['-x']);
    expect(() => parseArgs(['-p'], withShort)).toThrow('--peer needs a value');
  });

  it('treats what follows a bare -- as positionals', () => {
    const out = parseArgs(['a', '--', '--json', '--nope'], spec);
    expect(out.positionals).toEqual(['a', '--', '--json', '--nope']);
    expect(out.flags.size).toBe(0);
  });

  it('names an unknown option even with a value or three dashes', () => {
    expect(() => parseArgs(['---x'], spec)).toThrow('unknown option ---x');
    expect(() => parseArgs(['--nope', 'value'], spec)).toThrow(UsageError);
  });

  it('returns empty collections for no arguments', () => {
    const out = parseArgs([], spec);
    expect(out.positionals).toEqual([]);
    expect(out.options.size).toBe(0);
    expect(out.flags.size).toBe(0);
  });
});

describe('parsePeerAddress', () => {
  it.each([
    ['127.0.0.1:6881', '127.0.0.1', 6881],
    ['localhost:1', 'localhost', 1],
    ['seed.example.org:65535', 'seed.example.org', 65535],
    ['[::1]:6881', '::1', 6881],
    ['[2001:db8::1]:51413', '2001:db8::1', 51413],
    ['[::ffff:127.0.0.1]:80', '::ffff:127.0.0.1', 80],
    ['[FE80::1]:8', 'FE80::1', 8],
  ])('parses %s', (text, host, port) => {
    expect(parsePeerAddress(text)).toEqual({ host, port });
  });

  it.each([
    '',
    '127.0.0.1',
    '127.0.0.1:',
    ':6881',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:-1',
    '127.0.0.1:+1',
    '127.0.0.1:1e3',
    '127.0.0.1:0x50',
    '127.0.0.1:6881 ',
    ' 127.0.0.1:6881',
    'host:port',
    '::1:6881',
    '[::1]',
    '[::1]6881',
    '[::1]:',
    '[]:6881',
    '[::1]:0',
    '[not-an-ip]:1',
    'a b:1',
    '127.0.0.1:99999999999999999999',
  ])('rejects %j with a UsageError', (text) => {
    expect(() => parsePeerAddress(text)).toThrow(UsageError);
  });
});

describe('parsePeerAddress messages', () => {
  it('says what is wrong with the address', () => {
    expect(() => parsePeerAddress('::1:6881')).toThrow(/brackets/);
    expect(() => parsePeerAddress('10.0.0.1:0')).toThrow(/port out of range/);
    expect(() => parsePeerAddress('10.0.0.1')).toThrow('bad peer address "10.0.0.1" (want host:port)');
  });
});

describe('packageVersion', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('parsePort', () => {
  it('passes undefined through (option not given)', () => {
    expect(parsePort(undefined)).toBeUndefined();
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['6881', 6881],
    ['65535', 65535],
  ])('parses %s', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });

  it.each(['65536', '-1', '1.5', 'abc', '6881x', '', ' ', '0x50', '1e3', '+80', ' 80'])('rejects %j', (text) => {
    expect(() => parsePort(text)).toThrow(UsageError);
  });
});
