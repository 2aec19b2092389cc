/**
 * `tessera create <path> -o <file.torrent> …` (options: usage.ts)
 * Hashes a file or folder into a .torrent (a v1+v2 hybrid unless told otherwise, as qBittorrent
 * does) and prints its info-hash(es).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type CreatedTorrent, createTorrentWithSummary, MAX_CREATED_PIECE_LENGTH, type TorrentFormat } from '../engine/metainfo/index.js';
import { MAX_TORRENT_FILE_BYTES } from '../../shared/contract/commands.js';
import { type ArgsSpec, parseArgs, UsageError } from './args.js';
import { formatBytes, parseByteSize } from './format.js';
import { errorText } from '../../shared/error-text.js';
import { commandUsage } from './usage.js';
import { hashingProgress, writeTorrentFile } from './create-output.js';

const USAGE = commandUsage('create');
/** -o is the documented spelling; --output works too. */
export const CREATE_ARGS: ArgsSpec = {
  options: ['output', 'format', 'piece-length', 'tracker', 'web-seed', 'source', 'comment', 'created-by'],
  flags: ['private', 'no-date'],
  short: { o: 'output' },
};
const FORMATS: readonly TorrentFormat[] = ['v1', 'v2', 'hybrid'];

export async function runCreate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, CREATE_ARGS);
  const [source, ...extra] = args.positionals;
  const output = args.options.get('output')?.at(-1);
  if (source === undefined || extra.length > 0 || output === undefined) throw new UsageError(USAGE);

  const formatArg = args.options.get('format')?.at(-1) ?? 'hybrid';
  const format = FORMATS.find((f) => f === formatArg);
  if (format === undefined) throw new UsageError(`--format must be v1, v2 or hybrid, not "${formatArg}"`);

  let pieceLength: number | undefined;
  const pl = args.options.get('piece-length')?.at(-1);
  if (pl !== undefined) {
    pieceLength = parseByteSize(pl);
    if (!Number.isSafeInteger(pieceLength) || pieceLength < 16 * 1024 || pieceLength > MAX_CREATED_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
      throw new UsageError(`--piece-length must be a power of two from 16 KiB to 256 MiB (e.g. 262144 or 256K), not "${pl}"`);
    }
  }

  const inside = await outputInsideSource(source, output);
  if (inside !== null) {
    process.stderr.write(`tessera create: ${output} is inside ${inside}, the folder being hashed: it would become part of the torrent (and a second run would hash the old .torrent it then overwrites); write it elsewhere\n`);
    return 2;
  }

  let made: CreatedTorrent;
  const progress = hashingProgress(process.stderr);
  try {
    made = await createTorrentWithSummary({
      sourcePath: source,
      format,
      pieceLength,
      trackerTiers: trackerTiers(args.options.get('tracker') ?? []),
      webSeeds: args.options.get('web-seed') ?? [],
      private: args.flags.has('private'),
      source: args.options.get('source')?.at(-1),
      comment: args.options.get('comment')?.at(-1),
      // --created-by '' leaves the field out.
      createdBy: (args.options.get('created-by')?.at(-1) ?? 'Tessera') || undefined,
      creationDate: args.flags.has('no-date') ? null : undefined,
      onWarning: (message) => process.stderr.write(`tessera create: ${message}\n`),
      onProgress: progress.update,
    });
    await writeTorrentFile(output, made.torrent);
  } catch (e) {
    progress.end();
    process.stderr.write(`tessera create: ${errorText(e)}\n`);
    return 2;
  }

  // What it holds, as createTorrent made it: parsing it back took more memory than making it (100,000 files).
  if (made.torrent.byteLength > MAX_TORRENT_FILE_BYTES) {
    process.stderr.write(`tessera create: warning: the .torrent is ${formatBytes(made.torrent.byteLength)}; clients refuse larger than about 10–16 MiB (choose larger pieces)\n`);
  }
  process.stdout.write(
    `${output}: ${made.name}, ${formatBytes(made.totalLength)} in ${made.fileCount} file(s), ` +
      `${made.pieceCount} pieces of ${formatBytes(made.pieceLength)}\n` +
      `info-hash ${made.infoHash.toString('hex')}\n` +
      (made.infoHashV2 !== null ? `v2 info-hash ${made.infoHashV2.toString('hex')}\n` : ''),
  );
  return 0;
}

/**
 * One tier per --tracker; commas inside a value separate the trackers of that tier, as
 * mktorrent's `-a` reads them (`--tracker a,b --tracker c`: tier 1 a and b, tier 2 c). A comma
 * that belongs to a URL is written %2C.
 */
export function trackerTiers(values: readonly string[]): string[][] {
  return values.map((v) => v.split(',').map((url) => url.trim()).filter((url) => url !== ''));
}

/**
 * The folder being hashed, when `output` lies inside it (through symbolic links too); else null.
 * The .torrent is written after hashing, so the first run leaves it out, but every later run
 * hashes the previous .torrent and then overwrites it: the torrent no longer matches its own
 * folder. transmission-create does just that; refusing up front costs nothing.
 */
async function outputInsideSource(source: string, output: string): Promise<string | null> {
  const realSource = await fsp.realpath(source).catch(() => null);
  if (realSource === null || !(await fsp.stat(realSource)).isDirectory()) return null;
  const outputAbsolute = path.resolve(output);
  // The output need not exist yet; its folder must, or writing fails anyway (with its own message).
  const outputDir = await fsp.realpath(path.dirname(outputAbsolute)).catch(() => null);
  if (outputDir === null) return null;
  const relative = path.relative(realSource, path.join(outputDir, path.basename(outputAbsolute)));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? realSource : null;
}
