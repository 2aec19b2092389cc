import { useState } from 'react';
import { categoriesOf, type TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { appliesTo } from '../util/dialogTargets.js';
import { Dialog } from './Dialog.js';

/**
 * Sets the category (one of Settings' categories, or none) of `t` and every other torrent in
 * `targets` (default: `t` alone); it starts at `t`'s. The data stays where it is.
 */
export function CategoryDialog({ torrent: t, targets = [t.infoHash], onClose }: { torrent: TorrentSummary; targets?: readonly string[]; onClose: () => void }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const categories = settings ? categoriesOf(settings) : [];
  const [value, setValue] = useState(t.category ?? '');
  const save = async () => {
    if (await controller.setCategory([...targets], value === '' ? null : value)) onClose();
  };
  return (
    <Dialog title="Category" onCancel={onClose} testId="category-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <p className="dialog__text" data-testid="dialog-targets">{appliesTo(t, targets.length)}</p>
        <label className="field">
          <span className="field__label">Category</span>
          <select className="input" value={value} onChange={(e) => setValue(e.target.value)} data-testid="category-select">
            <option value="">None</option>
            {categories.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
          </select>
        </label>
        {categories.length === 0 && <span className="field__hint">Add categories in Settings.</span>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" data-testid="category-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}
