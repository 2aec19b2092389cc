import type { PolicyForm } from '../util/policyForm.js';
import { RateLimitField } from './RateLimitField.js';
import { LimitInput } from './SeedingLimitsDialog.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Settings: queueing, seeding limits, categories and alternative speed limits (policyForm.ts holds the rules). */
export function PolicySettings({ form, edit }: { form: PolicyForm; edit: <K extends keyof PolicyForm>(key: K) => (value: PolicyForm[K]) => void }) {
  return (
    <>
      <fieldset className="settings__group">
        <legend className="settings__legend">Queue</legend>
        <label className="choice">
          <input type="checkbox" checked={form.queueEnabled} onChange={(e) => edit('queueEnabled')(e.target.checked)} data-testid="settings-queue-enabled" />
          <span>Queue torrents: only so many run at once, the others wait as Queued</span>
        </label>
        <div className="settings__triple">
          <CountField label="Active downloads" value={form.maxDownloads} onChange={edit('maxDownloads')} testId="settings-queue-downloads" />
          <CountField label="Active uploads" value={form.maxUploads} onChange={edit('maxUploads')} testId="settings-queue-uploads" />
          <CountField label="Active torrents" value={form.maxTorrents} onChange={edit('maxTorrents')} testId="settings-queue-torrents" />
        </div>
        <label className="choice">
          <input type="checkbox" checked={form.ignoreSlow} onChange={(e) => edit('ignoreSlow')(e.target.checked)} />
          <span>Do not count slow torrents (under 2 KiB/s for a minute)</span>
        </label>
        <span className="field__hint">-1 = unlimited.</span>
      </fieldset>
      <fieldset className="settings__group">
        <legend className="settings__legend">Seeding limits</legend>
        <div className="settings__pair">
          <LimitInput label="Share ratio" field={form.ratio} onChange={edit('ratio')} testId="settings-seeding-ratio" allowGlobal={false} />
          <LimitInput label="Seeding time (minutes)" field={form.minutes} onChange={edit('minutes')} testId="settings-seeding-minutes" allowGlobal={false} />
        </div>
        <label className="field">
          <span className="field__label">Then</span>
          <select className="input" value={form.action} onChange={(e) => edit('action')(e.target.value === 'remove' ? 'remove' : 'pause')} data-testid="settings-seeding-action">
            <option value="pause">Pause the torrent</option>
            <option value="remove">Remove the torrent (data kept)</option>
          </select>
        </label>
      </fieldset>
      <fieldset className="settings__group">
        <legend className="settings__legend">Categories</legend>
        {form.categories.map((c, i) => (
          <div className="settings__row" key={i} data-testid="settings-category">
            <input className="input" aria-label="Category name" placeholder="Name" value={c.name} data-testid="settings-category-name"
              onChange={(e) => edit('categories')(form.categories.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
            <input className="input" aria-label="Category folder" placeholder="Folder (default: the name)" value={c.folder} data-testid="settings-category-folder"
              onChange={(e) => edit('categories')(form.categories.map((x, j) => (j === i ? { ...x, folder: e.target.value } : x)))} />
            <button type="button" className="btn" aria-label={`Remove category ${c.name}`} onClick={() => edit('categories')(form.categories.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <div className="settings__row">
          <button type="button" className="btn" onClick={() => edit('categories')([...form.categories, { name: '', folder: '' }])} data-testid="settings-category-add">Add category</button>
        </div>
        <span className="field__hint">Each category saves into its folder inside the download folder.</span>
      </fieldset>
      <fieldset className="settings__group">
        <legend className="settings__legend">Watch folder</legend>
        <label className="choice">
          <input type="checkbox" checked={form.watchEnabled} onChange={(e) => edit('watchEnabled')(e.target.checked)} data-testid="settings-watch-enabled" />
          <span>Add .torrent files that appear in this folder (inside the download folder); they are renamed .added</span>
        </label>
        <input className="input" aria-label="Watch folder" value={form.watchFolder} onChange={(e) => edit('watchFolder')(e.target.value)} data-testid="settings-watch-folder" />
      </fieldset>
      <fieldset className="settings__group">
        <legend className="settings__legend">Alternative speed limits</legend>
        <div className="settings__pair">
          <RateLimitField label="Download" value={form.altDownload} onChange={edit('altDownload')} testId="settings-alt-download" />
          <RateLimitField label="Upload" value={form.altUpload} onChange={edit('altUpload')} testId="settings-alt-upload" />
        </div>
        <label className="choice">
          <input type="checkbox" checked={form.altScheduled} onChange={(e) => edit('altScheduled')(e.target.checked)} data-testid="settings-alt-scheduled" />
          <span>Use them on a schedule</span>
        </label>
        <div className="settings__row">
          <label className="field">
            <span className="field__label">From</span>
            <input className="input" value={form.altFrom} onChange={(e) => edit('altFrom')(e.target.value)} data-testid="settings-alt-from" />
          </label>
          <label className="field">
            <span className="field__label">To</span>
            <input className="input" value={form.altTo} onChange={(e) => edit('altTo')(e.target.value)} data-testid="settings-alt-to" />
          </label>
        </div>
        <div className="settings__row" role="group" aria-label="Days">
          {DAYS.map((d, i) => (
            <label className="choice" key={d}>
              <input type="checkbox" checked={form.altDays[i] ?? false} onChange={(e) => edit('altDays')(form.altDays.map((on, j) => (j === i ? e.target.checked : on)))} />
              <span>{d}</span>
            </label>
          ))}
        </div>
        <span className="field__hint">0 = unlimited. Switch them on and off with the turtle in the status bar.</span>
      </fieldset>
    </>
  );
}

function CountField({ label, value, onChange, testId }: { label: string; value: string; onChange: (v: string) => void; testId: string }) {
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <input className="input" inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
    </label>
  );
}
