import { useState } from 'react';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { useController } from '../app/context.js';
import { appliesTo } from '../util/dialogTargets.js';
import { limitField, parseLimitField, type LimitField } from '../util/seedingForm.js';
import { Dialog } from './Dialog.js';

/**
 * A torrent's share-ratio and seeding-time limits (qBittorrent's "Limit share ratio…"), shown as
 * `t`'s and saved for every torrent in `targets` (default: `t` alone).
 */
export function SeedingLimitsDialog({ torrent: t, targets = [t.infoHash], onClose }: { torrent: TorrentSummary; targets?: readonly string[]; onClose: () => void }) {
  const controller = useController();
  const [ratio, setRatio] = useState(() => limitField(t.ratioLimit ?? -2, true));
  const [minutes, setMinutes] = useState(() => limitField(t.seedingTimeLimit ?? -2, true));
  const [problem, setProblem] = useState<string | null>(null);
  const save = async () => {
    const r = parseLimitField(ratio, 'ratio');
    if (!r.ok) return setProblem(r.problem);
    const m = parseLimitField(minutes, 'minutes');
    if (!m.ok) return setProblem(m.problem);
    const limits = { ratio: r.value, minutes: m.value };
    const done = await Promise.all(targets.map((x) => controller.setSeedingLimits(x, limits)));
    if (done.every(Boolean)) onClose();
  };
  return (
    <Dialog title="Seeding limits" onCancel={onClose} testId="seeding-limits-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <p className="dialog__text" data-testid="dialog-targets">{appliesTo(t, targets.length)}</p>
        <LimitInput label="Share ratio" field={ratio} onChange={(f) => { setRatio(f); setProblem(null); }} testId="seeding-ratio" allowGlobal />
        <LimitInput label="Seeding time (minutes)" field={minutes} onChange={(f) => { setMinutes(f); setProblem(null); }} testId="seeding-minutes" allowGlobal />
        <span className="field__hint">At the limit the torrent is paused or removed, as Settings say.</span>
        {problem && <p className="field__error" role="alert">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" data-testid="seeding-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}

/** A limit: "use the global limit" (per torrent only), "no limit", or a value. */
export function LimitInput({ label, field, onChange, testId, allowGlobal }: { label: string; field: LimitField; onChange: (f: LimitField) => void; testId: string; allowGlobal: boolean }) {
  return (
    <div className="field">
      <span className="field__label">{label}</span>
      <div className="settings__row">
        <select className="input" aria-label={`${label}: kind`} value={field.choice} onChange={(e) => onChange({ ...field, choice: e.target.value as LimitField['choice'] })} data-testid={`${testId}-choice`}>
          {allowGlobal && <option value="global">Use the global limit</option>}
          <option value="none">No limit</option>
          <option value="value">Limit to</option>
        </select>
        {field.choice === 'value' && (
          <input className="input" inputMode="decimal" aria-label={label} value={field.text} onChange={(e) => onChange({ ...field, text: e.target.value })} data-testid={testId} />
        )}
      </div>
    </div>
  );
}
