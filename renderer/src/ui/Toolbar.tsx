import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp, useController } from '../app/context.js';
import { selectSelectedTorrent } from '../state/selectors.js';
import { Dialog } from './Dialog.js';
import { IconMagnet, IconOpen, IconPause, IconPlay, IconSettings, IconTrash, Logo } from './icons.js';
import { RemoveDialog } from './RemoveDialog.js';
import { SettingsDialog } from './SettingsDialog.js';

export function Toolbar() {
  const controller = useController();
  const selected = useApp(selectSelectedTorrent);
  const fileInput = useRef<HTMLInputElement>(null);
  const [magnetOpen, setMagnetOpen] = useState(false);
  const [removeOpen, setRemoveOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const closeSettings = useCallback(() => setSettingsOpen(false), []);

  const paused = selected?.state === 'paused';
  const canPause = selected !== null && !paused && selected.state !== 'error';
  const canResume = selected !== null && (paused || selected.state === 'error');

  const closeMagnet = useCallback(() => setMagnetOpen(false), []);
  const closeRemove = useCallback(() => setRemoveOpen(false), []);

  return (
    <header className="toolbar">
      <h1 className="brand"><Logo /><span>Tessera</span></h1>
      <div className="toolbar__group">
        <button type="button" className="btn btn--primary" data-testid="open-button" onClick={() => fileInput.current?.click()} title="Open .torrent files (Ctrl+O)">
          <IconOpen /> Open
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".torrent,application/x-bittorrent"
          multiple
          hidden
          data-testid="open-input"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = '';
            if (files.length) void controller.addFiles(files);
          }}
        />
        <button type="button" className="btn" data-testid="add-magnet-button" onClick={() => setMagnetOpen(true)} title="Add a magnet link">
          <IconMagnet /> Add magnet
        </button>
      </div>
      <div className="toolbar__sep" />
      <div className="toolbar__group">
        <button type="button" className="btn btn--icon" data-testid="resume-button" disabled={!canResume}
          onClick={() => selected && void controller.resume(selected.infoHash)} title="Resume" aria-label="Resume">
          <IconPlay />
        </button>
        <button type="button" className="btn btn--icon" data-testid="pause-button" disabled={!canPause}
          onClick={() => selected && void controller.pause(selected.infoHash)} title="Pause" aria-label="Pause">
          <IconPause />
        </button>
        <button type="button" className="btn btn--icon" data-testid="remove-button" disabled={!selected}
          onClick={() => setRemoveOpen(true)} title="Remove (Delete)" aria-label="Remove">
          <IconTrash />
        </button>
      </div>
      <div className="toolbar__spacer" />
      <span className="toolbar__hint">Drop .torrent files or magnet links anywhere · Ctrl+V pastes a magnet</span>
      <button type="button" className="btn btn--icon" data-testid="settings-button" onClick={() => setSettingsOpen(true)} title="Settings" aria-label="Settings">
        <IconSettings />
      </button>
      {settingsOpen && <SettingsDialog onClose={closeSettings} />}
      {magnetOpen && <MagnetDialog onClose={closeMagnet} />}
      {removeOpen && selected && (
        <RemoveDialog name={selected.name} infoHash={selected.infoHash} onClose={closeRemove} />
      )}
      <KeyboardShortcuts onOpen={() => fileInput.current?.click()} onRemove={() => selected && setRemoveOpen(true)} />
    </header>
  );
}

function MagnetDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setProblem(null);
    const before = controller.store.getState().nextNoticeId;
    const ok = await controller.addMagnetText(text);
    setBusy(false);
    if (ok) {
      onClose();
      return;
    }
    // Repeat the reason inside the dialog (the banner behind it is dimmed).
    const latest = controller.store.getState().notices.filter((n) => n.level === 'error' && n.id >= before).pop();
    setProblem(latest?.message ?? 'The magnet link could not be added.');
  };
  return (
    <Dialog title="Add magnet link" onCancel={onClose} testId="magnet-dialog">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <label className="field">
          <span className="field__label">Magnet link (one per line)</span>
          <textarea className="input" rows={4} value={text} spellCheck={false} placeholder="magnet:?xt=urn:btih:…"
            data-testid="magnet-input" aria-invalid={problem !== null} onChange={(e) => { setText(e.target.value); setProblem(null); }}
            onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void submit(); } }} />
        </label>
        {problem && <p className="field__error" role="alert" data-testid="magnet-error">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={busy || text.trim() === ''} data-testid="magnet-submit">Add</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Ctrl/Cmd+O opens, Delete removes (outside text fields and dialogs). */
function KeyboardShortcuts({ onOpen, onRemove }: { onOpen: () => void; onRemove: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target) || document.querySelector('[role="dialog"]')) return;
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        onOpen();
      } else if (e.key === 'Delete' && !e.ctrlKey && !e.metaKey) {
        onRemove();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onOpen, onRemove]);
  return null;
}

export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
