/**
 * Starting the built web host (`npm run web`) as a new user would: with another BitTorrent
 * client on 6881 and something on the default web port it takes the next free ports; every
 * start-up failure is one readable line, never a stack trace; a damaged settings.json is kept
 * aside and reported.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup } from '../support/cleanup.js';
import { ManagedProcess, runToEnd } from '../support/process.js';
import { REPO_ROOT } from '../support/tools.js';

const HOST_MAIN = join(REPO_ROOT, 'dist', 'electron', 'host', 'main.js');
const cleanup = new Cleanup();
afterAll(() => cleanup.run());

function requireBuild(): void {
  if (!existsSync(HOST_MAIN)) throw new Error(`${HOST_MAIN} is missing: run \`npm run build\` first (npm test does).`);
}

/** Holds 127.0.0.1:port like another program would; null when something else already does. */
async function occupy(port: number): Promise<Server | null> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
    });
  } catch {
    return null;
  }
  cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
  return server;
}

async function anyPortHeld(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, server };
}

const env = { ...process.env, NO_COLOR: '1', TESSERA_DHT_BOOTSTRAP: '' };

async function failedStart(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  requireBuild();
  const r = await runToEnd(process.execPath, [HOST_MAIN, ...args], { timeoutMs: 60_000, env: { ...env, ...extraEnv }, label: 'tessera-web' });
  expect(r.timedOut).toBe(false);
  return { code: r.exit.code, stderr: r.stderr };
}

function expectOneReadableLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tessera web: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('web host start-up', () => {
  it('takes the next free BitTorrent and web ports when 6881 and 8780 are taken (ports not given)', async () => {
    requireBuild();
    // Another client on 6881 (ours, or whoever already holds it) and another program on 8780.
    await occupy(6881);
    await occupy(8780);
    const stateDir = await cleanup.tempDir('web-startup');
    const proc = new ManagedProcess(process.execPath, [HOST_MAIN, '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-host', '127.0.0.1'], { env, label: 'tessera-web' });
    cleanup.add(() => proc.stop());
    const urlLine = await proc.waitForLine(/Tessera web UI: http:\/\/127\.0\.0\.1:\d+\//, 30_000);
    const portLine = await proc.waitForLine(/BitTorrent listening port: \d+/, 30_000);
    const webPort = Number(/127\.0\.0\.1:(\d+)\//.exec(urlLine)?.[1]);
    const btPort = Number(/port: (\d+)/.exec(portLine)?.[1]);
    expect(webPort).not.toBe(8780);
    expect(btPort).not.toBe(6881);
    expect(btPort).toBeGreaterThan(0);
    const page = await fetch(`http://127.0.0.1:${webPort}/`);
    expect(page.status).toBe(200);
    await proc.stop();
  });

  it('a web port given explicitly and taken: one readable line, exit 1', async () => {
    const { port } = await anyPortHeld();
    const stateDir = await cleanup.tempDir('web-startup');
    const r = await failedStart(['--port', String(port), '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0']);
    expect(r.code).toBe(1);
    expectOneReadableLine(r.stderr, new RegExp(`web UI port 127\\.0\\.0\\.1:${port} is already in use.*--port`));
  });

  it('a BitTorrent port given explicitly and taken: one readable line, exit 1', async () => {
    const { port } = await anyPortHeld();
    const stateDir = await cleanup.tempDir('web-startup');
    const r = await failedStart(['--port', '0', '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', String(port), '--listen-host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expectOneReadableLine(r.stderr, new RegExp(`BitTorrent port 127\\.0\\.0\\.1:${port} is already in use.*--listen-port`));
  });

  it('a state folder that cannot be created or written: one readable line, exit 1', async () => {
    const base = await cleanup.tempDir('web-startup');
    await writeFile(join(base, 'a-file'), 'not a folder');
    const stateDir = join(base, 'a-file', 'state');
    const r = await failedStart(['--port', '0', '--dir', stateDir, '--listen-port', '0']);
    expect(r.code).toBe(1);
    expectOneReadableLine(r.stderr, new RegExp(`cannot use the state folder ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: part of the path is a file`));
  });

  it('binding beyond loopback without a login: one readable line, exit 1', async () => {
    const stateDir = await cleanup.tempDir('web-startup');
    const r = await failedStart(['--port', '0', '--host', '192.0.2.1', '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0', '--listen-host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expectOneReadableLine(r.stderr, /binding 192\.0\.2\.1 \(beyond this machine\) needs a login: give --username NAME/);
  });

  it('a bind address that is not this machine (with a login): one readable line, exit 1', async () => {
    const stateDir = await cleanup.tempDir('web-startup');
    const args = ['--port', '0', '--host', '192.0.2.1', '--username', 'admin', '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0', '--listen-host', '127.0.0.1'];
    const r = await failedStart(args, { TESSERA_WEB_PASSWORD: 'correct-horse-battery' });
    expect(r.code).toBe(1);
    expectOneReadableLine(r.stderr, /web UI port 192\.0\.2\.1:\d+: not an address of this machine/);
  });

  it('a damaged settings.json is kept aside and reported, and the host still starts', async () => {
    requireBuild();
    const stateDir = await cleanup.tempDir('web-startup');
    const torn = '{\n  "downloadDir": "/somewhere",\n  "listenPort": 68';
    await writeFile(join(stateDir, 'settings.json'), torn);
    const proc = new ManagedProcess(process.execPath, [HOST_MAIN, '--port', '0', '--dir', stateDir, '--download-dir', join(stateDir, 'dl'), '--listen-port', '0', '--listen-host', '127.0.0.1'], {
      env,
      label: 'tessera-web',
    });
    cleanup.add(() => proc.stop());
    await proc.waitForLine(/Tessera web UI: /, 30_000);
    expect(proc.stderr).toMatch(/^tessera web: .*settings\.json was damaged \(not valid JSON.*\); kept it as .*settings\.json\.corrupt-.* and started with the default settings$/m);
    const aside = (await readdir(stateDir)).find((f) => f.startsWith('settings.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(await readFile(join(stateDir, aside ?? ''), 'utf8')).toBe(torn);
    await proc.stop();
  });
});
