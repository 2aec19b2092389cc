import { useEffect, useMemo, useState } from 'react';
import type { FileView, TorrentSummary } from '../../../shared/contract/index.js';
import { useController } from '../app/context.js';
import { Dialog } from './Dialog.js';

/** Files and the folders above them, as renamable paths (folders first, each once). */
export function renamableEntries(files: readonly FileView[]): Array<{ path: string; folder: boolean }> {
  const folders = new Set<string>();
  const shown = files.filter((f) => !f.pad);
  for (const f of shown) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return [...[...folders].sort().map((path) => ({ path, folder: true })), ...shown.map((f) => ({ path: f.path, folder: false }))];
}

/** qBittorrent's "Rename…" for a torrent's files and folders: the data on disk is renamed too. */
export function RenameDialog({ torrent: t, onClose }: { torrent: TorrentSummary; onClose: () => void }) {
  const controller = useController();
  const [files, setFiles] = useState<FileView[] | null>(null);
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  useEffect(() => {
    let live = true;
    void controller.call(() => controller.client.getFiles({ infoHash: t.infoHash })).then((f) => {
      if (live && f) setFiles(f);
    });
    return () => {
      live = false;
    };
  }, [controller, t.infoHash]);
  const entries = useMemo(() => renamableEntries(files ?? []), [files]);
  const choose = (p: string) => {
    setPath(p);
    setName(p.split('/').pop() ?? '');
  };
  const save = async () => {
    if (!path || !name.trim()) return;
    const ok = await controller.call(async () => {
      await controller.client.renamePath({ infoHash: t.infoHash, path, newName: name.trim() });
      return true;
    });
    if (ok) onClose();
  };
  return (
    <Dialog title="Rename" onCancel={onClose} testId="rename-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <p className="dialog__text">{t.name || t.infoHash}</p>
        <label className="field">
          <span className="field__label">File or folder</span>
          <select className="input" value={path} onChange={(e) => choose(e.target.value)} data-testid="rename-path" disabled={files === null}>
            <option value="" disabled>{files === null ? 'Loading…' : 'Choose…'}</option>
            {entries.map((e) => <option key={e.path} value={e.path}>{e.folder ? `${e.path}/` : e.path}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field__label">New name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-testid="rename-name" />
        </label>
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={!path || !name.trim() || name.includes('/')} data-testid="rename-save">Rename</button>
        </div>
      </form>
    </Dialog>
  );
}
