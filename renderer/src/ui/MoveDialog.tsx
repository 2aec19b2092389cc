import { useState } from 'react';
import { categoriesOf, check, relativeFolder, type MoveDestination, type TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { Dialog } from './Dialog.js';

/**
 * "Move data…" (qBittorrent's Set location): to a folder inside the download folder — typed,
 * or a category's — or, in the desktop app, one chosen in the system's folder dialog. The data
 * moves with the torrent; the list shows the progress; on failure it stays where it was.
 */
export function MoveDialog({ torrent: t, onClose }: { torrent: TorrentSummary; onClose: () => void }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const canChoose = useApp((s) => s.capabilities?.chooseDownloadDir ?? false);
  const categories = settings ? categoriesOf(settings) : [];
  const [folder, setFolder] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const move = async (destination: MoveDestination) => {
    onClose();
    const r = await controller.call(() => controller.client.moveStorage({ infoHash: t.infoHash, destination }));
    if (r?.moved) controller.notify('info', `${t.name}: moved to ${r.savePath}`);
  };
  const submit = () => {
    const text = folder.trim().replace(/^\/+|\/+$/g, '');
    if (text === '') return void move({ kind: 'inside', folder: null });
    const ok = check(relativeFolder, text);
    if (!ok.ok) return setProblem('Type a folder inside the download folder, such as films/2024 (no "..").');
    void move({ kind: 'inside', folder: text });
  };
  return (
    <Dialog title="Move data" onCancel={onClose} testId="move-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <p className="dialog__text">{t.name || t.infoHash}</p>
        <p className="field__hint">Now in <span className="mono selectable">{t.savePath}</span></p>
        <label className="field">
          <span className="field__label">Folder inside the download folder ({settings?.downloadDir ?? '…'}); empty = the download folder itself</span>
          <input className="input" value={folder} onChange={(e) => { setFolder(e.target.value); setProblem(null); }} list="move-categories" data-testid="move-folder" />
          <datalist id="move-categories">{categories.map((c) => <option key={c.name} value={c.folder}>{c.name}</option>)}</datalist>
        </label>
        {problem && <p className="field__error" role="alert">{problem}</p>}
        <div className="dialog__actions">
          {canChoose && <button type="button" className="btn" onClick={() => void move({ kind: 'choose' })} data-testid="move-choose">Choose folder…</button>}
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" data-testid="move-save">Move</button>
        </div>
      </form>
    </Dialog>
  );
}
