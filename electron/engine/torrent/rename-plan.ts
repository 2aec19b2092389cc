/**
 * Renaming a file or folder of a torrent (qBittorrent's "Rename…"): which files get which new
 * path. Pure. `from` is a file's path or a folder prefix as the Files tab shows them
 * ('/'-separated); `newName` replaces its last element and may not contain separators, so
 * every new path stays inside the save folder.
 */
export class RenameError extends Error {
  override readonly name = 'RenameError';
}

export function renamePlan(paths: readonly string[], from: string, newName: string): Map<number, string> {
  const name = newName.trim();
  if (name === '' || name === '.' || name === '..' || /[/\\\p{Cc}]/u.test(name)) {
    throw new RenameError(`"${newName}" is not a usable name (no slashes; not "." or "..")`);
  }
  const parts = from.split('/');
  const renamed = [...parts.slice(0, -1), name].join('/');
  const plan = new Map<number, string>();
  paths.forEach((p, i) => {
    if (p === from) plan.set(i, renamed);
    else if (p.startsWith(from + '/')) plan.set(i, renamed + p.slice(from.length));
  });
  if (plan.size === 0) throw new RenameError(`No file or folder ${from} in this torrent`);
  const others = new Set(paths.filter((_, i) => !plan.has(i)));
  for (const p of plan.values()) {
    if (others.has(p) || [...others].some((o) => o.startsWith(p + '/') || p.startsWith(o + '/'))) throw new RenameError(`${p} is already taken in this torrent`);
  }
  return plan;
}
