/**
 * `tessera info <file.torrent> [--json]`: what a torrent contains.
 * Exit 0 when it loads; 2 with a one-line reason on stderr when it cannot be read or is invalid.
 */
import { promises as fsp } from 'node:fs';
import { type Metainfo, MetainfoError, parseTorrent } from '../engine/metainfo/index.js';
import { parseArgs, UsageError } from './args.js';
import { formatBytes } from './format.js';

/** Larger .torrent files are refused before reading (libtorrent's max_buffer_size). */
const MAX_TORRENT_FILE = 10_000_000;

/** The JSON shape of `tessera info --json` (no Buffers, stable field names). */
export function metainfoToJson(m: Metainfo): Record<string, unknown> {
  return {
    name: m.name,
    infoHash: m.infoHashHex,
    totalLength: m.totalLength,
    payloadLength: m.payloadLength,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    lastPieceLength: m.lastPieceLength,
    multiFile: m.multiFile,
    hybrid: m.hybrid,
    private: m.private,
    files: m.files.map((f) => ({
      path: f.path,
      length: f.length,
      offset: f.offset,
      pad: f.pad,
      ...(f.attr !== '' ? { attr: f.attr } : {}),
      ...(f.symlinkTarget !== null ? { symlinkTarget: f.symlinkTarget } : {}),
    })),
    announce: m.announce,
    urlList: m.urlList,
    httpSeeds: m.httpSeeds,
    dhtNodes: m.dhtNodes,
    comment: m.comment,
    createdBy: m.createdBy,
    creationDate: m.creationDate,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatMetainfo(m: Metainfo): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${`${label}:`.padEnd(15)}${value}`);
  };
  row('Name', m.name);
  row('Info-hash', m.infoHashHex + (m.hybrid ? ' (v1 half of a v1+v2 hybrid)' : ''));
  const padBytes = m.totalLength - m.payloadLength;
  row(
    'Total size',
    `${formatBytes(m.payloadLength)} (${m.payloadLength} bytes${padBytes > 0 ? ` + ${padBytes} bytes of padding` : ''})`,
  );
  row('Piece length', `${formatBytes(m.pieceLength)} (${m.pieceLength} bytes)`);
  row('Pieces', `${m.pieceCount}, last piece ${m.lastPieceLength} bytes`);
  row('Private', m.private ? 'yes' : 'no');
  if (m.createdBy !== null) row('Created by', m.createdBy);
  if (m.creationDate !== null) row('Created on', new Date(m.creationDate * 1000).toISOString());
  if (m.comment !== null) row('Comment', m.comment.replace(/[\r\n]+/g, ' '));

  if (m.announce.length === 0) {
    row('Trackers', 'none');
  } else {
    lines.push('Trackers:');
    m.announce.forEach((tier, i) => {
      for (const url of tier) lines.push(`  tier ${i + 1}  ${url}`);
    });
  }
  if (m.urlList.length > 0 || m.httpSeeds.length > 0) {
    lines.push('Web seeds:');
    for (const url of m.urlList) lines.push(`  ${url}`);
    for (const url of m.httpSeeds) lines.push(`  ${url} (BEP 17)`);
  }

  const real = m.files.filter((f) => !f.pad).length;
  const pads = m.files.length - real;
  lines.push(`Files (${plural(real, 'file')}${pads > 0 ? `, ${plural(pads, 'pad file')}` : ''}):`);
  const width = Math.max(...m.files.map((f) => String(f.length).length));
  for (const f of m.files) {
    const mark = f.pad ? ' [pad]' : f.symlinkTarget !== null ? ` -> ${f.symlinkTarget}` : '';
    lines.push(`  ${String(f.length).padStart(width)}  ${f.path}${mark}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function runInfo(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: [], flags: ['json'] });
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('usage: tessera info <file.torrent> [--json]');

  let bytes: Buffer;
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_TORRENT_FILE) throw new Error(`${stat.size} bytes is too large for a .torrent file (limit ${MAX_TORRENT_FILE})`);
    bytes = await fsp.readFile(file);
  } catch (e) {
    process.stderr.write(`tessera info: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }

  let meta: Metainfo;
  try {
    meta = parseTorrent(bytes);
  } catch (e) {
    if (e instanceof MetainfoError) {
      process.stderr.write(`tessera info: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  process.stdout.write(args.flags.has('json') ? `${JSON.stringify(metainfoToJson(meta), null, 2)}\n` : formatMetainfo(meta));
  return 0;
}
