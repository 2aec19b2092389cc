import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp, useController } from '../app/context.js';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { selectSelectedTorrent, visibleHashes } from '../state/selectors.js';
import { FilterBar } from './FilterBar.js';
import { CreateTorrentDialog } from './CreateTorrentDialog.js';
import { Dialog } from './Dialog.js';
import { IconCreate, IconMagnet, IconOpen, IconPause, IconPlay, IconSettings, IconTrash, Logo } from './icons.js';
import { LogoutButton } from './LogoutButton.js';
import { RemoveDialog } from './RemoveDialog.js';
import { SettingsDialog } from './SettingsDialog.js';

export function Toolbar() {
  const controller = useController();
  const selected = useApp(selectSelectedTorrent);
  const selection = useApp((s) => s.selection);
  const fileInput = useRef<HTMLInputElement>(null);
  const [magnetOpen, setMagnetOpen] = useState(false);
  const [removeOpen, setRemoveOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [createOpen, setCreateOpen] = useState(false);
  const closeCreate = useCallback(() => setCreateOpen(false), []);
  const closeSettings = useCallback(() => setSettingsOpen(false), []);

  // The buttons act on every selected torrent: pause those running, resume those paused or failed.
  const torrents = useApp((s) => s.torrents);
  const targets = selection.map((h) => torrents[h]).filter((t): t is TorrentSummary => t !== undefined);
  const pausable = targets.filter((t) => t.state !== 'paused' && t.state !== 'error').map((t) => t.infoHash);
  const resumable = targets.filter((t) => t.state === 'paused' || t.state === 'error').map((t) => t.infoHash);
  const canPause = selection.length > 0 && pausable.length > 0;
  const canResume = selection.length > 0 && resumable.length > 0;

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
        {/* Icon only: a third labelled button made the toolbar's labels wrap at 1280 px. */}
        <button type="button" className="btn btn--icon" data-testid="create-torrent-button" onClick={() => setCreateOpen(true)}
          title="Create torrent: make a .torrent from a file or folder" aria-label="Create torrent">
          <IconCreate />
        </button>
      </div>
      <div className="toolbar__sep" />
      <div className="toolbar__group">
        <button type="button" className="btn btn--icon" data-testid="resume-button" disabled={!canResume}
          onClick={() => void controller.forEach(resumable, 'resume')} title="Resume (Space)" aria-label="Resume">
          <IconPlay />
        </button>
        <button type="button" className="btn btn--icon" data-testid="pause-button" disabled={!canPause}
          onClick={() => void controller.forEach(pausable, 'pause')} title="Pause (Space)" aria-label="Pause">
          <IconPause />
        </button>
        <button type="button" className="btn btn--icon" data-testid="remove-button" disabled={!selected}
          onClick={() => setRemoveOpen(true)} title="Remove (Delete)" aria-label="Remove">
          <IconTrash />
        </button>
      </div>
      <div className="toolbar__spacer" />
      <FilterBar />
      <span className="toolbar__hint">Drop .torrent files or magnet links anywhere · Ctrl+V pastes a magnet</span>
      <button type="button" className="btn btn--icon" data-testid="settings-button" onClick={() => setSettingsOpen(true)} title="Settings" aria-label="Settings">
        <IconSettings />
      </button>
      <LogoutButton />
      {settingsOpen && <SettingsDialog onClose={closeSettings} />}
      {magnetOpen && <MagnetDialog onClose={closeMagnet} />}
      {createOpen && <CreateTorrentDialog onClose={closeCreate} />}
      {removeOpen && selected && (
        <RemoveDialog name={selected.name} infoHash={selected.infoHash} others={selection.filter((h) => h !== selected.infoHash)} onClose={closeRemove} />
      )}
      <KeyboardShortcuts onOpen={() => fileInput.current?.click()} onRemove={() => selected && setRemoveOpen(true)}
        onSelectAll={() => {
          const rows = visibleHashes(controller.store.getState());
          if (rows.length > 0) controller.selectMany(rows, selected !== null && rows.includes(selected.infoHash) ? selected.infoHash : (rows[0] ?? null));
        }}
        onPauseResume={() => {
          // Space: pause the selection when any of it runs, else resume it (qBittorrent's toggle).
          if (pausable.length > 0) void controller.forEach(pausable, 'pause');
          else if (resumable.length > 0) void controller.forEach(resumable, 'resume');
        }} />
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
          <span className="field__label">Magnet links or info-hashes (one per line)</span>
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

/**
 * Ctrl/Cmd+O opens, Delete removes, Ctrl/Cmd+A selects every row shown, Space pauses or resumes
 * the selection (outside text fields, buttons, menus and dialogs, where those keys mean something else).
 */
function KeyboardShortcuts({ onOpen, onRemove, onSelectAll, onPauseResume }: {
  onOpen: () => void; onRemove: () => void; onSelectAll: () => void; onPauseResume: () => void;
}) {
  const handlers = useRef({ onOpen, onRemove, onSelectAll, onPauseResume });
  handlers.current = { onOpen, onRemove, onSelectAll, onPauseResume };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isEditable(e.target) || document.querySelector('[role="dialog"], [role="menu"]')) return;
      const h = handlers.current;
      const mod = (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey;
      if (mod && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        h.onOpen();
      } else if (mod && e.key.toLowerCase() === 'a') {
        e.preventDefault();
        h.onSelectAll();
      } else if (e.key === 'Delete' && !e.ctrlKey && !e.metaKey) {
        h.onRemove();
      } else if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey && !isActivatable(e.target)) {
        e.preventDefault();
        h.onPauseResume();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return null;
}

/** Space clicks a focused button, tab or checkbox: leave it to them. */
function isActivatable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a[href], [role="tab"], [role="checkbox"], [role="menuitem"], summary') !== null;
}

export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
