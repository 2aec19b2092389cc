/**
 * `tessera info <file.torrent | magnet-uri> [--json]`: what a torrent (or a magnet link) contains.
 * Exit 0 when it loads; 2 with a one-line reason on stderr when it cannot be read or is invalid.
 */
import { promises as fsp } from 'node:fs';
import { formatPeerAddress, formatSelectOnly, type Magnet, MagnetError, parseMagnet } from '../engine/magnet/magnet.js';
import { type Metainfo, MetainfoError, parseTorrent } from '../engine/metainfo/index.js';
import { type ArgsSpec, parseArgs, UsageError } from './args.js';
import { formatBytes } from './format.js';
import { errorText } from '../../shared/error-text.js';
import { printable } from '../engine/tracker/types.js';
import { isMagnetUri } from './magnet-input.js';
import { commandUsage } from './usage.js';
import { MAX_TORRENT_FILE_BYTES } from '../../shared/contract/commands.js';

export const INFO_ARGS: ArgsSpec = { options: [], flags: ['json'] };

/**
 * A string from the torrent or magnet as the terminal may show it: a comment, tracker or file
 * name may carry escape sequences (ESC, CSI) that would rewrite the screen, so every control
 * character becomes a space. Whole, not shortened: a file's path is shown in full.
 */
function shown(text: string): string {
  return printable(text, Number.POSITIVE_INFINITY);
}

/** ISO 8601 of a creation date, or null when a Date cannot hold it (the parser drops those, but a Metainfo may come from elsewhere). */
export function formatCreationDate(seconds: number): string | null {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * Larger .torrent files are refused before reading: the engine's limit, so that `info` reads
 * every torrent that `download` and `seed` accept (libtorrent's max_buffer_size, 10 MB, refused
 * ones between the two that the rest of Tessera loads).
 */
const MAX_TORRENT_FILE = MAX_TORRENT_FILE_BYTES;

/** Text is handed to the output in pieces of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Where `info` writes: collects lines into pieces of {@link CHUNK_CHARS}, so that a torrent of
 * 300,000 files is written as it is formatted, not first built into one array of lines and one
 * string of tens of MB (and, for JSON, a second object per file and its whole text).
 */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (text: string) => void) {}

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

type FileJson = Record<string, unknown>;

function fileToJson(f: Metainfo['files'][number]): FileJson {
  return {
    path: f.path,
    length: f.length,
    offset: f.offset,
    pad: f.pad,
    ...(f.attr !== '' ? { attr: f.attr } : {}),
    ...(f.symlinkTarget !== null ? { symlinkTarget: f.symlinkTarget } : {}),
  };
}

/** Everything of `tessera info --json` but the files, which {@link writeMetainfoJson} adds one by one. */
function metainfoHeadJson(m: Metainfo, files: FileJson[]): Record<string, unknown> {
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
    ...(m.infoHashV2 !== null ? { infoHashV2: m.infoHashV2.toString('hex') } : {}),
    private: m.private,
    files,
    announce: m.announce,
    urlList: m.urlList,
    httpSeeds: m.httpSeeds,
    dhtNodes: m.dhtNodes,
    comment: m.comment,
    createdBy: m.createdBy,
    creationDate: m.creationDate,
    source: m.source,
  };
}

/** The JSON shape of `tessera info --json` (no Buffers, stable field names). */
export function metainfoToJson(m: Metainfo): Record<string, unknown> {
  return metainfoHeadJson(m, m.files.map(fileToJson));
}

/** Where the file list goes in the indented JSON: a raw newline or quote never occurs inside a JSON string. */
const FILES_SLOT = '\n  "files": []';

/**
 * `JSON.stringify(metainfoToJson(m), null, 2)` and a newline, written in pieces: the files are
 * stringified one at a time into the place the empty list holds in the rest.
 */
export function writeMetainfoJson(m: Metainfo, write: (text: string) => void): void {
  const head = JSON.stringify(metainfoHeadJson(m, []), null, 2);
  const at = head.indexOf(FILES_SLOT);
  const out = new ChunkedWriter(write);
  if (m.files.length === 0 || at < 0) {
    out.add(`${JSON.stringify(metainfoToJson(m), null, 2)}\n`);
  } else {
    out.add(head.slice(0, at));
    out.add('\n  "files": [');
    m.files.forEach((f, i) => {
      out.add(`${i === 0 ? '' : ','}\n    ${JSON.stringify(fileToJson(f), null, 2).replace(/\n/g, '\n    ')}`);
    });
    out.add('\n  ]');
    out.add(`${head.slice(at + FILES_SLOT.length)}\n`);
  }
  out.flush();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatMetainfo(m: Metainfo): string {
  const parts: string[] = [];
  writeMetainfo(m, (text) => parts.push(text));
  return parts.join('');
}

/** The text of `tessera info`, written in pieces (see {@link ChunkedWriter}). */
export function writeMetainfo(m: Metainfo, write: (text: string) => void): void {
  const out = new ChunkedWriter(write);
  const line = (text: string): void => out.add(`${text}\n`);
  const row = (label: string, value: string): void => {
    line(`${`${label}:`.padEnd(15)}${value}`);
  };
  row('Name', shown(m.name));
  const version = m.hybrid ? ' (v1 hash of a v1+v2 hybrid)' : m.infoHashV2 !== null ? ' (v2: first 20 bytes of the SHA-256)' : '';
  row('Info-hash', m.infoHashHex + version);
  if (m.infoHashV2 !== null) row('v2 info-hash', m.infoHashV2.toString('hex'));
  const padBytes = m.totalLength - m.payloadLength;
  row(
    'Total size',
    `${formatBytes(m.payloadLength)} (${m.payloadLength} bytes${padBytes > 0 ? ` + ${padBytes} bytes of padding` : ''})`,
  );
  row('Piece length', `${formatBytes(m.pieceLength)} (${m.pieceLength} bytes)`);
  row('Pieces', `${m.pieceCount}, last piece ${m.lastPieceLength} bytes`);
  row('Private', m.private ? 'yes' : 'no');
  if (m.source !== null) row('Source', shown(m.source));
  if (m.createdBy !== null) row('Created by', shown(m.createdBy));
  const created = m.creationDate === null ? null : formatCreationDate(m.creationDate);
  if (created !== null) row('Created on', created);
  if (m.comment !== null) row('Comment', shown(m.comment));

  if (m.announce.length === 0) {
    row('Trackers', 'none');
  } else {
    line('Trackers:');
    m.announce.forEach((tier, i) => {
      for (const url of tier) line(`  tier ${i + 1}  ${shown(url)}`);
    });
  }
  if (m.urlList.length > 0 || m.httpSeeds.length > 0) {
    line('Web seeds:');
    for (const url of m.urlList) line(`  ${shown(url)}`);
    for (const url of m.httpSeeds) line(`  ${shown(url)} (BEP 17)`);
  }

  // Loops, not filter() or Math.max(...lengths): no array per file (and spread arguments
  // overflow the stack past ~100,000 files).
  let pads = 0;
  let width = 0;
  for (const f of m.files) {
    if (f.pad) pads++;
    width = Math.max(width, String(f.length).length);
  }
  const real = m.files.length - pads;
  line(`Files (${plural(real, 'file')}${pads > 0 ? `, ${plural(pads, 'pad file')}` : ''}):`);
  for (const f of m.files) {
    const mark = f.pad ? ' [pad]' : f.symlinkTarget !== null ? ` -> ${shown(f.symlinkTarget)}` : '';
    line(`  ${String(f.length).padStart(width)}  ${shown(f.path)}${mark}`);
  }
  out.flush();
}

/** The JSON shape of `tessera info --json '<magnet>'`. */
export function magnetToJson(m: Magnet): Record<string, unknown> {
  return {
    infoHash: m.infoHashHex,
    // A btmh (BEP 52) magnet's full SHA-256: infoHash is only its first 20 bytes when there is no btih.
    ...(m.infoHashV2 !== null ? { infoHashV2: m.infoHashV2.toString('hex') } : {}),
    name: m.name,
    trackers: m.trackers,
    peers: m.peers.map(formatPeerAddress),
    webSeeds: m.webSeeds,
    selectOnly: m.selectOnly,
  };
}

/** What a magnet link says (nothing more is known until the metadata is fetched). */
export function formatMagnetInfo(m: Magnet): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${`${label}:`.padEnd(15)}${value}`);
  };
  const list = (label: string, items: string[]): void => {
    if (items.length === 0) return row(label, 'none');
    lines.push(`${label}:`);
    for (const item of items) lines.push(`  ${shown(item)}`);
  };
  row('Name', m.name === null ? '(none: known once the metadata arrives)' : shown(m.name));
  // As for a .torrent: a v2-only magnet's wire hash is its SHA-256 cut to 20 bytes, and the full one is shown too.
  const v2Only = m.infoHashV2 !== null && m.infoHashV2.subarray(0, 20).equals(m.infoHash);
  row('Info-hash', m.infoHashHex + (v2Only ? ' (v2: first 20 bytes of the SHA-256)' : ''));
  if (m.infoHashV2 !== null) row('v2 info-hash', m.infoHashV2.toString('hex'));
  list('Trackers', m.trackers);
  list('Peers', m.peers.map(formatPeerAddress));
  if (m.webSeeds.length > 0) list('Web seeds', m.webSeeds);
  row('Files', m.selectOnly === null ? 'all' : `only ${formatSelectOnly(m.selectOnly)} (BEP 53 so)`);
  return `${lines.join('\n')}\n`;
}

function runMagnetInfo(uri: string, json: boolean): number {
  let magnet: Magnet;
  try {
    magnet = parseMagnet(uri);
  } catch (e) {
    if (e instanceof MagnetError) {
      process.stderr.write(`tessera info: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // Items skipped as libtorrent skips them (a bad tracker URL, peer or so range): said on stderr.
  for (const why of magnet.ignored) process.stderr.write(`tessera info: warning: ${why}; that item is ignored\n`);
  process.stdout.write(json ? `${JSON.stringify(magnetToJson(magnet), null, 2)}\n` : formatMagnetInfo(magnet));
  return 0;
}

export async function runInfo(argv: string[]): Promise<number> {
  const args = parseArgs(argv, INFO_ARGS);
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError(commandUsage('info'));
  if (isMagnetUri(file)) return runMagnetInfo(file, args.flags.has('json'));

  let bytes: Buffer;
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_TORRENT_FILE) throw new Error(`${stat.size} bytes is too large for a .torrent file (limit ${MAX_TORRENT_FILE})`);
    bytes = await fsp.readFile(file);
  } catch (e) {
    process.stderr.write(`tessera info: cannot read ${file}: ${errorText(e)}\n`);
    return 2;
  }

  let meta: Metainfo;
  try {
    // The bytes are read for this and the process exits after printing: the layers need no copy.
    meta = parseTorrent(bytes, { maxSize: MAX_TORRENT_FILE, viewsOfInput: true });
  } catch (e) {
    if (e instanceof MetainfoError) {
      process.stderr.write(`tessera info: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const write = (text: string): void => void process.stdout.write(text);
  if (args.flags.has('json')) writeMetainfoJson(meta, write);
  else writeMetainfo(meta, write);
  return 0;
}
