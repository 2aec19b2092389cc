/**
 * The built web host (open-file limit 1024) against strangers' HTTP tricks, no token needed:
 * - pipelining: connections that write thousands of GETs of the app's script back to back and
 *   never read an answer (once took the host to 1.2 GiB per connection, then EMFILE and an
 *   unhandled 'error' that ended the process);
 * - refused WebSocket upgrades kept open by the client (once left half-open and counted as
 *   serving a request: 128 of them filled the connection gate and locked the UI out).
 * The host must close those connections, stay small, keep its file descriptors, and answer the
 * UI and the API. The figures are printed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWebSocketClient, type WebSocketConstructor } from '../../shared/contract/index.js';
import { Cleanup } from '../support/cleanup.js';
import { ManagedProcess } from '../support/process.js';
import { REPO_ROOT } from '../support/tools.js';

const HOST_MAIN = join(REPO_ROOT, 'dist', 'electron', 'host', 'main.js');
const ASSETS = join(REPO_ROOT, 'dist', 'renderer', 'assets');
const FD_LIMIT = 1024;
const PIPELINED = 2000;

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** Resident memory of the host; Infinity once it is gone (it must not die). */
function rssMiB(pid: number): number {
  if (!existsSync(`/proc/${pid}/status`)) return Infinity;
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** File descriptors the host holds; Infinity once it is gone. */
function fdsInUse(pid: number): number {
  return existsSync(`/proc/${pid}/fd`) ? readdirSync(`/proc/${pid}/fd`).length : Infinity;
}

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end();
  });
}

function open(port: number, localAddress: string, text: string, allowHalfOpen = false): Socket {
  const socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen }, () => socket.write(text));
  socket.on('error', () => undefined);
  cleanup.add(() => socket.destroy());
  return socket;
}

describe('web host against hostile HTTP clients (open-file limit 1024)', () => {
  it('closes pipelining floods and refused upgrades, stays small, keeps its descriptors, answers the UI', async () => {
    if (!existsSync(HOST_MAIN)) throw new Error(`${HOST_MAIN} is missing: run \`npm run build\` first (npm test does).`);
    const script = readdirSync(ASSETS).find((f) => f.endsWith('.js'));
    if (!script) throw new Error(`no script in ${ASSETS}: run \`npm run build\``);
    const root = await cleanup.tempDir('hostile-http');
    const host = new ManagedProcess(
      'prlimit',
      [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, HOST_MAIN, '--port', '0', '--dir', join(root, 'state'), '--download-dir', join(root, 'data'), '--listen-port', '0', '--listen-host', '127.0.0.1', '--no-dht'],
      { env: { ...process.env, NO_COLOR: '1' }, label: 'tessera-web' },
    );
    cleanup.add(() => host.stop());
    const url = new URL(/http:\/\/\S+/.exec(await host.waitForLine(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/, 30_000))?.[0] ?? '');
    const port = Number(url.port);
    const pid = host.child.pid ?? 0;
    // prlimit execs node: the pid is the host's.
    expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(new RegExp(`Max open files\\s+${FD_LIMIT}\\s+${FD_LIMIT}`));
    expect(await getStatus(port, `/assets/${script}`)).toBe(200);
    const fdsBefore = fdsInUse(pid);
    const rssBefore = rssMiB(pid);
    let rssPeak = rssBefore;
    const sample = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pid))), 100);
    cleanup.add(() => clearInterval(sample));

    // Pipelining: three connections, each writing its requests at once (read or not, the host
    // has parsed them all before any answer is out).
    const get = `GET /assets/${script} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    const pipelining = [0, 1, 2].map(() => open(port, '127.0.0.2', get.repeat(PIPELINED)));
    for (const s of pipelining) s.resume();
    await expect.poll(() => pipelining.every((s) => s.closed), { timeout: 30_000 }).toBe(true);

    // Refused upgrades (wrong token) from two addresses, 64 each: the clients never end their side.
    const upgrade = `GET /ws?token=wrong HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const refused = Array.from({ length: 128 }, (_, i) => open(port, i < 64 ? '127.0.0.3' : '127.0.0.4', upgrade, true));
    for (const s of refused) s.resume();
    await Promise.all(
      refused.map(
        (s) =>
          new Promise<void>((answered) => {
            s.once('data', () => answered());
            s.once('close', () => answered());
          }),
      ),
    );
    await expect.poll(() => fdsInUse(pid), { timeout: 30_000 }).toBeLessThanOrEqual(fdsBefore + 8);
    clearInterval(sample);

    expect(host.child.exitCode, `the host died: ${host.stderr}`).toBeNull();
    // The UI and the API answer.
    expect(await getStatus(port, '/')).toBe(200);
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${port}/ws?token=${url.searchParams.get('token')}`, WebSocket: WebSocket as unknown as WebSocketConstructor });
    cleanup.add(() => client.close());
    let connected = false;
    client.subscribe((e) => {
      if (e.type === 'snapshot') connected = true;
    });
    await expect.poll(() => connected, { timeout: 30_000 }).toBe(true);
    expect((await client.getSettings()).downloadDir).toBe(join(root, 'data'));
    expect(host.stderr).not.toMatch(/EMFILE|Unhandled|ERR_/);
    expect(rssPeak - rssBefore).toBeLessThan(200);
    process.stderr.write(
      `hostile HTTP figures: RSS before ${rssBefore.toFixed(0)} MiB, peak ${rssPeak.toFixed(0)} MiB; descriptors before ${fdsBefore}, after ${fdsInUse(pid)}; ` +
        `${pipelining.length} pipelining connections of ${PIPELINED} requests closed; ${refused.length} refused upgrades answered and closed\n`,
    );
    await host.stop();
  });
});
