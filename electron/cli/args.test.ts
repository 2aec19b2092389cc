import { describe, expect, it } from 'vitest';
import { parseArgs, parsePeerAddress, parsePort, UsageError } from './args.js';

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

  it('throws a UsageError for an unknown option', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow('unknown option --nope');
    expect(() => parseArgs(['--nope=1'], spec)).toThrow('unknown option --nope');
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
