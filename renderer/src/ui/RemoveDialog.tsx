import { useState } from 'react';
import { useController } from '../app/context.js';
import { Dialog } from './Dialog.js';

/**
 * Remove a torrent, keeping or deleting its downloaded files (toolbar, Delete key, context menu).
 * `others`: more selected torrents removed with it (multi-select).
 */
export function RemoveDialog({ name, infoHash, others = [], onClose }: { name: string; infoHash: string; others?: readonly string[]; onClose: () => void }) {
  const controller = useController();
  const [deleteData, setDeleteData] = useState(false);
  return (
    <Dialog title={others.length > 0 ? 'Remove torrents' : 'Remove torrent'} onCancel={onClose} testId="remove-dialog">
      <p className="dialog__text" data-testid="remove-what">
        Remove <strong>{name || infoHash}</strong>{others.length > 0 && ` and ${others.length} more torrent${others.length === 1 ? '' : 's'}`} from the list?
      </p>
      <fieldset className="choices">
        <label className="choice">
          <input type="radio" name="remove-data" checked={!deleteData} onChange={() => setDeleteData(false)} data-testid="remove-keep-data" />
          <span>Keep the downloaded files</span>
        </label>
        <label className="choice choice--danger">
          <input type="radio" name="remove-data" checked={deleteData} onChange={() => setDeleteData(true)} data-testid="remove-delete-data" />
          <span>Also delete the downloaded files</span>
        </label>
      </fieldset>
      <div className="dialog__actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className={deleteData ? 'btn btn--danger' : 'btn btn--primary'} data-autofocus data-testid="remove-confirm"
          onClick={() => { onClose(); void controller.removeMany([infoHash, ...others], deleteData); }}>
          {deleteData ? 'Remove and delete files' : 'Remove'}
        </button>
      </div>
    </Dialog>
  );
}
