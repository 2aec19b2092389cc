/**
 * The web host over HTTPS against handshake floods (tls-handshakes.ts): a handshake that never
 * finishes is cut (it lasted Node's 120 s), and an address that opens handshakes in a loop is
 * refused beyond its allowance before they start, while another address still gets in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraService } from '../engine/service/index.js';
import { startHostServer, type HostServer } from './server.js';

/** Whether a TLS handshake with the host from `localAddress` completes. */
function handshake(port: number, localAddress: string): Promise<boolean> {
  return new Promise((resolve) => {
    const tcp = connect({ host: '127.0.0.1', port, localAddress });
    const s = tlsConnect({ socket: tcp, rejectUnauthorized: false }, () => {
      resolve(true);
      s.destroy();
    });
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
  });
}

describe('web host over HTTPS under a handshake flood', () => {
  let dir: string;
  let host: HostServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-tls-flood-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate (scripts/ensure-deps.sh installs it): ${String(made.stderr)}`);
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const service: Pick<TesseraService, 'connect'> = {
      connect: () => ({ handle: () => Promise.resolve({ ok: true, result: null } as never), close: () => undefined }),
    };
    const tls = { cert: await readFile(join(dir, 'cert.pem')), key: await readFile(join(dir, 'key.pem')) };
    host = await startHostServer({
      service,
      staticDir: dir,
      port: 0,
      tls,
      // Two handshakes at once per address, then one every 10 s: the loop below is refused within it.
      tlsHandshakeLimits: { perAddressPerSecond: 0.1, totalPerSecond: 1000, burstSeconds: 20, maxAddresses: 16 },
      handshakeTimeoutMs: 200,
    });
  });

  afterAll(async () => {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cuts a handshake that does not finish', async () => {
    const s = connect({ host: '127.0.0.1', port: host.port, localAddress: '127.0.0.3' }, () =>
      // The start of a ClientHello record; the rest never comes.
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])),
    );
    s.on('error', () => undefined);
    s.resume();
    await new Promise((resolve) => s.once('close', resolve));
  });

  it('refuses an address its handshakes beyond its allowance, not another address', async () => {
    const loop: boolean[] = [];
    for (let i = 0; i < 6; i++) loop.push(await handshake(host.port, '127.0.0.2'));
    expect(loop).toEqual([true, true, false, false, false, false]);
    expect(await handshake(host.port, '127.0.0.1')).toBe(true);
  });
});
