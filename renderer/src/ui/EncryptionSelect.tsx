import { ENCRYPTION_MODES, type EncryptionMode } from '../../../shared/contract/index.js';

/** qBittorrent's three words for the same choice. */
const LABEL: Record<EncryptionMode, string> = {
  allow: 'Allow encryption',
  require: 'Require encryption',
  disable: 'Disable encryption',
};

const HINT: Record<EncryptionMode, string> = {
  allow: 'Encrypted and plain peers are both accepted.',
  require: 'Only encrypted (MSE/PE) peers: plain ones are refused.',
  disable: 'Only plain BitTorrent peers: encrypted ones are refused.',
};

/** Peer connection encryption (MSE/PE); applies to connections made from now on. */
export function EncryptionSelect({ value, onChange, testId }: { value: EncryptionMode; onChange: (mode: EncryptionMode) => void; testId?: string }) {
  return (
    <label className="field">
      <span className="field__label">Encryption</span>
      <select className="select select--field" value={value} data-testid={testId}
        onChange={(e) => {
          const mode = ENCRYPTION_MODES.find((m) => m === e.target.value);
          if (mode) onChange(mode);
        }}>
        {ENCRYPTION_MODES.map((m) => <option key={m} value={m}>{LABEL[m]}</option>)}
      </select>
      <span className="field__hint">{HINT[value]}</span>
    </label>
  );
}
