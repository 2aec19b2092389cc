/**
 * Whether the files of a torrent exist, without one lstat per file: a torrent of 100,000
 * files that are not there yet would otherwise cost 100,000 failing system calls (and as many
 * exception objects) on every check. A folder holding many of the torrent's files is read
 * once; files in folders holding few of them (a single-file torrent in a big Downloads folder)
 * are looked at one by one.
 */
import fs from 'node:fs';
import path from 'node:path';

/** 'present' is anything but a link (file, folder, device…), or a file whose folder could not be read. */
export type EntryKind = 'missing' | 'link' | 'present';

/** From this many of the torrent's files in one folder, the folder is listed rather than each file looked at. */
export const LIST_FOLDER_FROM = 16;

type Listing = Map<string, fs.Dirent> | 'missing' | 'unreadable';

export class FolderListings {
  /** Files of the torrent per folder: decides listing vs looking at each file. */
  private readonly perFolder = new Map<string, number>();
  private readonly listings = new Map<string, Promise<Listing>>();

  constructor(files: Iterable<string>) {
    for (const file of files) {
      const dir = path.dirname(file);
      this.perFolder.set(dir, (this.perFolder.get(dir) ?? 0) + 1);
    }
  }

  /** What `file` is now, not following a link. Folders on the way are followed: check them first where that matters. */
  async lookup(file: string): Promise<EntryKind> {
    const dir = path.dirname(file);
    if ((this.perFolder.get(dir) ?? 0) < LIST_FOLDER_FROM) return lstatKind(file);
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = readListing(dir);
      this.listings.set(dir, listing);
    }
    const entries = await listing;
    if (entries === 'missing') return 'missing';
    // Cannot tell from here: the caller's own system call reports the real problem.
    if (entries === 'unreadable') return 'present';
    const entry = entries.get(path.basename(file));
    return entry === undefined ? 'missing' : entry.isSymbolicLink() ? 'link' : 'present';
  }
}

function readListing(dir: string): Promise<Listing> {
  return new Promise((resolve) =>
    fs.readdir(dir, { withFileTypes: true }, (err, entries) => {
      if (err) resolve(err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : 'unreadable');
      else resolve(new Map(entries.map((e) => [e.name, e])));
    }),
  );
}

function lstatKind(file: string): Promise<EntryKind> {
  return new Promise((resolve) =>
    fs.lstat(file, (err, stat) => {
      if (err) resolve(err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : 'present');
      else resolve(stat.isSymbolicLink() ? 'link' : 'present');
    }),
  );
}
