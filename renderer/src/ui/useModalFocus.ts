import { useEffect, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Focus for a modal dialog, as a native one behaves: on open, focus moves to the element marked
 * data-autofocus (else the first field or button); Tab and Shift+Tab cycle inside the dialog
 * instead of reaching the page behind it; on close, focus returns to where it was (the torrent
 * list, so the arrow keys, Delete and Space work again without a click).
 */
export function useModalFocus(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = el.querySelector<HTMLElement>('[data-autofocus]') ?? el.querySelector<HTMLElement>('textarea, input, button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return;
      const items = Array.from(el.querySelectorAll<HTMLElement>(FOCUSABLE));
      const head = items[0];
      const tail = items[items.length - 1];
      if (!head || !tail) return;
      const inside = el.contains(document.activeElement);
      if (e.shiftKey && (document.activeElement === head || !inside)) {
        e.preventDefault();
        tail.focus();
      } else if (!e.shiftKey && (document.activeElement === tail || !inside)) {
        e.preventDefault();
        head.focus();
      }
    };
    el.addEventListener('keydown', onKey);
    return () => {
      el.removeEventListener('keydown', onKey);
      // Only when focus is still in the dialog or lost (not when the user moved it elsewhere).
      const active = document.activeElement;
      const lost = active === null || active === document.body || el.contains(active) || !active.isConnected;
      if (previous?.isConnected && lost) previous.focus();
    };
  }, [ref]);
}
