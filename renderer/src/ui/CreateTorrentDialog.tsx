import { useEffect, useId, useRef, useState } from 'react';
import { CREATE_PIECE_SIZES, TesseraError, base64ToBytes, type CreatedTorrent, type TorrentCreationEvent } from '../../../shared/contract/index.js';
import { errorText } from '../../../shared/error-text.js';
import { useApp, useController } from '../app/context.js';
import { EMPTY_CREATE_FORM, createPayload, type CreateForm, type CreateFormField } from '../util/createForm.js';
import { formatBytes, formatPercent } from '../util/format.js';
import { saveBytes, torrentFileName } from '../util/saveFile.js';
import { Dialog } from './Dialog.js';

type Phase =
  | { kind: 'form' }
  | { kind: 'starting' }
  | { kind: 'hashing'; id: string; hashedBytes: number; totalBytes: number; cancelling: boolean }
  | { kind: 'done'; torrent: CreatedTorrent };

/**
 * "Create torrent" (qBittorrent's Tools → Torrent Creator): a file or folder on the machine
 * running the engine — picked in main's dialog on the desktop, typed on the web host, where the
 * files are on the server — hashed by the engine with progress; Cancel stops it. The .torrent
 * is then saved by the browser (Electron: main's save dialog), and with "Start seeding" the
 * torrent is added from the source's folder, so it checks the data and seeds.
 */
export function CreateTorrentDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const hasDialogs = useApp((s) => s.capabilities?.chooseDownloadDir ?? false);
  const downloadDir = useApp((s) => s.settings?.downloadDir ?? null);
  const [form, setForm] = useState<CreateForm>(EMPTY_CREATE_FORM);
  const [phase, setPhase] = useState<Phase>({ kind: 'form' });
  const [problem, setProblem] = useState<{ field: CreateFormField | null; text: string } | null>(null);
  const jobId = useRef<string | null>(null);
  /** The dialog has gone: a job that starts or ends now is the controller's to see through. */
  const closed = useRef(false);
  const cancelButton = useRef<HTMLButtonElement>(null);
  // Events of a job whose id the reply has not told us yet (the first may beat the reply).
  const early = useRef(new Map<string, TorrentCreationEvent>());
  const ids = { sourcePath: useId(), trackers: useId(), trackersHint: useId(), webSeeds: useId(), webSeedsHint: useId(), source: useId(), sourceHint: useId(), comment: useId(), problem: useId() };

  const edit = <K extends keyof CreateForm>(key: K) => (value: CreateForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setProblem(null);
  };

  const apply = (e: TorrentCreationEvent): void => {
    switch (e.state) {
      case 'hashing':
        setPhase((p) => ({ kind: 'hashing', id: e.id, hashedBytes: e.hashedBytes, totalBytes: e.totalBytes, cancelling: p.kind === 'hashing' && p.cancelling }));
        return;
      case 'done':
        jobId.current = null;
        saveBytes(base64ToBytes(e.torrent.data), torrentFileName(e.torrent.name));
        setPhase({ kind: 'done', torrent: e.torrent });
        return;
      case 'failed':
        jobId.current = null;
        setPhase({ kind: 'form' });
        setProblem({ field: null, text: e.message });
        return;
      case 'cancelled':
        jobId.current = null;
        setPhase({ kind: 'form' });
        setProblem({ field: null, text: 'Cancelled: no torrent was made.' });
        return;
    }
  };
  const applyRef = useRef(apply);
  applyRef.current = apply;

  /**
   * Closing the dialog stops a job still hashing (nobody would get its .torrent), as Cancel does.
   * A job past its hashing runs to its end anyway (and with "Start seeding" adds the torrent):
   * the controller then offers its .torrent, so closing does not lose it.
   */
  const letGo = (id: string): void => {
    controller.followClosedCreation(id);
    void controller.call(() => controller.client.cancelCreateTorrent({ id }), false);
  };

  useEffect(() => {
    const early0 = early.current;
    const off = controller.onCreation((e) => {
      if (e.id === jobId.current) applyRef.current(e);
      else if (jobId.current === null && early0.size < 8) early0.set(e.id, e);
    });
    closed.current = false;
    return () => {
      off();
      closed.current = true;
      const id = jobId.current;
      if (id !== null) letGo(id);
    };
  }, [controller]);

  const start = async (): Promise<void> => {
    const checked = createPayload(form);
    if (!checked.ok) return setProblem({ field: checked.field, text: checked.problem });
    setProblem(null);
    setPhase({ kind: 'starting' });
    early.current.clear();
    try {
      const { id } = await controller.client.createTorrent(checked.payload);
      // Closed while the request was on its way: the job is let go like one closed while hashing.
      if (closed.current) return letGo(id);
      jobId.current = id;
      setPhase({ kind: 'hashing', id, hashedBytes: 0, totalBytes: 0, cancelling: false });
      const first = early.current.get(id);
      early.current.clear();
      if (first) apply(first);
    } catch (err) {
      setPhase({ kind: 'form' });
      setProblem({ field: err instanceof TesseraError && err.code === 'invalid-payload' ? payloadField(err.message) : null, text: errorText(err) });
    }
  };

  const cancelJob = (): void => {
    if (phase.kind !== 'hashing') return;
    setPhase({ ...phase, cancelling: true });
    void controller.call(() => controller.client.cancelCreateTorrent({ id: phase.id }));
  };

  const choose = async (kind: 'file' | 'folder'): Promise<void> => {
    const chosen = await controller.call(() => controller.client.chooseCreateSource({ kind }));
    if (chosen?.path) edit('sourcePath')(chosen.path);
  };

  const busy = phase.kind === 'starting' || phase.kind === 'hashing';
  // The engine stops a job whose connection closed (nobody would get the .torrent): say so
  // rather than wait for events that will not come.
  const connected = useApp((s) => s.connection === 'open');
  useEffect(() => {
    if (connected || jobId.current === null) return;
    jobId.current = null;
    setPhase({ kind: 'form' });
    setProblem({ field: null, text: 'The connection to Tessera was lost, which stopped the creation: try again.' });
  }, [connected]);
  // The fields are disabled while hashing, the focused Create button with them: focus Cancel.
  const hashing = phase.kind === 'hashing';
  useEffect(() => {
    if (hashing) cancelButton.current?.focus();
  }, [hashing]);
  // A field's hint, and its problem when it has one, describe it.
  const described = (field: CreateFormField, hint?: string) => {
    const bad = problem?.field === field;
    const by = [hint, bad ? ids.problem : undefined].filter((id) => id !== undefined).join(' ');
    return { ...(bad ? { 'aria-invalid': true } : {}), ...(by !== '' ? { 'aria-describedby': by } : {}) };
  };

  if (phase.kind === 'done') return <CreatedView torrent={phase.torrent} onClose={onClose} />;

  return (
    <Dialog title="Create torrent" onCancel={onClose} testId="create-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <fieldset className="settings__group" disabled={busy}>
          <label className="field" htmlFor={ids.sourcePath}>
            <span className="field__label">{hasDialogs ? 'File or folder to share' : 'File or folder to share: its path on the machine running Tessera (the server)'}</span>
          </label>
          <input id={ids.sourcePath} className="input" value={form.sourcePath} spellCheck={false} data-autofocus data-testid="create-path"
            placeholder={hasDialogs ? '/home/me/Videos/film.mkv' : '/srv/media/album'} onChange={(e) => edit('sourcePath')(e.target.value)} {...described('sourcePath')} />
          {hasDialogs && (
            <div className="settings__row">
              <button type="button" className="btn" onClick={() => void choose('file')} data-testid="create-choose-file">Select file…</button>
              <button type="button" className="btn" onClick={() => void choose('folder')} data-testid="create-choose-folder">Select folder…</button>
            </div>
          )}
          <div className="settings__pair">
            <label className="field">
              <span className="field__label">Torrent format</span>
              <select className="select select--field" value={form.format} data-testid="create-format" onChange={(e) => edit('format')(e.target.value as CreateForm['format'])}>
                <option value="hybrid">Hybrid (v1 + v2)</option>
                <option value="v1">v1</option>
                <option value="v2">v2</option>
              </select>
            </label>
            <label className="field">
              <span className="field__label">Piece size</span>
              <select className="select select--field" value={form.pieceLength} data-testid="create-piece-size" onChange={(e) => edit('pieceLength')(e.target.value)}>
                <option value="">Auto</option>
                {CREATE_PIECE_SIZES.map((n) => <option key={n} value={String(n)}>{formatBytes(n)}</option>)}
              </select>
            </label>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={ids.trackers}>Tracker URLs</label>
            <textarea id={ids.trackers} className="input" rows={4} value={form.trackers} spellCheck={false} data-testid="create-trackers"
              placeholder={'udp://tracker.example.org:6969/announce\nhttp://backup.example.org/announce\n\nhttps://other.example.net/announce'}
              onChange={(e) => edit('trackers')(e.target.value)} {...described('trackers', ids.trackersHint)} />
            <span id={ids.trackersHint} className="field__hint">One per line; a blank line starts a new tier. Clients try the first tier&apos;s trackers before the next tier&apos;s.</span>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={ids.webSeeds}>Web seed URLs</label>
            <textarea id={ids.webSeeds} className="input" rows={2} value={form.webSeeds} spellCheck={false} data-testid="create-web-seeds"
              placeholder="https://mirror.example.org/files/" onChange={(e) => edit('webSeeds')(e.target.value)} {...described('webSeeds', ids.webSeedsHint)} />
            <span id={ids.webSeedsHint} className="field__hint">One per line (http or https): servers that have the files, used by clients as extra peers. For a folder, the URL of the folder holding it, ending in / (added if missing).</span>
          </div>
          <label className="field">
            <span className="field__label">Comment</span>
            <input id={ids.comment} className="input" value={form.comment} data-testid="create-comment" onChange={(e) => edit('comment')(e.target.value)} {...described('comment')} />
          </label>
          <div className="field">
            <label className="field__label" htmlFor={ids.source}>Source</label>
            <input id={ids.source} className="input" value={form.source} spellCheck={false} data-testid="create-source-tag"
              onChange={(e) => edit('source')(e.target.value)} {...described('source', ids.sourceHint)} />
            <span id={ids.sourceHint} className="field__hint">Optional: the tag a private tracker asks for, so the torrent gets its own info-hash there.</span>
          </div>
          <label className="choice">
            <input type="checkbox" checked={form.private} onChange={(e) => edit('private')(e.target.checked)} data-testid="create-private" />
            <span>Private torrent (trackers only: no DHT, PEX or local discovery)</span>
          </label>
          <label className="choice">
            <input type="checkbox" checked={form.startSeeding} onChange={(e) => edit('startSeeding')(e.target.checked)} data-testid="create-seed" />
            <span>Start seeding (add it from the folder the source is in)</span>
          </label>
          {!hasDialogs && downloadDir !== null && (
            <span className="field__hint">On the server, seeding works for files inside the download folder, {downloadDir}.</span>
          )}
        </fieldset>
        {phase.kind === 'hashing' && <Progress hashed={phase.hashedBytes} total={phase.totalBytes} cancelling={phase.cancelling} />}
        {problem && <p id={ids.problem} className="field__error" role="alert" data-testid="create-error">{problem.text}</p>}
        <div className="dialog__actions">
          {phase.kind === 'hashing' ? (
            <button type="button" className="btn" ref={cancelButton} onClick={cancelJob} disabled={phase.cancelling} data-testid="create-cancel">Cancel</button>
          ) : (
            <button type="button" className="btn" onClick={onClose} data-testid="create-close">Close</button>
          )}
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="create-submit">Create torrent</button>
        </div>
      </form>
    </Dialog>
  );
}

/** The form field an engine's 'invalid-payload' reply names ("createTorrent.webSeeds[0]: …"), null for none of them. */
function payloadField(message: string): CreateFormField | null {
  const field = /createTorrent\.(\w+)/.exec(message)?.[1];
  switch (field) {
    case 'sourcePath':
    case 'webSeeds':
    case 'source':
    case 'comment':
      return field;
    case 'trackerTiers':
      return 'trackers';
    default:
      return null;
  }
}

function Progress({ hashed, total, cancelling }: { hashed: number; total: number; cancelling: boolean }) {
  const fraction = total > 0 ? hashed / total : 0;
  const text = cancelling ? 'Cancelling…' : total > 0 ? `Hashing: ${formatBytes(hashed)} of ${formatBytes(total)} (${formatPercent(fraction)})` : 'Reading the files…';
  return (
    <div className="bar" role="progressbar" aria-label="Hashing progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}
      aria-valuetext={text} data-testid="create-progress">
      <div className="bar__fill" style={{ width: `${fraction * 100}%` }} />
      <span className="bar__text" aria-live="polite">{text}</span>
    </div>
  );
}

function CreatedView({ torrent, onClose }: { torrent: CreatedTorrent; onClose: () => void }) {
  const fileName = torrentFileName(torrent.name);
  return (
    <Dialog title="Torrent created" onCancel={onClose} testId="create-dialog">
      <dl className="add__facts" data-testid="create-result">
        <dt>Name</dt>
        <dd dir="auto">{torrent.name}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(torrent.totalBytes)} in {torrent.pieceCount} pieces of {formatBytes(torrent.pieceLength)}</dd>
        <dt>Info-hash</dt>
        <dd className="add__hash selectable">{torrent.infoHash}</dd>
        {torrent.infoHashV2 && (<><dt>v2 info-hash</dt><dd className="add__hash selectable">{torrent.infoHashV2}</dd></>)}
      </dl>
      <p className="dialog__text">The .torrent file, {fileName}, was offered for saving.</p>
      {torrent.seeding && <p className="dialog__text" data-testid="create-seeding">{torrent.seeding.duplicate ? 'It was in the list already.' : 'Added: it checks the files and then seeds.'}</p>}
      {torrent.seedError && <p className="field__error" role="alert" data-testid="create-seed-error">Not added for seeding: {torrent.seedError}</p>}
      {torrent.notices.length > 0 && (
        <ul className="dialog__text" data-testid="create-notices">
          {torrent.notices.map((n, i) => (
            <li key={i} dir="auto">{n}</li>
          ))}
        </ul>
      )}
      <div className="dialog__actions">
        <button type="button" className="btn" onClick={() => saveBytes(base64ToBytes(torrent.data), fileName)} data-testid="create-save-again">Save .torrent again</button>
        <button type="button" className="btn btn--primary" onClick={onClose} data-testid="create-done">Close</button>
      </div>
    </Dialog>
  );
}
