import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useModalFocus } from './useModalFocus.js';

/** A small modal: Escape or a click on the backdrop cancels; focus moves into it on open and back on close. */
export function Dialog({ title, children, onCancel, testId }: { title: string; children: ReactNode; onCancel: () => void; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  // The latest onCancel, so a parent passing a new function on each render does not re-run the
  // effects below (which moved focus back to the first field on every re-render).
  const cancel = useRef(onCancel);
  cancel.current = onCancel;
  useModalFocus(ref);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        cancel.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onCancel(); }}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} data-testid={testId}>
        <h2 id={titleId} className="dialog__title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
