import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A small modal: Escape or a click on the backdrop cancels; focus moves into it on open. */
export function Dialog({ title, children, onCancel, testId }: { title: string; children: ReactNode; onCancel: () => void; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const el = ref.current;
    // The element marked data-autofocus wins over earlier fields (e.g. the add dialog's Add button).
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>('textarea, input, button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onCancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onCancel(); }}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} data-testid={testId}>
        <h2 id={titleId} className="dialog__title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
