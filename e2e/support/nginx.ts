/**
 * Debian's nginx serving a folder on 127.0.0.1 (range requests, keep-alive): the real web
 * server for web seed tests (BEP 19). Runs in the foreground with a config, logs and temp
 * paths of its own in a test folder; no master process, so it runs as the test's user and
 * reads the test's private temp folders.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { freePort, waitForListening } from './net.js';
import { ManagedProcess } from './process.js';
import { requireTool } from './tools.js';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  proc: ManagedProcess;
  /** The access log lines so far (one per request: `status bytes "request"`). */
  accessLog(): Promise<string[]>;
}

/** `dir` is nginx's own folder (config, logs, temp); `root` the folder it serves. */
export async function startNginx(cleanup: Cleanup, opts: { dir: string; root: string; /** A port chosen beforehand (a URL that must exist before the server does). */ port?: number }): Promise<Nginx> {
  requireTool('nginx');
  let lastError: unknown;
  for (let attempt = 0; attempt < (opts.port ? 1 : 4); attempt++) {
    const port = opts.port ?? (await freePort());
    const conf = join(opts.dir, 'nginx.conf');
    await writeFile(
      conf,
      [
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        `pid ${join(opts.dir, 'nginx.pid')};`,
        `error_log ${join(opts.dir, 'error.log')} warn;`,
        'events { worker_connections 256; }',
        'http {',
        "  log_format tessera '$status $body_bytes_sent \"$request\"';",
        `  access_log ${join(opts.dir, 'access.log')} tessera;`,
        `  client_body_temp_path ${opts.dir}/client_body;`,
        `  proxy_temp_path ${opts.dir}/proxy;`,
        `  fastcgi_temp_path ${opts.dir}/fastcgi;`,
        `  uwsgi_temp_path ${opts.dir}/uwsgi;`,
        `  scgi_temp_path ${opts.dir}/scgi;`,
        '  sendfile on;',
        '  keepalive_requests 100000;',
        `  server { listen 127.0.0.1:${port}; root ${opts.root}; }`,
        '}',
        '',
      ].join('\n'),
    );
    const proc = new ManagedProcess(NGINX, ['-c', conf, '-p', opts.dir], { label: `nginx@${port}`, stdinPipe: false });
    cleanup.add(() => proc.stop());
    try {
      await waitForListening('127.0.0.1', port, 20_000, () => proc.exitInfo === null);
      return {
        url: `http://127.0.0.1:${port}/`,
        port,
        proc,
        accessLog: async () =>
          (await readFile(join(opts.dir, 'access.log'), 'utf8').catch(() => ''))
            .split('\n')
            .filter((l) => l.length > 0),
      };
    } catch (err) {
      await proc.stop();
      lastError = `${String(err)}: ${(await readFile(join(opts.dir, 'error.log'), 'utf8').catch(() => '')).slice(-500)} ${proc.lines.slice(-5).join(' ')}`;
    }
  }
  throw new Error(`nginx did not start: ${String(lastError)}`);
}
