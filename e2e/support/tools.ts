/**
 * Real peers come from Debian packages. A missing tool is a failure with a message that
 * says how to install it, never a silent skip (docs/ARCHITECTURE.md §5).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUPPORT_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(SUPPORT_DIR, '..', '..');

/** Debian's python: python3-libtorrent is installed for it only (a pyenv python3 on PATH lacks it). */
export const PYTHON = process.env.TESSERA_PYTHON ?? '/usr/bin/python3';

export type Tool = 'libtorrent' | 'aria2c' | 'opentracker' | 'transmission-cli' | 'chromium' | 'nginx';

const PACKAGE: Record<Tool, string> = {
  libtorrent: 'python3-libtorrent',
  aria2c: 'aria2',
  opentracker: 'opentracker',
  'transmission-cli': 'transmission-cli',
  chromium: 'chromium',
  nginx: 'nginx-light',
};

const checked = new Map<Tool, string>();

function probe(tool: Tool): void {
  switch (tool) {
    case 'libtorrent':
      execFileSync(PYTHON, ['-c', 'import libtorrent, sys; sys.stdout.write(libtorrent.__version__)'], { stdio: 'pipe', timeout: 20_000 });
      return;
    case 'aria2c':
      execFileSync('aria2c', ['--version'], { stdio: 'pipe', timeout: 20_000 });
      return;
    case 'opentracker':
      if (!existsSync('/usr/bin/opentracker')) execFileSync('sh', ['-c', 'command -v opentracker'], { stdio: 'pipe' });
      return;
    case 'transmission-cli':
      execFileSync('transmission-cli', ['--version'], { stdio: 'pipe', timeout: 20_000 });
      return;
    case 'chromium':
      if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium not found');
      return;
    case 'nginx':
      execFileSync('/usr/sbin/nginx', ['-v'], { stdio: 'pipe', timeout: 20_000 });
      return;
  }
}

/** Throws a clear error naming the install command when `tool` is not usable. */
export function requireTool(tool: Tool): void {
  if (checked.has(tool)) return;
  try {
    probe(tool);
    checked.set(tool, 'ok');
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const where = tool === 'libtorrent' ? ` for ${PYTHON}` : '';
    throw new Error(
      `${tool} is not available${where} (${why}). Interop tests need real peers: run ` +
        `\`scripts/ensure-deps.sh\` (as root) or \`apt-get install ${PACKAGE[tool]}\`.`,
    );
  }
}

/** Path of a helper script in e2e/support. */
export function supportScript(name: string): string {
  return join(SUPPORT_DIR, name);
}
