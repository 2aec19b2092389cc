import { useState } from 'react';

import { useApp, useController } from '../app/context.js';
import { policyForm, policyPatch, type PolicyForm } from '../util/policyForm.js';
import { settingsForm, settingsPatch, type SettingsForm } from '../util/settingsForm.js';
import { Dialog } from './Dialog.js';
import { EncryptionSelect } from './EncryptionSelect.js';
import { IconFolder } from './icons.js';
import { PolicySettings } from './PolicySettings.js';
import { RateLimitField } from './RateLimitField.js';

/**
 * Preferences: download folder (main-owned dialog, Electron only), global speed limits,
 * connection (port, peers per torrent, encryption), notifications.
 */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const desktop = useApp((s) => s.capabilities?.transport === 'electron');
  const [form, setForm] = useState<SettingsForm>(() => settingsForm(settings));
  const [policy, setPolicy] = useState<PolicyForm>(() => policyForm(settings));
  const [problem, setProblem] = useState<string | null>(null);
  const editPolicy = <K extends keyof PolicyForm>(key: K) => (value: PolicyForm[K]) => {
    setPolicy((f) => ({ ...f, [key]: value }));
    setProblem(null);
  };
  const edit = <K extends keyof SettingsForm>(key: K) => (value: SettingsForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setProblem(null);
  };

  const save = async () => {
    const checked = settingsPatch(form, desktop);
    if (!checked.ok) return setProblem(checked.problem);
    const policyChecked = policyPatch(policy);
    if (!policyChecked.ok) return setProblem(policyChecked.problem);
    const r = await controller.call(() => controller.client.setSettings({ ...checked.patch, ...policyChecked.patch }));
    if (r) onClose();
    else setProblem('The settings could not be saved (see the message above).');
  };

  return (
    <Dialog title="Settings" onCancel={onClose} testId="settings-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <DownloadFolder />
        <fieldset className="settings__group">
          <legend className="settings__legend">Speed limits</legend>
          <div className="settings__pair">
            <RateLimitField label="Download" value={form.downloadLimit} onChange={edit('downloadLimit')} testId="settings-download-limit" />
            <RateLimitField label="Upload" value={form.uploadLimit} onChange={edit('uploadLimit')} testId="settings-upload-limit" />
          </div>
          <span className="field__hint">For all torrents together; 0 = unlimited. Applies at once.</span>
        </fieldset>
        <fieldset className="settings__group">
          <legend className="settings__legend">Connection</legend>
          <div className="settings__pair">
            <label className="field">
              <span className="field__label">Listening port (applies on next start)</span>
              <input className="input" inputMode="numeric" value={form.listenPort} onChange={(e) => edit('listenPort')(e.target.value)} data-testid="settings-port" />
            </label>
            <label className="field">
              <span className="field__label">Peers per torrent</span>
              <input className="input" inputMode="numeric" value={form.maxPeersPerTorrent} onChange={(e) => edit('maxPeersPerTorrent')(e.target.value)} data-testid="settings-max-peers" />
            </label>
            <label className="field" title="For all torrents together (qBittorrent's global maximum, 500 by default). Tessera also stays under half this system's open-file limit.">
              <span className="field__label">Connections in all</span>
              <input className="input" inputMode="numeric" value={form.maxConnections} onChange={(e) => edit('maxConnections')(e.target.value)} data-testid="settings-max-connections" />
            </label>
            <label className="field" title="libtorrent and qBittorrent allow one by default; two lets two clients behind one router both connect. Peers on this machine are not limited.">
              <span className="field__label">Connections per IP address (0 = no limit)</span>
              <input className="input" inputMode="numeric" value={form.maxConnectionsPerIp} onChange={(e) => edit('maxConnectionsPerIp')(e.target.value)} data-testid="settings-max-per-ip" />
            </label>
          </div>
          <EncryptionSelect value={form.encryption} onChange={edit('encryption')} testId="settings-encryption" />
          <label className="choice" title="Asks the router (UPnP IGD, NAT-PMP or PCP) to forward the listening port, so peers outside can connect. Off removes the forwarding.">
            <input type="checkbox" checked={form.portMapping} onChange={(e) => edit('portMapping')(e.target.checked)} data-testid="settings-port-mapping" />
            <span>Use UPnP / NAT-PMP port forwarding from my router</span>
          </label>
        </fieldset>
        <fieldset className="settings__group">
          <legend className="settings__legend">Privacy</legend>
          <label className="choice">
            <input type="checkbox" checked={form.dht} onChange={(e) => edit('dht')(e.target.checked)} data-testid="settings-dht" />
            <span>Enable DHT (decentralized network) to find more peers</span>
          </label>
          <label className="choice">
            <input type="checkbox" checked={form.pex} onChange={(e) => edit('pex')(e.target.checked)} data-testid="settings-pex" />
            <span>Enable Peer Exchange (PeX) to find more peers</span>
          </label>
          <label className="choice">
            <input type="checkbox" checked={form.lsd} onChange={(e) => edit('lsd')(e.target.checked)} data-testid="settings-lsd" />
            <span>Enable Local Peer Discovery to find more peers</span>
          </label>
          <span className="field__hint">Apply at once, to every torrent. Private torrents never use them.</span>
        </fieldset>
        <PolicySettings form={policy} edit={editPolicy} />
        <label className="choice">
          <input type="checkbox" checked={form.notifyOnComplete} onChange={(e) => edit('notifyOnComplete')(e.target.checked)} />
          <span>Notify me when a download completes or fails</span>
        </label>
        <label className="choice">
          <input type="checkbox" checked={form.confirmAdd} onChange={(e) => edit('confirmAdd')(e.target.checked)} data-testid="settings-confirm-add" />
          <span>Show what is being added before adding a torrent or magnet link</span>
        </label>
        {desktop && (
          <fieldset className="settings__group">
            <legend className="settings__legend">Desktop</legend>
            <label className="choice">
              <input type="checkbox" checked={form.closeToTray} onChange={(e) => edit('closeToTray')(e.target.checked)} data-testid="settings-close-to-tray" />
              <span>Closing the window keeps Tessera running in the tray</span>
            </label>
            <label className="choice">
              <input type="checkbox" checked={form.minimizeToTray} onChange={(e) => edit('minimizeToTray')(e.target.checked)} data-testid="settings-minimize-to-tray" />
              <span>Minimising hides the window in the tray</span>
            </label>
            <label className="choice">
              <input type="checkbox" checked={form.startOnLogin} onChange={(e) => edit('startOnLogin')(e.target.checked)} data-testid="settings-start-on-login" />
              <span>Start Tessera when I log in</span>
            </label>
          </fieldset>
        )}
        {problem && <p className="field__error" role="alert" data-testid="settings-error">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={!settings} data-testid="settings-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}

/** The download folder: shown; changed through main's folder dialog where there is one. */
function DownloadFolder() {
  const controller = useController();
  const downloadDir = useApp((s) => s.settings?.downloadDir ?? null);
  const capabilities = useApp((s) => s.capabilities);
  const chooseFolder = async () => {
    await controller.call(() => controller.client.chooseDownloadDir());
  };
  return (
    <div className="field">
      <span className="field__label">Download folder</span>
      <div className="settings__row">
        <span className="mono selectable settings__path" data-testid="settings-download-dir">{downloadDir ?? '–'}</span>
        {capabilities?.chooseDownloadDir && (
          <button type="button" className="btn" onClick={() => void chooseFolder()}><IconFolder /> Change…</button>
        )}
      </div>
      {capabilities && !capabilities.chooseDownloadDir && (
        <span className="field__hint">Set by the machine running Tessera (web UI: <code>--download-dir</code>).</span>
      )}
    </div>
  );
}
