/**
 * Seed corpora for the fuzz targets, stored in scripts/fuzz/corpus/<name>/ (one input per
 * file). torrents/ holds libtorrent's small test torrents (from ../shared/conformance); the
 * message folders hold captured and constructed protocol messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

/** Every file of one corpus folder, in name order. Throws if the folder is missing or empty. */
export function loadCorpus(name: string): Buffer[] {
  const dir = path.join(CORPUS_DIR, name);
  const files = fs.readdirSync(dir).filter((f) => !f.startsWith('.') && !f.endsWith('.md')).sort();
  if (files.length === 0) throw new Error(`fuzz corpus ${name} is empty`);
  return files.map((f) => fs.readFileSync(path.join(dir, f)));
}

/** The corpus folders whose inputs are (or start with) bencoded values. */
export const BENCODED_CORPORA = ['bencode', 'torrents', 'ext-handshake', 'ut-metadata', 'pex', 'http-tracker', 'krpc'] as const;
