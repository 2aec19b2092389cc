import { useCallback, useMemo, useState } from 'react';
import { categoriesOf, check, relativeFolder, type AddOffer, type FilePriority } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { buildFileTree, wantedSize } from '../util/fileTree.js';
import { formatBytes, formatCount } from '../util/format.js';
import { AddFileTree } from './AddFileTree.js';
import { Dialog } from './Dialog.js';

/**
 * The add dialog (qBittorrent's): what a .torrent or magnet would add — name, size, the file
 * tree with checkboxes and priorities, trackers, where it is saved (the download folder or a
 * category's folder), start paused, sequential, first and last pieces first — before anything
 * is added. Shows the oldest waiting offer; the next one follows when it is answered. Nothing
 * is added on Cancel, Escape or a click outside.
 *
 * A magnet's files are unknown until peers send its metadata, and no peer is contacted before
 * Add. So with "Choose the files when the list arrives" (on by default) the magnet is added,
 * fetches its metadata and waits; the dialog then comes back as a file choice (`fileChoice`)
 * with the tree filled in. Its Download starts with the chosen files; its Cancel removes the
 * torrent, which has nothing on disk yet.
 */
export function AddDialog() {
  const offer = useApp((s) => s.offers[0]);
  const waiting = useApp((s) => s.offers.length);
  if (!offer) return null;
  // Keyed by id: each offer starts with fresh choices.
  if (offer.fileChoice) return <FileChoiceDialog key={offer.id} offer={offer} waiting={waiting} />;
  return <AddOfferDialog key={offer.id} offer={offer} waiting={waiting} />;
}

/** A magnet in the list whose metadata arrived: which of its files to download. */
function FileChoiceDialog({ offer, waiting }: { offer: AddOffer; waiting: number }) {
  const controller = useController();
  const p = offer.preview;
  const [priorities, setPriorities] = useState<FilePriority[]>(() => p.files.map(() => 1));
  const tree = useMemo(() => buildFileTree(p.files), [p.files]);
  const more = (p.fileCount ?? 0) - p.files.length;
  const nothingWanted = p.files.length > 0 && more <= 0 && priorities.every((x) => x === 0);
  const cancel = useCallback(() => void controller.answerOffer(offer.id, { accept: false }), [controller, offer.id]);
  const accept = () => void controller.answerOffer(offer.id, { accept: true, choices: { filePriorities: priorities } });
  return (
    <Dialog title="Choose files" onCancel={cancel} testId="add-dialog">
      <p className="dialog__text" data-testid="add-name"><strong>{p.name ?? p.infoHash}</strong></p>
      <dl className="add__facts">
        <dt>Size</dt>
        <dd data-testid="add-size">
          {p.size === null ? '' : formatBytes(p.size)}
          {p.size !== null && priorities.some((x) => x === 0) && (
            <span className="muted" data-testid="add-wanted-size"> ({formatBytes(wantedSize(p.files, priorities))} selected)</span>
          )}
        </dd>
        <dt>Files</dt>
        <dd>{formatCount(p.fileCount ?? p.files.length)}</dd>
        <dt>Save in</dt>
        <dd className="add__path" data-testid="add-save-dir">{p.saveDir}</dd>
      </dl>
      <p className="field__hint" data-testid="add-file-choice-hint">The metadata arrived. Nothing is downloaded until you choose; Cancel removes the torrent (nothing was written).</p>
      {p.files.length > 0 && <AddFileTree root={tree} priorities={priorities} onChange={setPriorities} />}
      {more > 0 && <p className="field__hint">and {formatCount(more)} more files (downloaded at normal priority; change them in the Files tab)</p>}
      <div className="dialog__actions">
        {waiting > 1 && <span className="field__hint add__waiting">{waiting - 1} more waiting</span>}
        {nothingWanted && <span className="field__error add__waiting">Choose at least one file</span>}
        <button type="button" className="btn" onClick={cancel} data-testid="add-cancel">Cancel</button>
        <button type="button" className="btn btn--primary" data-autofocus data-testid="add-confirm" disabled={nothingWanted} onClick={accept}>
          Download
        </button>
      </div>
    </Dialog>
  );
}

function AddOfferDialog({ offer, waiting }: { offer: AddOffer; waiting: number }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const categories = settings ? categoriesOf(settings) : [];
  const p = offer.preview;
  const [paused, setPaused] = useState(false);
  const [sequential, setSequential] = useState(false);
  const [firstLast, setFirstLast] = useState(false);
  const [category, setCategory] = useState<string>('');
  const [dontAskAgain, setDontAskAgain] = useState(false);
  const [priorities, setPriorities] = useState<FilePriority[]>(() => p.files.map(() => 1));
  // A magnet whose files are unknown: choose them once its metadata arrives (qBittorrent's dialog fills in then).
  const filesLater = p.source === 'magnet' && p.fileCount === null && !p.duplicate;
  const [chooseFiles, setChooseFiles] = useState(true);
  const tree = useMemo(() => buildFileTree(p.files), [p.files]);
  const cancel = useCallback(() => void controller.answerOffer(offer.id, { accept: false }), [controller, offer.id]);
  const name = p.name ?? `Magnet ${p.infoHash.slice(0, 8)}…`;
  const more = (p.fileCount ?? 0) - p.files.length;
  const [subfolder, setSubfolder] = useState('');
  const chosen = categories.find((c) => c.name === category);
  const folderText = subfolder.trim().replace(/^\/+|\/+$/g, '');
  const folderOk = folderText === '' || check(relativeFolder, folderText).ok;
  const inside = folderText !== '' ? folderText : chosen?.folder;
  const saveDir = inside ? `${p.saveDir.replace(/[\\/]+$/, '')}/${inside}` : p.saveDir;
  const nothingWanted = p.files.length > 0 && more <= 0 && priorities.every((x) => x === 0);
  const accept = () =>
    void controller.answerOffer(offer.id, {
      accept: true,
      paused,
      dontAskAgain,
      choices: {
        ...(chosen ? { category: chosen.name } : {}),
        ...(folderText !== '' ? { saveFolder: folderText } : {}),
        ...(p.files.length > 0 && priorities.some((x) => x !== 1) ? { filePriorities: priorities } : {}),
        ...(sequential ? { sequential } : {}),
        ...(firstLast ? { firstLastPiecesFirst: firstLast } : {}),
        ...(filesLater && chooseFiles ? { chooseFiles } : {}),
      },
    });
  return (
    <Dialog title={p.duplicate ? 'Already in the list' : 'Add torrent'} onCancel={cancel} testId="add-dialog">
      <p className="dialog__text" data-testid="add-name"><strong>{name}</strong></p>
      <dl className="add__facts">
        <dt>Size</dt>
        <dd data-testid="add-size">
          {p.size === null ? 'known once the metadata arrives' : formatBytes(p.size)}
          {p.size !== null && priorities.some((x) => x === 0) && (
            <span className="muted" data-testid="add-wanted-size"> ({formatBytes(wantedSize(p.files, priorities))} selected)</span>
          )}
        </dd>
        <dt>Files</dt>
        <dd>{p.fileCount === null ? 'known once the metadata arrives' : formatCount(p.fileCount)}</dd>
        <dt>Trackers</dt>
        <dd>{formatCount(p.trackerCount)}{p.private ? ' (private torrent)' : ''}</dd>
        <dt>Save in</dt>
        <dd className="add__path" data-testid="add-save-dir">{saveDir}</dd>
        <dt>Info-hash</dt>
        <dd className="add__hash">{p.infoHash}</dd>
      </dl>
      {categories.length > 0 && !p.duplicate && (
        <label className="field">
          <span className="field__label">Category (saved in its folder)</span>
          <select className="input" value={category} onChange={(e) => setCategory(e.target.value)} data-testid="add-category">
            <option value="">None — the download folder</option>
            {categories.map((c) => <option key={c.name} value={c.name}>{c.name} — {c.folder}</option>)}
          </select>
        </label>
      )}
      {!p.duplicate && (
        <label className="field">
          <span className="field__label">Save in a folder inside the download folder (optional)</span>
          <input className="input" value={subfolder} onChange={(e) => setSubfolder(e.target.value)} placeholder={chosen?.folder ?? 'e.g. films/2024'} data-testid="add-save-folder" />
          {!folderOk && <span className="field__error">A folder inside the download folder, such as films/2024 (no "..").</span>}
        </label>
      )}
      {p.files.length > 0 && !p.duplicate && <AddFileTree root={tree} priorities={priorities} onChange={setPriorities} />}
      {more > 0 && !p.duplicate && <p className="field__hint">and {formatCount(more)} more files (downloaded at normal priority; change them in the Files tab)</p>}
      {filesLater && (
        <>
          <p className="field__hint" data-testid="add-magnet-hint">
            The file list arrives with the metadata from peers, which Tessera contacts only once you press Add.
          </p>
          <label className="choice">
            <input type="checkbox" checked={chooseFiles} onChange={(e) => setChooseFiles(e.target.checked)} data-testid="add-choose-files" />
            <span>Choose the files when the list arrives (nothing is downloaded before)</span>
          </label>
        </>
      )}
      {p.duplicate && <p className="field__hint">This torrent is already in the list; adding it again merges its trackers and peers.</p>}
      <fieldset className="choices">
        <label className="choice">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} data-testid="add-paused" />
          <span>Start paused</span>
        </label>
        {!p.duplicate && (
          <>
            <label className="choice">
              <input type="checkbox" checked={sequential} onChange={(e) => setSequential(e.target.checked)} data-testid="add-sequential" />
              <span>Download in sequential order</span>
            </label>
            <label className="choice">
              <input type="checkbox" checked={firstLast} onChange={(e) => setFirstLast(e.target.checked)} data-testid="add-first-last" />
              <span>Download first and last pieces first</span>
            </label>
          </>
        )}
        <label className="choice">
          <input type="checkbox" checked={dontAskAgain} onChange={(e) => setDontAskAgain(e.target.checked)} data-testid="add-dont-ask" />
          <span>Don’t ask again (add at once; Settings can turn this back on)</span>
        </label>
      </fieldset>
      <div className="dialog__actions">
        {waiting > 1 && <span className="field__hint add__waiting">{waiting - 1} more waiting</span>}
        {nothingWanted && <span className="field__error add__waiting">Choose at least one file</span>}
        <button type="button" className="btn" onClick={cancel} data-testid="add-cancel">Cancel</button>
        <button type="button" className="btn btn--primary" data-autofocus data-testid="add-confirm" disabled={nothingWanted || !folderOk} onClick={accept}>
          Add
        </button>
      </div>
    </Dialog>
  );
}
