/** A speed limit input in KiB/s ("0 = unlimited" is said once, by the form around it). */
export function RateLimitField({ label, value, onChange, testId }: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <span className="input-unit">
        <input className="input" inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        <span className="input-unit__suffix">KiB/s</span>
      </span>
    </label>
  );
}
