/* global process, console, URL */
/**
 * Builds the renderer's development pages (bench/index.html, bench/list.html, dev/demo.html) with Vite into
 * dist/renderer-dev/ and serves them on 127.0.0.1; launches Debian's Chromium with Playwright.
 * Shared by bench/run.mjs, bench/list.mjs and bench/screenshot.mjs. Node only (never bundled).
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
export const rendererDir = join(here, '..');
export const outDir = join(rendererDir, '..', 'dist', 'renderer-dev');

export async function buildPages() {
  await build({
    configFile: join(rendererDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: false,
      rollupOptions: {
        input: {
          bench: join(rendererDir, 'bench', 'index.html'),
          demo: join(rendererDir, 'dev', 'demo.html'),
          list: join(rendererDir, 'bench', 'list.html'),
        },
      },
    },
  });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

/** Serves outDir; resolves to { url, close }. */
export function serve() {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = normalize(join(outDir, path));
      if (!file.startsWith(outDir + sep)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': "script-src 'self'" });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r(undefined))) });
    });
  });
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** `--key value` / `--flag` command-line options. */
export function options(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else {
      out[key] = Number.isFinite(Number(next)) ? Number(next) : next;
      i++;
    }
  }
  return out;
}

export function log(...args) {
  console.error(...args);
}
