import { describe, expect, it } from 'vitest';
import { startOnListenPort } from './listen-port.js';
import { StartupError } from './startup-error.js';

const listenError = (code: string, port: number) => Object.assign(new Error(`listen ${code}: 0.0.0.0:${port}`), { code, syscall: 'listen' });

/** A session factory that refuses `refused` with `code` and records the ports asked for. */
function factory(refused: number, code: string) {
  const asked: number[] = [];
  const create = async (port: number) => {
    asked.push(port);
    if (port === refused) throw listenError(code, port);
    return { port: port === 0 ? 40123 : port };
  };
  return { asked, create };
}

describe('startOnListenPort (web host)', () => {
  it('a saved port below 1024 (EACCES for a normal user) starts on a free port with a notice', async () => {
    const { asked, create } = factory(80, 'EACCES');
    const started = await startOnListenPort(create, { demanded: null, saved: 80, host: null });
    expect(asked).toEqual([80, 0]);
    expect(started.session.port).toBe(40123);
    expect(started.problem).toMatch(/port 80 .*privileges.*port 40123/);
  });

  it('a saved port on an address gone (EADDRNOTAVAIL) starts on a free port too', async () => {
    const { create } = factory(6881, 'EADDRNOTAVAIL');
    const started = await startOnListenPort(create, { demanded: null, saved: 6881, host: null });
    expect(started.problem).toMatch(/6881 \(EADDRNOTAVAIL\).*40123/);
  });

  it('a port given with --listen-port is kept: refused, it is one line naming the option, not a fallback', async () => {
    const { asked, create } = factory(80, 'EACCES');
    const failure = startOnListenPort(create, { demanded: 80, saved: 6881, host: null });
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow('BitTorrent port 0.0.0.0:80: permission denied (ports below 1024 need privileges)');
    expect(asked).toEqual([80]);
    const taken = factory(6881, 'EADDRINUSE');
    await expect(startOnListenPort(taken.create, { demanded: 6881, saved: 6881, host: '::1' })).rejects.toThrow(/BitTorrent port \[::1\]:6881 is already in use.*--listen-port/);
  });

  it('a failure that is not about the port stays one line about the engine', async () => {
    const create = async (): Promise<{ port: number }> => Promise.reject(Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' }));
    await expect(startOnListenPort(create, { demanded: null, saved: 6881, host: null })).rejects.toThrow('cannot start the engine: read-only file system');
  });
});
