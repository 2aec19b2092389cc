import { useCallback, useState } from 'react';
import type { AddOffer } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatBytes, formatCount } from '../util/format.js';
import { Dialog } from './Dialog.js';

/** Files shown in the dialog's list; the offer carries up to MAX_PREVIEW_FILES. */
const SHOWN_FILES = 200;

/**
 * The add dialog (qBittorrent's): what a .torrent or magnet would add — name, size, files,
 * trackers, save folder — before anything is added. Shows the oldest waiting offer; the next
 * one follows when it is answered. Nothing is added on Cancel, Escape or a click outside.
 */
export function AddDialog() {
  const offer = useApp((s) => s.offers[0]);
  const waiting = useApp((s) => s.offers.length);
  if (!offer) return null;
  // Keyed by id: each offer starts with fresh choices.
  return <AddOfferDialog key={offer.id} offer={offer} waiting={waiting} />;
}

function AddOfferDialog({ offer, waiting }: { offer: AddOffer; waiting: number }) {
  const controller = useController();
  const [paused, setPaused] = useState(false);
  const [dontAskAgain, setDontAskAgain] = useState(false);
  const p = offer.preview;
  const cancel = useCallback(() => void controller.answerOffer(offer.id, { accept: false }), [controller, offer.id]);
  const name = p.name ?? `Magnet ${p.infoHash.slice(0, 8)}…`;
  const more = (p.fileCount ?? 0) - Math.min(p.files.length, SHOWN_FILES);
  return (
    <Dialog title={p.duplicate ? 'Already in the list' : 'Add torrent'} onCancel={cancel} testId="add-dialog">
      <p className="dialog__text" data-testid="add-name"><strong>{name}</strong></p>
      <dl className="add__facts">
        <dt>Size</dt>
        <dd data-testid="add-size">{p.size === null ? 'known once the metadata arrives' : formatBytes(p.size)}</dd>
        <dt>Files</dt>
        <dd>{p.fileCount === null ? 'known once the metadata arrives' : formatCount(p.fileCount)}</dd>
        <dt>Trackers</dt>
        <dd>{formatCount(p.trackerCount)}{p.private ? ' (private torrent)' : ''}</dd>
        <dt>Save in</dt>
        <dd className="add__path" data-testid="add-save-dir">{p.saveDir}</dd>
        <dt>Info-hash</dt>
        <dd className="add__hash">{p.infoHash}</dd>
      </dl>
      {p.files.length > 0 && (
        <ul className="add__files" data-testid="add-files" aria-label="Files">
          {p.files.slice(0, SHOWN_FILES).map((f, i) => (
            <li key={i} className="add__file"><span className="add__file-path">{f.path}</span><span className="add__file-size">{formatBytes(f.size)}</span></li>
          ))}
          {more > 0 && <li className="add__file add__file--more">and {formatCount(more)} more</li>}
        </ul>
      )}
      {p.duplicate && <p className="field__hint">This torrent is already in the list; adding it again only adds its peers.</p>}
      <fieldset className="choices">
        <label className="choice">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} data-testid="add-paused" />
          <span>Start paused</span>
        </label>
        <label className="choice">
          <input type="checkbox" checked={dontAskAgain} onChange={(e) => setDontAskAgain(e.target.checked)} data-testid="add-dont-ask" />
          <span>Don’t ask again (add at once; Settings can turn this back on)</span>
        </label>
      </fieldset>
      <div className="dialog__actions">
        {waiting > 1 && <span className="field__hint add__waiting">{waiting - 1} more waiting</span>}
        <button type="button" className="btn" onClick={cancel} data-testid="add-cancel">Cancel</button>
        <button type="button" className="btn btn--primary" data-autofocus data-testid="add-confirm"
          onClick={() => void controller.answerOffer(offer.id, { accept: true, paused, dontAskAgain })}>
          Add
        </button>
      </div>
    </Dialog>
  );
}
