import { altSpeedOf } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatLimit } from '../util/limits.js';

/** The status bar's turtle: switches the alternative speed limits on and off (a schedule may switch them again at its next boundary). */
export function AltSpeedToggle() {
  const controller = useController();
  const settings = useApp((s) => s.settings);
  const connected = useApp((s) => s.connection === 'open');
  if (!settings) return null;
  const alt = altSpeedOf(settings);
  const toggle = () => void controller.call(() => controller.client.setSettings({ altSpeed: { ...alt, active: !alt.active } }));
  const what = `Alternative speed limits (${formatLimit(alt.downloadLimit)} down, ${formatLimit(alt.uploadLimit)} up)`;
  return (
    <button type="button" className={`statusbar__toggle${alt.active ? ' statusbar__toggle--on' : ''}`} aria-pressed={alt.active} disabled={!connected}
      title={`${what}: ${alt.active ? 'on' : 'off'}${alt.scheduled ? ' — scheduled' : ''}`} aria-label={`Alternative speed limits ${alt.active ? 'On' : 'Off'}`} onClick={toggle} data-testid="status-alt-speed">
      <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
        <path d="M4 15c0-4 3.5-7 8-7s8 3 8 7z" /><path d="M20 13h2M6 15l-1 3M18 15l1 3M9 8l1.5 7M15 8l-1.5 7" />
      </svg>
      {alt.active ? 'On' : 'Off'}
    </button>
  );
}
