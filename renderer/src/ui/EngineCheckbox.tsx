import { useEffect, useState } from 'react';

/**
 * A checkbox for a flag the engine owns: it shows the click at once, then follows what the
 * engine reports (the next summary), and springs back if the command failed.
 */
export function EngineCheckbox({ checked, onChange, label, testId, disabled = false }: {
  /** The engine's value. */
  checked: boolean;
  /** Resolves to false when the engine refused (the error is shown elsewhere). */
  onChange: (next: boolean) => Promise<boolean>;
  label: string;
  testId?: string;
  disabled?: boolean;
}) {
  const [pending, setPending] = useState<boolean | null>(null);
  useEffect(() => setPending(null), [checked]);
  return (
    <label className="choice">
      <input type="checkbox" checked={pending ?? checked} disabled={disabled} data-testid={testId}
        onChange={(e) => {
          const next = e.target.checked;
          setPending(next);
          void onChange(next).then((ok) => {
            if (!ok) setPending(null);
          });
        }} />
      <span>{label}</span>
    </label>
  );
}
