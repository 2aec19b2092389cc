/**
 * A torrent's folders as numbered nodes (`<parent id>/<name key>` → id; the root is 0), so that
 * adding a file's folders and looking a path up cost its length. Keyed by whole folder paths
 * (as duplicates.ts and symlinks.ts did), each cost the square of the depth: 50 files 4,000
 * folders deep (a 600 KB torrent; a peer's metadata may be 16 MiB) held the event loop 5 s.
 * `nameKey` folds names that count as one (duplicates.ts: ASCII case).
 */
export class FolderIds {
  private readonly ids = new Map<string, number>();

  constructor(private readonly nameKey: (name: string) => string = (name) => name) {}

  /** The id of the folder holding the last of `elements`, numbering the folders not seen yet. */
  parentOf(elements: readonly string[]): number {
    let id = 0;
    for (let i = 0; i < elements.length - 1; i++) {
      const k = `${id}/${this.nameKey(elements[i] as string)}`;
      let next = this.ids.get(k);
      if (next === undefined) this.ids.set(k, (next = this.ids.size + 1));
      id = next;
    }
    return id;
  }

  /** The id of folder `name` inside folder `parent`, or -1 when there is none. */
  child(parent: number, name: string): number {
    return this.ids.get(`${parent}/${this.nameKey(name)}`) ?? -1;
  }

  /** The id of folder `path` ('/'-joined) below folder `from` (the root by default), or -1 when it is none. */
  idOf(path: string, from = 0): number {
    let id = from;
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      id = this.child(id, slash < 0 ? path.slice(start) : path.slice(start, slash));
      if (id < 0 || slash < 0) return id;
      start = slash + 1;
    }
  }

  /** Whether `path` is a folder (the root, '', is not counted). */
  has(path: string): boolean {
    return path !== '' && this.idOf(path) >= 0;
  }
}
