import { useState } from 'react';

import { useApp, useController } from '../app/context.js';
import { Dialog } from './Dialog.js';
import { IconFolder } from './icons.js';

/** Download folder (main-owned dialog, Electron only), listening port, peers, notifications. */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const capabilities = useApp((s) => s.capabilities);
  const [port, setPort] = useState(String(settings?.listenPort ?? ''));
  const [peers, setPeers] = useState(String(settings?.maxPeersPerTorrent ?? ''));
  const [notify, setNotify] = useState(settings?.notifyOnComplete ?? true);
  const [problem, setProblem] = useState<string | null>(null);

  const save = async () => {
    const p = Number(port), m = Number(peers);
    if (!/^\d+$/.test(port.trim()) || p > 65535) return setProblem('The listening port must be a number from 0 to 65535 (0 = any free port).');
    if (!/^\d+$/.test(peers.trim()) || m < 1 || m > 10_000) return setProblem('Peers per torrent must be a number from 1 to 10000.');
    const r = await controller.call(() => controller.client.setSettings({ listenPort: p, maxPeersPerTorrent: m, notifyOnComplete: notify }));
    if (r) onClose();
    else setProblem('The settings could not be saved (see the message above).');
  };
  const chooseFolder = async () => {
    await controller.call(() => controller.client.chooseDownloadDir());
  };

  return (
    <Dialog title="Settings" onCancel={onClose} testId="settings-dialog">
      <form className="settings" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <div className="field">
          <span className="field__label">Download folder</span>
          <div className="settings__row">
            <span className="mono selectable settings__path" data-testid="settings-download-dir">{settings?.downloadDir ?? '–'}</span>
            {capabilities?.chooseDownloadDir && (
              <button type="button" className="btn" onClick={() => void chooseFolder()}><IconFolder /> Change…</button>
            )}
          </div>
          {capabilities && !capabilities.chooseDownloadDir && (
            <span className="field__hint">Set by the machine running Tessera (web UI: <code>--download-dir</code>).</span>
          )}
        </div>
        <label className="field">
          <span className="field__label">Listening port (applies on next start)</span>
          <input className="input" inputMode="numeric" value={port} onChange={(e) => { setPort(e.target.value); setProblem(null); }} data-testid="settings-port" />
        </label>
        <label className="field">
          <span className="field__label">Peers per torrent</span>
          <input className="input" inputMode="numeric" value={peers} onChange={(e) => { setPeers(e.target.value); setProblem(null); }} />
        </label>
        <label className="choice">
          <input type="checkbox" checked={notify} onChange={(e) => setNotify(e.target.checked)} />
          <span>Notify me when a download completes</span>
        </label>
        {problem && <p className="field__error" role="alert">{problem}</p>}
        <div className="dialog__actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={!settings} data-testid="settings-save">Save</button>
        </div>
      </form>
    </Dialog>
  );
}

