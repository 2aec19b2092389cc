/**
 * Whether the files of a torrent exist, without one lstat per file: a torrent of 100,000
 * files that are not there yet would otherwise cost 100,000 failing system calls (and as many
 * exception objects) on every check. The first file looked up in a folder is looked at on its
 * own (a single-file torrent in a big Downloads folder lists nothing); from the second on, the
 * folder is read once and answers for all of them.
 */
import fs from 'node:fs';
import path from 'node:path';

/** 'present' is anything but a link (file, folder, device…), or a file whose folder could not be read. */
export type EntryKind = 'missing' | 'link' | 'present';

type Listing = Map<string, fs.Dirent> | 'missing' | 'unreadable';

export class FolderListings {
  /** Per folder looked at: null after its first file (looked at alone), then its listing. */
  private readonly listings = new Map<string, Promise<Listing> | null>();

  /** What `file` is now, not following a link. Folders on the way are followed: check them first where that matters. */
  async lookup(file: string): Promise<EntryKind> {
    return (await this.look(file)).kind;
  }

  /**
   * The same, with the file's lstat when that is how it was looked at (the first file of a
   * folder: for a single-file torrent, the caller that wants the size and time needs no
   * second lstat of the same file).
   */
  async look(file: string): Promise<{ kind: EntryKind; stats: fs.Stats | null }> {
    const dir = path.dirname(file);
    let listing = this.listings.get(dir);
    if (listing === undefined) {
      this.listings.set(dir, null);
      return lstatEntry(file);
    }
    if (listing === null) {
      listing = readListing(dir);
      this.listings.set(dir, listing);
    }
    const entries = await listing;
    if (entries === 'missing') return { kind: 'missing', stats: null };
    // Cannot tell from here: the caller's own system call reports the real problem.
    if (entries === 'unreadable') return { kind: 'present', stats: null };
    const entry = entries.get(path.basename(file));
    return { kind: entry === undefined ? 'missing' : entry.isSymbolicLink() ? 'link' : 'present', stats: null };
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

function lstatEntry(file: string): Promise<{ kind: EntryKind; stats: fs.Stats | null }> {
  return new Promise((resolve) =>
    fs.lstat(file, (err, stats) => {
      if (err) resolve({ kind: err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : 'present', stats: null });
      else resolve({ kind: stats.isSymbolicLink() ? 'link' : 'present', stats });
    }),
  );
}
