import { useId, useState } from 'react';
import { useController } from '../app/context.js';
import { trackersToAdd, trackerUrlProblem } from '../util/trackerInput.js';
import { Dialog } from './Dialog.js';

/**
 * qBittorrent's "Add trackers…": one URL a line, a blank line between tiers; they go after the
 * torrent's own tiers, URLs it has already are skipped. `known`: the URLs it has now.
 */
export function AddTrackersDialog({ infoHash, known, onClose, onDone }: { infoHash: string; known: readonly string[]; onClose: () => void; onDone: () => void }) {
  const controller = useController();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { text: useId(), hint: useId(), problem: useId() };
  const save = async () => {
    const parsed = trackersToAdd(text, known);
    if (!parsed.ok) return setProblem(parsed.problem);
    setProblem(null);
    if (await controller.addTrackers(infoHash, parsed.tiers)) {
      onDone();
      onClose();
    }
  };
  return (
    <Dialog title="Add trackers" onCancel={onClose} testId="add-trackers-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <div className="field">
          <label className="field__label" htmlFor={ids.text}>Tracker URLs</label>
          <textarea id={ids.text} className="input" rows={6} value={text} spellCheck={false} data-testid="add-trackers-text"
            placeholder={'udp://tracker.example.org:6969/announce\n\nhttps://backup.example.org/announce'}
            aria-invalid={problem !== null} aria-describedby={problem ? `${ids.hint} ${ids.problem}` : ids.hint}
            onChange={(e) => setText(e.target.value)} />
          <span id={ids.hint} className="field__hint">One per line; a blank line starts a new tier. They are tried after the torrent&apos;s own trackers.</span>
        </div>
        {problem && <p id={ids.problem} className="field__error" role="alert" data-testid="add-trackers-error">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={text.trim() === ''} data-testid="add-trackers-save">Add</button>
        </div>
      </form>
    </Dialog>
  );
}

/** qBittorrent's "Edit tracker URL…": the new URL takes the old one's place in its tier. */
export function EditTrackerDialog({ infoHash, url, onClose, onDone }: { infoHash: string; url: string; onClose: () => void; onDone: (newUrl: string) => void }) {
  const controller = useController();
  const [value, setValue] = useState(url);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { problem: useId() };
  const save = async () => {
    const next = value.trim();
    if (next === url) return onClose();
    const bad = trackerUrlProblem(next);
    if (bad) return setProblem(bad);
    setProblem(null);
    if (await controller.editTracker(infoHash, url, next)) {
      onDone(next);
      onClose();
    }
  };
  return (
    <Dialog title="Edit tracker" onCancel={onClose} testId="edit-tracker-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label className="field">
          <span className="field__label">Tracker URL</span>
          <input className="input" value={value} spellCheck={false} data-testid="edit-tracker-url" aria-invalid={problem !== null}
            aria-describedby={problem ? ids.problem : undefined} onChange={(e) => setValue(e.target.value)} />
        </label>
        {problem && <p id={ids.problem} className="field__error" role="alert" data-testid="edit-tracker-error">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={value.trim() === ''} data-testid="edit-tracker-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}
