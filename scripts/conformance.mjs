#!/usr/bin/env node
// Conformance check: runs `tessera info <file>` over every .torrent of a folder and compares
// the load/fail verdicts with the folder's EXPECTED.md (libtorrent's own verdicts).
//
//   npm run conformance -- <folder>
//   TESSERA_CLI='npx tsx electron/cli/main.ts' npm run conformance -- <folder>
//
// Rules: every "Must LOAD OK" torrent must load (exit 0), v2-only and hybrid (BEP 52) ones
// included; every "Must FAIL" torrent must be rejected with exit code 2 (a crash is not a
// rejection). Prints a table (v2 and hybrid torrents are marked) and "N passed, M failed";
// exits 1 on any mismatch.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const CLI = process.env.TESSERA_CLI || 'node dist/cli/main.js';
const CONCURRENCY = 2;
const TIMEOUT_MS = 60_000;

function usage(message) {
  process.stderr.write(`conformance: ${message}\nusage: npm run conformance -- <folder with EXPECTED.md and .torrent files>\n`);
  process.exit(2);
}

/** Tables under "## Must LOAD OK" and "## Must FAIL": file name -> expected error (FAIL only). */
function parseExpected(text) {
  const load = new Set();
  const fail = new Map();
  let section = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      section = /^## Must LOAD OK/i.test(line) ? 'load' : /^## Must FAIL/i.test(line) ? 'fail' : null;
      continue;
    }
    if (section === null || !line.trim().startsWith('|')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const file = cells[0] ?? '';
    if (!file.endsWith('.torrent')) continue; // header and separator rows
    if (section === 'load') load.add(file);
    else fail.set(file, cells[1] ?? '');
  }
  return { load, fail };
}

/**
 * Minimal lenient bencode reader, only to tell a torrent's BEP 52 flavour: 'v2' (meta version
 * >= 2 and no v1 'pieces'/'files'/'length'), 'hybrid' (both), or null (v1, or cannot tell).
 */
function flavour(bytes) {
  let pos = 0;
  const read = (depth) => {
    if (depth > 200 || pos >= bytes.length) throw new Error('bad');
    const c = bytes[pos];
    if (c === 0x69) {
      const end = bytes.indexOf(0x65, pos);
      if (end < 0) throw new Error('bad');
      const n = Number(bytes.subarray(pos + 1, end).toString('latin1'));
      pos = end + 1;
      return n;
    }
    if (c === 0x6c || c === 0x64) {
      pos++;
      const items = [];
      while (bytes[pos] !== 0x65) items.push(read(depth + 1));
      pos++;
      if (c === 0x6c) return items;
      const dict = new Map();
      for (let i = 0; i + 1 < items.length; i += 2) dict.set(Buffer.from(items[i]).toString('latin1'), items[i + 1]);
      return dict;
    }
    const colon = bytes.indexOf(0x3a, pos);
    if (colon < 0) throw new Error('bad');
    const len = Number(bytes.subarray(pos, colon).toString('latin1'));
    const s = bytes.subarray(colon + 1, colon + 1 + len);
    pos = colon + 1 + len;
    return s;
  };
  try {
    const root = read(0);
    const info = root instanceof Map ? root.get('info') : undefined;
    if (!(info instanceof Map)) return null;
    const version = info.get('meta version');
    if (typeof version !== 'number' || version < 2) return null;
    return info.has('pieces') || info.has('files') || info.has('length') ? 'hybrid' : 'v2';
  } catch {
    return null;
  }
}

/** Runs `$TESSERA_CLI info <file>` through sh, the file passed as a separate argument. */
function runInfo(file) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `${CLI} "$@"`, 'sh', 'info', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stderr: stderr.trim() });
    });
  });
}

function firstLine(text) {
  const line = text.split('\n')[0] ?? '';
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

async function main() {
  const folder = process.argv[2];
  if (!folder) usage('missing folder');
  const expectedPath = path.join(folder, 'EXPECTED.md');
  if (!existsSync(expectedPath)) usage(`${expectedPath} not found`);
  const { load, fail } = parseExpected(readFileSync(expectedPath, 'utf8'));
  if (load.size + fail.size === 0) usage(`no cases found in ${expectedPath}`);

  const present = new Set(readdirSync(folder).filter((f) => f.endsWith('.torrent')));
  const cases = [...new Set([...load, ...fail.keys(), ...present])].sort();

  const results = new Map();
  let next = 0;
  async function worker() {
    while (next < cases.length) {
      const file = cases[next++];
      const expect = load.has(file) ? 'load' : fail.has(file) ? 'fail' : 'unlisted';
      if (!present.has(file)) {
        results.set(file, { expect, got: 'file missing', ok: false });
        continue;
      }
      const full = path.join(folder, file);
      const { code, stderr } = await runInfo(full);
      // "tessera info: /path/file.torrent: reason" -> "reason"
      const reason = firstLine(stderr.replace(`tessera info: ${full}: `, ''));
      const got = code === 0 ? 'loaded' : `exit ${code}: ${reason}`;
      let ok;
      const kind = flavour(readFileSync(full));
      if (expect === 'load') {
        ok = code === 0;
        if (ok && kind !== null) results.set(file, { expect, got, ok, note: `ok (${kind})` });
      } else if (expect === 'fail') {
        ok = code === 2;
        if (ok && kind !== null) results.set(file, { expect, got, ok, note: `ok (${kind})` });
      } else {
        ok = null;
      }
      if (!results.has(file)) results.set(file, { expect, got, ok });
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const rows = cases.map((file) => {
    const r = results.get(file);
    const expect = r.expect === 'fail' ? `fail (${fail.get(file)})` : r.expect;
    const verdict = r.ok === null ? 'not listed' : r.ok ? (r.note ?? 'ok') : 'MISMATCH';
    return [file, expect, r.got, verdict];
  });
  const header = ['torrent', 'expected', 'tessera', 'result'];
  const widths = header.map((h, i) => Math.min(70, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const fmt = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`${fmt(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const r of rows) process.stdout.write(`${fmt(r)}\n`);

  const passed = [...results.values()].filter((r) => r.ok === true).length;
  const failed = [...results.values()].filter((r) => r.ok === false).length;
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`conformance: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
