/**
 * HTTPS for the remote web UI (issue 15 item 9): the built web host started with --cert/--key
 * (a self-signed certificate made by openssl for this test) serves TLS that verifies against that
 * certificate as CA, the login page over https, a login that sets a Secure cookie, and nothing
 * over plain HTTP on that port. A certificate or key that cannot be read is one readable line
 * and exit 1, as is one that is no PEM or a key that does not match. Bound to 0.0.0.0 (a login is needed only beyond loopback); the test talks to
 * 127.0.0.1 only.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup } from '../support/cleanup.js';
import { ManagedProcess, runToEnd } from '../support/process.js';
import { REPO_ROOT } from '../support/tools.js';

const HOST_MAIN = join(REPO_ROOT, 'dist', 'electron', 'host', 'main.js');
const PASSWORD = 'correct horse battery';
const env = { ...process.env, NO_COLOR: '1', TESSERA_DHT_BOOTSTRAP: '', TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0', TESSERA_WEB_PASSWORD: PASSWORD };
const cleanup = new Cleanup();
afterAll(() => cleanup.run());

function requireBuild(): void {
  if (!existsSync(HOST_MAIN)) throw new Error(`${HOST_MAIN} is missing: run \`npm run build\` first (npm test does).`);
}

/** A self-signed certificate for CN=localhost, valid one day. Fails loudly without openssl. */
async function selfSigned(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = await runToEnd('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], {
    timeoutMs: 120_000,
    label: 'openssl',
  });
  if (r.exit.code !== 0) throw new Error(`openssl could not make a test certificate (install openssl; scripts/ensure-deps.sh does): ${r.stderr.trim()}`);
  return { cert, key };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to 127.0.0.1:port that trusts only `ca` (the certificate names localhost). */
function httpsCall(port: number, ca: Buffer, path: string, opts: { method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        ca,
        servername: 'localhost',
        headers: opts.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(opts.body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Plain HTTP to the port: resolves with the status if anything answers as HTTP, rejects otherwise. */
function plainHttp(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/login' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host over HTTPS (--cert/--key)', () => {
  it('serves TLS with the given certificate, the login over https with a Secure cookie, and no plain HTTP', async () => {
    requireBuild();
    const stateDir = await cleanup.tempDir('web-https');
    const files = await selfSigned(await cleanup.tempDir('web-https-cert'));
    const ca = await readFile(files.cert);
    const args = ['--port', '0', '--host', '0.0.0.0', '--username', 'admin', '--cert', files.cert, '--key', files.key];
    const proc = new ManagedProcess(process.execPath, [HOST_MAIN, ...args, '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0', '--listen-host', '127.0.0.1'], {
      env,
      label: 'tessera-web',
    });
    cleanup.add(() => proc.stop());
    const urlLine = await proc.waitForLine(/Tessera web UI: https:\/\/\S+:\d+\//, 30_000);
    const port = Number(/:(\d+)\//.exec(urlLine)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(proc.stdout).not.toMatch(/plain HTTP/);

    // The TLS handshake verifies against the certificate we gave it.
    const peerCert = await new Promise<{ authorized: boolean; cn: unknown }>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
        resolve({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject?.CN });
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(peerCert).toEqual({ authorized: true, cn: 'localhost' });

    // The page leads to the login form, served over https without the plain-HTTP warning.
    const page = await httpsCall(port, ca, '/');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    const login = await httpsCall(port, ca, '/login');
    expect(login.status).toBe(200);
    expect(login.body).toContain('login-password');
    expect(login.body).not.toContain('login-http-warning');

    // A login sets a Secure, HttpOnly session cookie.
    const loggedIn = await httpsCall(port, ca, '/login', { method: 'POST', body: new URLSearchParams({ username: 'admin', password: PASSWORD }).toString() });
    expect(loggedIn.status).toBe(303);
    const cookie = [loggedIn.headers['set-cookie'] ?? []].flat().join('\n');
    expect(cookie).toMatch(/^tessera_sid=[^;]+; .*HttpOnly.*; Secure$/);

    // Plain HTTP to the same port gets no HTTP answer.
    await expect(plainHttp(port)).rejects.toThrow();
    // The host is still up after that.
    expect((await httpsCall(port, ca, '/login')).status).toBe(200);
    await proc.stop();
  });

  it('a certificate or key that cannot be read: one readable line, exit 1', async () => {
    requireBuild();
    const stateDir = await cleanup.tempDir('web-https');
    const files = await selfSigned(await cleanup.tempDir('web-https-cert'));
    const missing = join(stateDir, 'no-such-cert.pem');
    const base = ['--port', '0', '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0', '--listen-host', '127.0.0.1'];
    for (const [cert, key] of [[missing, files.key], [files.cert, join(stateDir, 'no-such-key.pem')]] as const) {
      const r = await runToEnd(process.execPath, [HOST_MAIN, ...base, '--cert', cert, '--key', key], { timeoutMs: 60_000, env, label: 'tessera-web' });
      expect(r.timedOut).toBe(false);
      expect(r.exit.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^tessera web: cannot read the HTTPS certificate or key \(.*\)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // A file that is no PEM at all, and a key that is not the certificate's: said so, not blamed on the port.
    const garbage = join(stateDir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate\n');
    const other = await selfSigned(await cleanup.tempDir('web-https-other'));
    for (const [cert, key] of [[garbage, files.key], [files.cert, other.key]] as const) {
      const r = await runToEnd(process.execPath, [HOST_MAIN, ...base, '--cert', cert, '--key', key], { timeoutMs: 60_000, env, label: 'tessera-web' });
      expect(r.exit.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^tessera web: cannot use the HTTPS certificate and key \(.*\): /);
    }
  });
});
