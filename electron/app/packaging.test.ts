/**
 * Packaging smoke test: `electron-builder --linux dir` with a stand-in Electron folder (the
 * real binary cannot be downloaded here) must complete offline, and the resulting app.asar
 * must hold the main process, the preload and the built renderer, with package.json `main`
 * resolving inside it and every relative import of the main process present; and the security
 * fuses (build/electron-builder.json `electronFuses`) must really be flipped in the packed
 * executable. Needs `npm run build` first (npm test does); a missing build fails with that message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(archive: string, options?: object): string[];
  extractFile(archive: string, filename: string): Buffer;
};
// What electron-builder itself flips the fuses with (a dependency of app-builder-lib).
const fuses = require('@electron/fuses') as {
  getCurrentFuseWire(pathToElectron: string): Promise<Record<string, string | number>>;
  FuseV1Options: Record<string, number>;
};
/** A fuse's state byte: ASCII '0' off, '1' on (@electron/fuses' FuseState, which it does not export). */
const OFF = '0'.charCodeAt(0);
const ON = '1'.charCodeAt(0);

/**
 * The fuse wire as Electron binaries carry it: a sentinel, the wire version (1), its length,
 * then one ASCII '0'/'1' per fuse. These are Electron's stock values for the eight fuses
 * @electron/fuses knows (RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
 * ASAR integrity off, only-app.asar off, browser V8 snapshot off, file:// privileges on), so
 * every fuse the config sets must change from what a stock binary has.
 */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const STOCK_WIRE = '10110001';
function standInExecutable(): Buffer {
  const script = Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary"\nexit 0\n# fuse wire: ');
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, STOCK_WIRE.length]), Buffer.from(STOCK_WIRE, 'latin1'), Buffer.from('\n')]);
  return Buffer.concat([script, wire]);
}

const BUILT = ['dist/electron/app/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html'];

let work = '';
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('packaging', () => {
  it('electron-builder --linux dir packs main, preload and renderer into app.asar', { timeout: 300_000 }, async () => {
    for (const f of BUILT) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does).`);
    }
    work = await mkdtemp(join(tmpdir(), 'tessera-pack-'));
    const electronDist = join(work, 'electron-dist');
    await mkdir(join(electronDist, 'resources'), { recursive: true });
    await writeFile(join(electronDist, 'electron'), standInExecutable());
    await chmod(join(electronDist, 'electron'), 0o755);
    await writeFile(join(electronDist, 'version'), '45.5.0');
    await writeFile(join(electronDist, 'LICENSE'), 'stand-in');
    const out = join(work, 'out');

    const cli = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
    const r = spawnSync(
      process.execPath,
      [cli, '--linux', 'dir', '--config', 'build/electron-builder.json', `-c.electronDist=${electronDist}`, `-c.directories.output=${out}`],
      { cwd: ROOT, encoding: 'utf8', timeout: 280_000, env: { ...process.env, CI: 'true', ELECTRON_BUILDER_OFFLINE: '1' } },
    );
    expect(r.status, `electron-builder failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

    const archive = join(out, 'linux-unpacked', 'resources', 'app.asar');
    expect(existsSync(archive), `no ${archive}`).toBe(true);
    const executable = join(out, 'linux-unpacked', 'tessera');
    expect(existsSync(executable), 'the Electron executable renamed after the app').toBe(true);

    // The fuses, read back from the packed executable's wire.
    const wire = await fuses.getCurrentFuseWire(executable);
    const option = fuses.FuseV1Options;
    const fuse = (name: string): string | number | undefined => wire[String(option[name])];
    expect(wire.version).toBe('1');
    expect(fuse('RunAsNode'), 'ELECTRON_RUN_AS_NODE ignored').toBe(OFF);
    expect(fuse('EnableNodeOptionsEnvironmentVariable'), 'NODE_OPTIONS ignored').toBe(OFF);
    expect(fuse('EnableNodeCliInspectArguments'), '--inspect ignored').toBe(OFF);
    expect(fuse('EnableEmbeddedAsarIntegrityValidation'), 'app.asar integrity checked').toBe(ON);
    expect(fuse('OnlyLoadAppFromAsar'), 'only app.asar is loaded').toBe(ON);
    // Fuses the config leaves alone keep the stock values.
    expect(fuse('EnableCookieEncryption')).toBe(OFF);
    expect(fuse('GrantFileProtocolExtraPrivileges')).toBe(ON);
    const files = new Set(asar.listPackage(archive).map((p) => p.replace(/\\/g, '/').replace(/^\//, '')));

    for (const f of BUILT) expect(files.has(f), `${f} in app.asar`).toBe(true);

    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main?: string; type?: string };
    expect(pkg.main).toBeTruthy();
    expect(files.has(posix.normalize(pkg.main ?? '')), `package.json main (${pkg.main}) resolves inside app.asar`).toBe(true);

    // Every asset index.html references is packed.
    const html = asar.extractFile(archive, 'dist/renderer/index.html').toString('utf8');
    const refs = [...html.matchAll(/(?:src|href)="\.?\/?([^"#?]+)"/g)].map((m) => m[1] ?? '').filter((p) => p && !/^[a-z]+:/i.test(p));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(files.has(posix.join('dist/renderer', ref)), `renderer asset ${ref}`).toBe(true);

    // The main process's import graph resolves inside the archive (relative files and bare packages).
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const seen = new Set<string>();
    const queue = [posix.normalize(pkg.main ?? '')];
    while (queue.length > 0) {
      const file = queue.pop() ?? '';
      if (seen.has(file)) continue;
      seen.add(file);
      const src = asar.extractFile(archive, file).toString('utf8');
      for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?:[\w*{}\s,$]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2] ?? '';
        if (spec.startsWith('.')) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          // The dev-only simulator is loaded lazily by the web host's --fake-engine and is not packed.
          if (target.endsWith('engine/service/fake-session.js')) continue;
          expect(files.has(target), `${file} imports ${spec}, missing from app.asar`).toBe(true);
          queue.push(target);
        } else if (spec !== 'electron' && !builtins.has(spec)) {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
          expect(files.has(`node_modules/${name}/package.json`), `${file} imports package ${name}, missing from app.asar`).toBe(true);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(5);
  });
});
