import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface BuilderConfig {
  appId?: string;
  directories?: { buildResources?: string };
  fileAssociations?: Array<{ ext?: string | string[]; mimeType?: string }>;
  protocols?: Array<{ schemes?: string[] }>;
  linux?: { target?: string[]; mimeTypes?: string[]; icon?: string; desktop?: { entry?: Record<string, string> } };
  win?: { target?: string[] };
  mac?: { target?: string[] };
  files?: string[];
  asar?: boolean;
  electronFuses?: Record<string, boolean>;
}

const root = new URL('../../', import.meta.url);
const config = JSON.parse(readFileSync(new URL('build/electron-builder.json', root), 'utf8')) as BuilderConfig;

describe('electron-builder config (build/electron-builder.json)', () => {
  it('declares the .torrent file association and the magnet: scheme', () => {
    const torrent = config.fileAssociations?.find((a) => (Array.isArray(a.ext) ? a.ext : [a.ext]).includes('torrent'));
    expect(torrent?.mimeType).toBe('application/x-bittorrent');
    expect(config.protocols?.some((p) => p.schemes?.includes('magnet'))).toBe(true);
  });
  it('Linux .desktop entry registers both MIME types', () => {
    expect(config.linux?.desktop?.entry?.MimeType).toBe('application/x-bittorrent;x-scheme-handler/magnet;');
    expect(config.linux?.mimeTypes).toEqual(expect.arrayContaining(['application/x-bittorrent', 'x-scheme-handler/magnet']));
  });
  it('targets AppImage + deb, NSIS and dmg, with an appId and an icon that exists', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.linux?.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win?.target).toContain('nsis');
    expect(config.mac?.target).toContain('dmg');
    expect(existsSync(new URL(config.linux?.icon ?? 'missing', root))).toBe(true);
  });
  it('packs the main process, the preload and the renderer', () => {
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/electron/**/*', 'dist/renderer/**/*', 'dist/shared/**/*']));
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main?: string };
    expect(pkg.main).toBe('dist/electron/app/main.js');
  });
  it('sets the security fuses: no run-as-node, NODE_OPTIONS or --inspect; only a validated app.asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
