import { useState } from 'react';
import { categoriesOf, check, relativeFolder, type MoveDestination, type TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { appliesTo } from '../util/dialogTargets.js';
import { Dialog } from './Dialog.js';

/**
 * "Move data…" (qBittorrent's Set location): to a folder inside the download folder — typed,
 * or a category's — or, in the desktop app, one chosen in the system's folder dialog. The data
 * moves with the torrent; the list shows the progress; on failure it stays where it was.
 * Moves `t` and every other torrent in `targets` (default: `t` alone). The folder dialog picks a
 * folder for one torrent, so several torrents move to a folder typed here.
 */
export function MoveDialog({ torrent: t, targets = [t.infoHash], onClose }: { torrent: TorrentSummary; targets?: readonly string[]; onClose: () => void }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const several = targets.length > 1;
  const hasFolderDialog = useApp((s) => s.capabilities?.chooseDownloadDir ?? false);
  const canChoose = hasFolderDialog && !several;
  const categories = settings ? categoriesOf(settings) : [];
  const [folder, setFolder] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const move = async (destination: MoveDestination) => {
    onClose();
    const results = await Promise.all(targets.map((infoHash) => controller.call(() => controller.client.moveStorage({ infoHash, destination }))));
    const moved = results.filter((r) => r?.moved === true);
    if (!several) {
      if (moved[0]) controller.notify('info', `${t.name}: moved to ${moved[0].savePath}`);
    } else if (moved.length > 0) {
      controller.notify('info', `${moved.length} torrent${moved.length === 1 ? '' : 's'} moved to ${moved[0]!.savePath}`);
    }
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
        <p className="dialog__text" data-testid="dialog-targets">{appliesTo(t, targets.length)}</p>
        <p className="field__hint">{several ? `${t.name || t.infoHash} is now in` : 'Now in'} <span className="mono selectable">{t.savePath}</span></p>
        <label className="field">
          <span className="field__label">Folder inside the download folder ({settings?.downloadDir ?? '…'}); empty = the download folder itself</span>
          <input className="input" value={folder} onChange={(e) => { setFolder(e.target.value); setProblem(null); }} list="move-categories" data-testid="move-folder" />
          <datalist id="move-categories">{categories.map((c) => <option key={c.name} value={c.folder}>{c.name}</option>)}</datalist>
        </label>
        {several && hasFolderDialog && <span className="field__hint">Choosing a folder in the system's dialog works for one torrent at a time.</span>}
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
