import { useEffect, useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';

export type MenuEntry =
  | { kind: 'item'; id: string; label: string; onSelect: () => void; disabled?: boolean; testId?: string }
  | { kind: 'check'; id: string; label: string; checked: boolean; onSelect: () => void; disabled?: boolean; testId?: string }
  | { kind: 'separator'; id: string };

/** Where a menu opens: a point in the window (client px). */
export interface MenuAnchor {
  x: number;
  y: number;
}

const MARGIN = 4;

/** Keeps a box of size w×h that wants to start at (x, y) inside a viewport of vw×vh. */
export function fitInViewport(x: number, y: number, w: number, h: number, vw: number, vh: number): { left: number; top: number } {
  // Open to the left / above the point when there is no room to the right / below (like native menus).
  let left = x + w + MARGIN > vw ? x - w : x;
  let top = y + h + MARGIN > vh ? y - h : y;
  left = Math.max(MARGIN, Math.min(left, vw - w - MARGIN));
  top = Math.max(MARGIN, Math.min(top, vh - h - MARGIN));
  return { left, top };
}

const ITEM_SELECTOR = '[role="menuitem"]:not([aria-disabled="true"]), [role="menuitemcheckbox"]:not([aria-disabled="true"])';

/**
 * A popup menu at a point: role="menu", arrow keys / Home / End move between items, Enter or
 * Space activates, Escape / Tab / a click outside / a resize or scroll closes it. Focus moves to
 * the first item on open and back to where it was on close.
 */
export function Menu({ anchor, entries, label, onClose, testId }: {
  anchor: MenuAnchor;
  entries: readonly MenuEntry[];
  label: string;
  onClose: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  // Measured and placed before the first paint (and before focus moves in, which needs it visible).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const { left, top } = fitInViewport(anchor.x, anchor.y, r.width, r.height, window.innerWidth, window.innerHeight);
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
  }, [anchor.x, anchor.y]);

  useEffect(() => {
    const el = ref.current;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    el?.querySelector<HTMLElement>(ITEM_SELECTOR)?.focus();
    const outside = (e: Event) => {
      if (!(e.target instanceof Node) || !el?.contains(e.target)) closeRef.current();
    };
    const close = () => closeRef.current();
    // Escape closes it wherever focus is (a click on a disabled item may have taken focus off the items).
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      closeRef.current();
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('mousedown', outside, true);
    window.addEventListener('scroll', outside, true);
    window.addEventListener('resize', close);
    window.addEventListener('blur', close);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('mousedown', outside, true);
      window.removeEventListener('scroll', outside, true);
      window.removeEventListener('resize', close);
      window.removeEventListener('blur', close);
      // Give focus back unless something else (a dialog) took it meanwhile.
      if (previous && (document.activeElement === document.body || document.activeElement === null || el?.contains(document.activeElement))) previous.focus();
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = Array.from(ref.current?.querySelectorAll<HTMLElement>(ITEM_SELECTOR) ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    let next: HTMLElement | undefined;
    switch (e.key) {
      case 'ArrowDown': next = items[(i + 1) % items.length]; break;
      case 'ArrowUp': next = items[(i - 1 + items.length) % items.length]; break;
      case 'Home': next = items[0]; break;
      case 'End': next = items[items.length - 1]; break;
      case 'Tab':
        e.preventDefault();
        e.stopPropagation();
        onClose();
        return;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
    next?.focus();
  };

  const activate = (entry: Exclude<MenuEntry, { kind: 'separator' }>) => {
    if (entry.disabled) return;
    onClose();
    entry.onSelect();
  };

  return createPortal(
    <div ref={ref} className="menu" role="menu" aria-label={label} data-testid={testId} onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
>
      {entries.map((entry) => {
        if (entry.kind === 'separator') return <div key={entry.id} className="menu__sep" role="separator" />;
        const check = entry.kind === 'check';
        return (
          <button key={entry.id} type="button" tabIndex={-1} className="menu__item"
            role={check ? 'menuitemcheckbox' : 'menuitem'} aria-checked={check ? entry.checked : undefined}
            aria-disabled={entry.disabled ? true : undefined} data-testid={entry.testId}
            onClick={() => activate(entry)} onMouseEnter={(e) => { if (!entry.disabled) e.currentTarget.focus(); }}>
            <span className="menu__check" aria-hidden="true">{check && entry.checked ? '✓' : ''}</span>
            <span className="menu__label">{entry.label}</span>
          </button>
        );
      })}
    </div>,
    // Inside the page's <main> landmark (axe: all content in landmarks); fixed positioning still
    // lifts it out of the list's scroll box.
    document.querySelector('main') ?? document.body,
  );
}
