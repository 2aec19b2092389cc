#!/usr/bin/env node
// Indicative measurement (issue 13): the time Tessera takes to download the same content as a
// v1, a v2-only and a hybrid torrent from one libtorrent seeder on loopback — the cost of
// BEP 52 merkle hashing. Needs `npm run build` and python3-libtorrent.
//
//   node scripts/bench-v2.mjs [--size-mib 256] [--piece-kib 1024] [--runs 1] [--with-libtorrent]
//
// 'v1pad' is the v1 torrent with BEP 47 pad files (what v2 and hybrid layouts always have):
// the control that separates the cost of pad files from the cost of merkle hashing.
// Prints one line per format and run: seconds (Tessera's own JSON `seconds`) and MiB/s; with
// --with-libtorrent, a libtorrent leecher's time for the same torrent beside it (the bar).
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PYTHON = '/usr/bin/python3';
const SUPPORT = path.join(ROOT, 'e2e', 'support');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SIZE = arg('size-mib', 256) * 1024 * 1024;
const PIECE = arg('piece-kib', 1024) * 1024;
const RUNS = arg('runs', 1);
const FORMATS = ['v1', 'v1pad', 'v2', 'hybrid'];

function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(args[0] ?? cmd)} exited ${code}: ${err.trim()}`))));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-v2-'));
let seeder = null;
try {
  const src = path.join(dir, 'src', 'content');
  mkdirSync(src, { recursive: true });
  // Two files (a big one and one smaller than a piece), so v2 pads between them.
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (const [name, size] of [['big.bin', SIZE - 100_000], ['small.bin', 100_000]]) {
    const fd = openSync(path.join(src, name), 'w');
    for (let done = 0; done < size; done += chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, size - done));
    closeSync(fd);
  }
  const torrents = {};
  for (const format of FORMATS) {
    const out = path.join(dir, `${format}.torrent`);
    const flag = format === 'v1' ? [] : format === 'v1pad' ? ['--pad'] : [`--${format}`];
    const info = JSON.parse((await run(PYTHON, [path.join(SUPPORT, 'lt_create.py'), '--path', src, '--out', out, '--piece-length', String(PIECE), ...flag])).trim().split('\n').pop());
    torrents[format] = { path: out, infoHash: info.infoHash };
  }
  seeder = spawn(PYTHON, [path.join(SUPPORT, 'lt_seed.py'), '--save', path.join(dir, 'src'), '--listen', '127.0.0.1:0', ...Object.values(torrents).flatMap((t) => ['--torrent', t.path])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: seeder.stdout });
    lines.on('line', (l) => l.startsWith('READY ') && resolve(JSON.parse(l.slice(6))));
    seeder.on('close', (code) => reject(new Error(`lt_seed exited ${code}`)));
  });
  const env = { ...process.env, TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0', TESSERA_DHT_BOOTSTRAP: '' };
  process.stdout.write(`${SIZE / 1048576} MiB, ${PIECE / 1024} KiB pieces, libtorrent seeder at ${ready.listen}\n`);
  for (let r = 0; r < RUNS; r++) {
    // The order turns with each run, so that no format always goes first (or last) on a busy disk.
    const turn = r % FORMATS.length;
    for (const format of [...FORMATS.slice(turn), ...FORMATS.slice(0, turn)]) {
      const dl = path.join(dir, `dl-${format}-${r}`);
      const home = path.join(dir, `home-${format}-${r}`);
      const out = await run(process.execPath, [CLI, 'download', torrents[format].path, '--dir', dl, '--port', '0', '--json', '--no-dht', '--peer', ready.listen], { ...env, XDG_CONFIG_HOME: home, HOME: home });
      const json = JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop());
      if (json.hashFailures !== 0 || json.downloaded < SIZE) throw new Error(`${format}: ${JSON.stringify(json)}`);
      let bar = '';
      if (process.argv.includes('--with-libtorrent')) {
        const ltDir = path.join(dir, `lt-${format}-${r}`);
        const ltOut = await run(PYTHON, [path.join(SUPPORT, 'lt_leech.py'), '--torrent', torrents[format].path, '--save', ltDir, '--peer', ready.listen, '--progress-interval', '0']);
        const done = JSON.parse(ltOut.trim().split('\n').filter((l) => l.startsWith('{')).pop());
        bar = `   libtorrent leecher ${done.seconds.toFixed(2)} s  ${(SIZE / 1048576 / done.seconds).toFixed(0)} MiB/s`;
        rmSync(ltDir, { recursive: true, force: true });
      }
      process.stdout.write(`${format.padEnd(7)} ${json.seconds.toFixed(2)} s  ${(SIZE / 1048576 / json.seconds).toFixed(0)} MiB/s${bar}\n`);
      rmSync(dl, { recursive: true, force: true });
    }
  }
} finally {
  seeder?.kill();
  rmSync(dir, { recursive: true, force: true });
}
